package source

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/gitrun"
)

// stampFile, inside a work tree's .git, names the pinned source the tree
// was made from.
const stampFile = "racesyso-source"

// sameTree reports whether wt was made from the source stamp names and has
// its commit.
func sameTree(wt, stamp string) bool {
	got, err := os.ReadFile(filepath.Join(wt, ".git", stampFile))
	if err != nil || string(got) != stamp {
		return false
	}
	head, err := gitrun.Run(wt, "rev-parse", "--verify", "HEAD")
	return err == nil && head != ""
}

// newTreeDir is an empty scratch directory beside wt, where the next tree
// is made before it replaces wt (a crash leaves wt as it was; the next run
// removes the scratch directory).
func newTreeDir(wt string) (string, error) {
	tmp := wt + ".partial"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	return tmp, nil
}

// commitTree makes the tree in tmp a git repository with one commit (a
// fixed author and date: the same tree gives the same commit), records
// stamp in it and puts it in place of wt.
func commitTree(tmp, wt, msg, stamp string) error {
	for _, a := range [][]string{
		{"init", "--quiet"},
		{"add", "--all"},
		{"-c", "user.name=racesyso", "-c", "user.email=dev@racesyso", "commit", "--quiet", "--no-gpg-sign", "--date=2000-01-01T00:00:00Z", "-m", msg},
	} {
		if _, err := gitrun.Run(tmp, a...); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".git", stampFile), []byte(stamp), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(wt); err != nil {
		return err
	}
	return os.Rename(tmp, wt)
}

// TreeSHA256 hashes a tree as `find . -type f | LC_ALL=C sort | xargs
// sha256sum | sha256sum` does (.git excluded), and counts its files.
func TreeSHA256(dir string) (int, string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" && p != dir {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, "./"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		sum, _, err := dist.FileSHA256(filepath.Join(dir, f))
		if err != nil {
			return 0, "", err
		}
		fmt.Fprintf(h, "%s  %s\n", sum, f)
	}
	if len(files) == 0 {
		return 0, "", errEmptyTree
	}
	return len(files), hex.EncodeToString(h.Sum(nil)), nil
}

// TreePaths are the top-level paths of a tree made from paths below
// prefix (what the patch stage resets), relative to the work tree.
func TreePaths(paths []string, prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range paths {
		rel := strings.TrimPrefix(strings.TrimPrefix(x, "/"), prefix)
		top, _, _ := strings.Cut(rel, "/")
		if top != "" && !seen[top] {
			seen[top] = true
			out = append(out, top+"/")
		}
	}
	return out
}
