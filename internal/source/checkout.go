package source

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/internal/gitrun"
	"github.com/racesyso/racesyso/internal/lockfile"
)

// Options say where a git source comes from and where it goes.
type Options struct {
	Pin      Pin
	URL      string // COMPILER_RT_URL or RACESYSO_LLVM_URL; empty means Pin.URL
	CacheDir string // RACESYSO_CACHE; holds git/
	WorkTree string // compiler-rt/
	Log      io.Writer
}

func (o Options) url() string {
	if o.URL != "" {
		return o.URL
	}
	return o.Pin.URL
}

// MirrorDir is the cache's blobless clone for the source URL.
func (o Options) MirrorDir() string {
	sum := sha256.Sum256([]byte(o.url()))
	name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(filepath.Base(strings.TrimSuffix(o.url(), "/")), "_")
	return filepath.Join(o.CacheDir, "git", name+"-"+hex.EncodeToString(sum[:6]))
}

// FindMirror returns a clone in the cache that holds the pinned commit,
// whatever URL brought it there: the URL's own clone first, then any other
// (the commit is pinned by hash, and checked again by verifyPin). It
// returns "" when none does.
func (o Options) FindMirror() string {
	if hasCommit(o.MirrorDir(), o.Pin.Commit) {
		return o.MirrorDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(o.CacheDir, "git", "*"))
	sort.Strings(dirs)
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, ".git")); err != nil || !st.IsDir() || strings.HasSuffix(d, ".partial") {
			continue
		}
		if hasCommit(d, o.Pin.Commit) {
			return d
		}
	}
	return ""
}

// lockPath is the lock that serialises the runs that write the cache
// clones (fetch, checkout).
func (o Options) lockPath() string { return filepath.Join(o.CacheDir, "git", ".lock") }

// Mirror makes sure a cache clone holds the pinned commit and the files of
// its pinned paths, fetching only what it lacks: the commit with
// --filter=blob:none --depth=1, then the blobs of the pinned paths by a
// sparse checkout. Once a clone holds them, no network is used, whatever the
// URL says. Runs that write a clone hold the cache's lock.
func Mirror(o Options) (string, error) {
	lock, err := lockfile.Acquire(o.lockPath(), "fetching "+o.url(), o.Log,
		"set RACESYSO_CACHE to a writable directory (it holds the source clones), or make "+o.CacheDir+" writable")
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	dir := o.FindMirror()
	if dir != "" && dir != o.MirrorDir() {
		fmt.Fprintf(o.Log, "source: the cache clone %s holds %s; using it (no fetch from %s)\n", dir, o.Pin.Short(), o.url())
	}
	if dir == "" {
		dir = o.MirrorDir()
		if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
			if err := newClone(dir, o.url()); err != nil {
				return "", err
			}
		}
		fmt.Fprintf(o.Log, "source: fetching %s from %s (blobless, depth 1) into the cache clone %s\n", o.Pin.Short(), o.url(), dir)
		// A local repository's upload-pack is told to allow the filter (a
		// server's own configuration decides for a remote one).
		fetch := []string{"fetch", "--quiet", "--filter=blob:none"}
		if isLocal(o.url()) {
			fetch = append(fetch, "--upload-pack=git -c uploadpack.allowFilter=true upload-pack")
		}
		fetch = append(fetch, "origin")
		if _, err := gitrun.Run(dir, append(fetch, "--depth=1", o.Pin.Commit)...); err != nil {
			// A server that refuses a commit by hash: its branches, blobless.
			if _, err2 := gitrun.Run(dir, append(fetch, "+refs/heads/*:refs/remotes/origin/*")...); err2 != nil {
				return "", fmt.Errorf("cannot fetch %s from %s (offline? set %s to a local repository that holds it): %w", o.Pin.Commit, o.url(), o.urlVar(), err)
			}
		}
	}
	if err := verifyPin(dir, o.url(), o.Pin); err != nil {
		return "", err
	}
	if err := o.checkTsanGo(dir); err != nil {
		return "", err
	}
	// The sparse checkout fetches the pinned paths' blobs in one batch.
	args := append([]string{"sparse-checkout", "set", "--no-cone"}, sparsePatterns(o.Pin.Paths)...)
	if _, err := gitrun.Run(dir, args...); err != nil {
		return "", err
	}
	if _, err := gitrun.Run(dir, "checkout", "--quiet", "--force", "--detach", o.Pin.Commit); err != nil {
		return "", fmt.Errorf("checking out %s in the cache clone %s (offline? the files of the pinned paths are fetched from %s): %w", o.Pin.Short(), dir, o.url(), err)
	}
	return dir, nil
}

