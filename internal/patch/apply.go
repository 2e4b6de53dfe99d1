package patch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/internal/gitrun"
)

// stampFile, inside the work tree's .git, records which series the tree
// carries.
const stampFile = "racesyso-series"

// ConflictError is a patch that does not apply.
type ConflictError struct {
	Patch string // patch file name
	File  string // file in the tree, if git named one
	Hunk  int    // 1-based hunk number within File's section, 0 if unknown
	Head  string // the hunk's @@ header
	Git   string // git apply's message
}

func (e *ConflictError) Error() string {
	msg := "patch " + e.Patch + " does not apply"
	if e.File != "" {
		msg += ": " + e.File
		if e.Hunk > 0 {
			msg += fmt.Sprintf(" hunk #%d (%s)", e.Hunk, e.Head)
		}
		msg += " conflicts"
	}
	return msg + "; fix or regenerate that patch against the tree patched by the ones before it (git apply said: " + e.Git + ")"
}

// Apply brings workTree to "pristine pinned commit + series". paths are the
// work tree's checked-out paths (the pin's), reset when the tree carries
// anything else.
func Apply(workTree string, s *Series, paths []string, log io.Writer) error {
	stamp := filepath.Join(workTree, ".git", stampFile)
	if got, err := os.ReadFile(stamp); err == nil {
		if tree, err := treeDigest(workTree, paths); err == nil && string(got) == stampText(s, tree, paths) {
			fmt.Fprintf(log, "patch: series already applied (%d patches), nothing to do\n", len(s.Patches))
			return nil
		}
	}
	if err := Reset(workTree, paths); err != nil {
		return err
	}
	for i, p := range s.Patches {
		abs, err := filepath.Abs(p.Path)
		if err != nil {
			return err
		}
		if _, err := gitrun.Run(workTree, "apply", "--whitespace=nowarn", "-p"+strconv.Itoa(p.strip()), abs); err != nil {
			Reset(workTree, paths)
			return conflict(p, err)
		}
		fmt.Fprintf(log, "patch: [%d/%d] applied %s\n", i+1, len(s.Patches), p.Name)
	}
	tree, err := treeDigest(workTree, paths)
	if err != nil {
		return err
	}
	return os.WriteFile(stamp, []byte(stampText(s, tree, paths)), 0o644)
}

// stampText records the series and the state of the tree it produced, so a
// tree changed behind our back is not mistaken for a patched one.
func stampText(s *Series, tree string, paths []string) string {
	return "series " + s.Digest() + "\ntree " + tree + "\npaths " + strings.Join(paths, " ") + "\n" + strings.Join(s.Names(), "\n") + "\n"
}

// stampPaths reads the paths line of a stamp.
func stampPaths(stamp string) []string {
	for _, l := range strings.Split(stamp, "\n") {
		if rest, ok := strings.CutPrefix(l, "paths "); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

// treeDigest hashes the work tree's changes against HEAD under paths,
// untracked files included.
func treeDigest(workTree string, paths []string) (string, error) {
	args := append([]string{"status", "--porcelain", "--untracked-files=all", "--"}, paths...)
	status, err := gitrun.Run(workTree, args...)
	if err != nil {
		return "", err
	}
	args = append([]string{"diff", "HEAD", "--"}, paths...)
	diff, err := gitrun.Run(workTree, args...)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(status + "\x00" + diff))
	return hex.EncodeToString(sum[:]), nil
}

// Reset discards every change under paths and removes the stamp.
func Reset(workTree string, paths []string) error {
	os.Remove(filepath.Join(workTree, ".git", stampFile))
	args := append([]string{"checkout", "--quiet", "--force", "HEAD", "--"}, paths...)
	if _, err := gitrun.Run(workTree, args...); err != nil {
		return fmt.Errorf("resetting %s (run `go run mage.go checkout` first): %w", workTree, err)
	}
	args = append([]string{"clean", "-fdxq", "--"}, paths...)
	_, err := gitrun.Run(workTree, args...)
	return err
}

var (
	failedAtRe = regexp.MustCompile(`patch failed: (\S+):(\d+)`)
	noFileRe   = regexp.MustCompile(`error: (\S+): (No such file or directory|does not exist in index)`)
)

// conflict turns git apply's failure into a ConflictError naming the file
// and the hunk.
func conflict(p Patch, err error) error {
	msg := err.Error()
	var gerr *gitrun.Error
	if errors.As(err, &gerr) {
		msg = gerr.Stderr
	}
	ce := &ConflictError{Patch: p.Name, Git: strings.ReplaceAll(msg, "\n", "; ")}
	if m := failedAtRe.FindStringSubmatch(msg); m != nil {
		ce.File = m[1]
		line, _ := strconv.Atoi(m[2])
		ce.Hunk, ce.Head = findHunk(string(p.Data), m[1], line)
	} else if m := noFileRe.FindStringSubmatch(msg); m != nil {
		ce.File = m[1]
	}
	return ce
}

var hunkRe = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@`)

// findHunk returns the number and header of the hunk of file's section in a
// unified diff that starts at old line number line.
func findHunk(diff, file string, line int) (int, string) {
	inFile, n := false, 0
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "diff --git "):
			inFile = strings.HasSuffix(l, "/"+file)
			n = 0
		case inFile && strings.HasPrefix(l, "@@ "):
			n++
			if m := hunkRe.FindStringSubmatch(l); m != nil {
				if start, _ := strconv.Atoi(m[1]); start == line {
					return n, strings.TrimSpace(l)
				}
			}
		}
	}
	return 0, ""
}

// IsApplied reports whether workTree carries exactly series s, unchanged
// since it was applied.
func IsApplied(workTree string, s *Series) bool {
	got, err := os.ReadFile(filepath.Join(workTree, ".git", stampFile))
	if err != nil {
		return false
	}
	paths := stampPaths(string(got))
	tree, err := treeDigest(workTree, paths)
	return err == nil && string(got) == stampText(s, tree, paths)
}