// isLocal reports whether url names a repository on this machine.
func isLocal(url string) bool {
	return strings.HasPrefix(url, "file://") || !strings.Contains(url, "://") && !strings.Contains(url, ":")
}

// urlVar names the variable that sets the URL of o's kind.
func (o Options) urlVar() string {
	if o.Pin.Kind == KindLLVMProject {
		return "RACESYSO_LLVM_URL"
	}
	return "COMPILER_RT_URL"
}

// newClone makes an empty partial clone of url at dir (written whole: a
// .partial directory renamed into place).
func newClone(dir, url string) error {
	tmp := dir + ".partial"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("set RACESYSO_CACHE to a writable directory: %w", err)
	}
	for _, a := range [][]string{
		{"init", "--quiet"},
		{"remote", "add", "origin", url},
		{"config", "remote.origin.promisor", "true"},
		{"config", "remote.origin.partialclonefilter", "blob:none"},
		{"config", "core.sparseCheckout", "true"},
	} {
		if _, err := gitrun.Run(tmp, a...); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	return os.Rename(tmp, dir)
}

// checkTsanGo refuses a commit whose tree lacks lib/tsan/go (Go's runtime).
func (o Options) checkTsanGo(repo string) error {
	p := o.Pin.Prefix() + "lib/tsan/go"
	out, err := gitrun.Run(repo, "ls-tree", "-d", o.Pin.Commit, "--", p)
	if err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("commit %s of %s has no %s: it is not a source of Go's race runtime (choose a commit that has it)", o.Pin.Commit, o.url(), p)
	}
	return nil
}

func hasCommit(repo, commit string) bool {
	t, err := gitrun.Run(repo, "cat-file", "-t", commit)
	return err == nil && t == "commit"
}

// verifyPin checks that repo holds the pinned commit (with the pinned SVN
// revision, where the pin has one).
func verifyPin(repo, url string, pin Pin) error {
	found, msg := "", ""
	if hasCommit(repo, pin.Commit) {
		var err error
		if found, err = gitrun.Run(repo, "rev-parse", pin.Commit+"^{commit}"); err != nil {
			return err
		}
		if msg, err = gitrun.Run(repo, "log", "-1", "--format=%B", found); err != nil {
			return err
		}
	}
	return pin.CheckCommit(url, found, msg)
}

// gitStamp names what a work tree was made from.
func (p Pin) stamp() string {
	return "git " + p.Commit + " " + strings.Join(p.Paths, " ") + "\n"
}

// Checkout makes o.WorkTree a git repository holding the pinned paths of
// the pinned commit (rooted at compiler-rt's top), committed, so that the
// patch stage works on it. A no-op when the tree is there from the same
// pin; any other tree is replaced whole.
func Checkout(o Options) error {
	if sameTree(o.WorkTree, o.Pin.stamp()) {
		fmt.Fprintf(o.Log, "source: %s holds %s already\n", o.WorkTree, o.Pin.Short())
		return nil
	}
	mirror, err := Mirror(o)
	if err != nil {
		return err
	}
	tmp, err := newTreeDir(o.WorkTree)
	if err != nil {
		return err
	}
	if err := extractCommit(mirror, o.Pin, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	n, sum, err := TreeSHA256(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("commit %s of %s: %w", o.Pin.Commit, o.url(), err)
	}
	if o.Pin.TreeSHA256 != "" && sum != o.Pin.TreeSHA256 {
		os.RemoveAll(tmp)
		return fmt.Errorf("the tree of %s at %s has %d files, sha256 %s; the pin says %s", o.url(), o.Pin.Commit, n, sum, o.Pin.TreeSHA256)
	}
	msg := fmt.Sprintf("%s at %s: %s", o.url(), o.Pin.Commit, strings.Join(o.Pin.Paths, " "))
	if err := commitTree(tmp, o.WorkTree, msg, o.Pin.stamp()); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "source: %s at %s, paths %s (%d files, tree sha256 %.12s)\n", o.WorkTree, o.Pin.Short(), strings.Join(o.Pin.Paths, " "), n, sum)
	return nil
}

// extractCommit writes the files of pin's paths at pin's commit into dir,
// byte for byte as git stores them, without the prefix above compiler-rt.
func extractCommit(repo string, pin Pin, dir string) error {
	args := append([]string{"ls-tree", "-r", "-z", "--full-tree", pin.Commit, "--"}, pin.Paths...)
	out, err := gitrun.Run(repo, args...)
	if err != nil {
		return err
	}
	type entry struct{ mode, oid, path string }
	var entries []entry
	var batch bytes.Buffer
	for _, rec := range strings.Split(out, "\x00") {
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" {
			continue
		}
		rel, ok := strings.CutPrefix(path, pin.Prefix())
		if !ok {
			continue
		}
		entries = append(entries, entry{f[0], f[2], rel})
		batch.WriteString(f[2] + "\n")
	}
	if len(entries) == 0 {
		return fmt.Errorf("commit %s has no files under %s", pin.Commit, strings.Join(pin.Paths, " "))
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir, cmd.Stdin = repo, &batch
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	r := bufio.NewReader(stdout)
	var werr error
	for _, e := range entries {
		header, err := r.ReadString('\n')
		if err != nil {
			werr = fmt.Errorf("reading %s: %w", e.path, err)
			break
		}
		h := strings.Fields(header)
		if len(h) != 3 {
			werr = fmt.Errorf("git cat-file: %s: %s", e.path, strings.TrimSpace(header))
			break
		}
		size, _ := strconv.Atoi(h[2])
		data := make([]byte, size+1) // and the newline after it
		if _, err := io.ReadFull(r, data); err != nil {
			werr = err
			break
		}
		if werr = writeEntry(filepath.Join(dir, filepath.FromSlash(e.path)), e.mode, data[:size]); werr != nil {
			break
		}
	}
	io.Copy(io.Discard, r)
	if err := cmd.Wait(); err != nil && werr == nil {
		werr = fmt.Errorf("git cat-file --batch in %s: %w: %s", repo, err, strings.TrimSpace(stderr.String()))
	}
	return werr
}

func writeEntry(path, mode string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	switch mode {
	case "120000":
		return os.Symlink(string(data), path)
	case "100755":
		return os.WriteFile(path, data, 0o755)
	}
	return os.WriteFile(path, data, 0o644)
}

func sparsePatterns(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, "/"+strings.TrimPrefix(p, "/"))
	}
	return out
}

// Available reports whether Checkout can work without asking the network:
// the work tree holds the pin already, the URL names a local repository, or
// a cache clone holds the pinned commit. The string says which, or why not.
func Available(o Options) (bool, string) {
	if sameTree(o.WorkTree, o.Pin.stamp()) {
		return true, o.WorkTree
	}
	if o.URL != "" {
		if st, err := os.Stat(strings.TrimPrefix(o.URL, "file://")); err == nil && st.IsDir() {
			return true, o.urlVar() + "=" + o.URL
		}
	}
	if dir := o.FindMirror(); dir != "" {
		return true, "cache clone " + dir
	}
	return false, fmt.Sprintf("no compiler-rt source: %s is not a local repository and the cache clone %s does not hold %s", o.urlVar(), o.MirrorDir(), o.Pin.Short())
}

var errEmptyTree = errors.New("empty tree")

var llvmMajorRe = regexp.MustCompile(`(?m)^\s*set\(LLVM_VERSION_MAJOR\s+(\d+)\)`)

// LLVMMajor is the LLVM release of an llvm-project commit, read from its
// cmake/Modules/LLVMVersion.cmake (llvm/CMakeLists.txt before LLVM 16),
// fetched into the cache clone; 0 when neither says.
func LLVMMajor(o Options) (int, error) {
	dir, err := Mirror(o)
	if err != nil {
		return 0, err
	}
	for _, f := range []string{"cmake/Modules/LLVMVersion.cmake", "llvm/CMakeLists.txt"} {
		out, err := gitrun.Run(dir, "cat-file", "-p", o.Pin.Commit+":"+f)
		if err != nil {
			continue
		}
		if m := llvmMajorRe.FindStringSubmatch(out); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n, nil
		}
	}
	return 0, nil
}
