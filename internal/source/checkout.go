package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/gitrun"
	"github.com/racesyso/racesyso/internal/lockfile"
)

// Options say where the source comes from and where it goes.
type Options struct {
	Pin      Pin
	URL      string // COMPILER_RT_URL; empty means Pin.URL
	CacheDir string // RACESYSO_CACHE; holds mirrors/
	WorkTree string // compiler-rt/
	Log      io.Writer
}

// NewOptions is the pinned source, fetched from url (empty: the pin's) via
// the mirrors in cacheDir, checked out into workTree.
func NewOptions(url, cacheDir, workTree string, log io.Writer) Options {
	return Options{Pin: DefaultPin(), URL: url, CacheDir: cacheDir, WorkTree: workTree, Log: log}
}

func (o Options) url() string {
	if o.URL != "" {
		return o.URL
	}
	return o.Pin.URL
}

// MirrorDir is the persistent bare mirror for the source URL.
func (o Options) MirrorDir() string {
	sum := sha256.Sum256([]byte(o.url()))
	name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(filepath.Base(strings.TrimSuffix(o.url(), "/")), "_")
	return filepath.Join(o.CacheDir, "mirrors", name+"-"+hex.EncodeToString(sum[:6]))
}

// FindMirror returns a mirror in the cache that holds the pinned commit,
// whatever URL brought it there: the URL's own mirror first, then any other
// (the commit is pinned by hash, and checked again by verifyPin). It
// returns "" when none does.
func (o Options) FindMirror() string {
	if hasCommit(o.MirrorDir(), o.Pin.Commit) {
		return o.MirrorDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(o.CacheDir, "mirrors", "*"))
	sort.Strings(dirs)
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, "HEAD")); err != nil || st.IsDir() || strings.HasSuffix(d, ".partial") {
			continue
		}
		if hasCommit(d, o.Pin.Commit) {
			return d
		}
	}
	return ""
}

// lockPath is the lock that serialises the runs that write the cache
// mirrors (clone, fetch).
func (o Options) lockPath() string { return filepath.Join(o.CacheDir, "mirrors", ".lock") }

// Mirror makes sure a cache mirror holds the pinned commit, cloning or
// fetching only when none does. Once one holds it, no network is used,
// whatever COMPILER_RT_URL says. Runs that clone or fetch hold the cache's
// lock, so concurrent runs do not write one mirror together.
func Mirror(o Options) (string, error) {
	if dir := o.found(); dir != "" {
		return dir, nil
	}
	lock, err := lockfile.Acquire(o.lockPath(), "fetching "+o.url(), o.Log,
		"set RACESYSO_CACHE to a writable directory (it holds the compiler-rt mirror), or make "+o.CacheDir+" writable")
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	if dir := o.found(); dir != "" { // another run fetched it meanwhile
		return dir, nil
	}
	dir := o.MirrorDir()
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		fmt.Fprintf(o.Log, "source: cloning %s into the cache mirror %s\n", o.url(), dir)
		tmp := dir + ".partial"
		os.RemoveAll(tmp)
		if _, err := gitrun.Run(filepath.Dir(dir), "clone", "--mirror", "--quiet", o.url(), tmp); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("cannot clone %s (offline? set COMPILER_RT_URL to a local mirror of llvm-mirror/compiler-rt): %w", o.url(), err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			return "", err
		}
	} else if !hasCommit(dir, o.Pin.Commit) {
		fmt.Fprintf(o.Log, "source: cache mirror lacks %.7s, fetching %s\n", o.Pin.Commit, o.url())
		if _, err := gitrun.Run(dir, "fetch", "--quiet", o.url(), "+refs/heads/*:refs/heads/*"); err != nil {
			return "", fmt.Errorf("cannot fetch %s to find the pinned commit (offline? set COMPILER_RT_URL to a local mirror): %w", o.url(), err)
		}
	}
	return dir, verifyPin(dir, o.Pin)
}

// found is FindMirror, keeping only a mirror whose commit passes the pin's
// checks.
func (o Options) found() string {
	dir := o.FindMirror()
	if dir == "" || verifyPin(dir, o.Pin) != nil {
		return ""
	}
	if dir != o.MirrorDir() {
		fmt.Fprintf(o.Log, "source: the cache mirror %s holds %s; using it (no fetch from %s)\n", dir, o.Pin.Short(), o.url())
	}
	return dir
}

func hasCommit(repo, commit string) bool {
	t, err := gitrun.Run(repo, "cat-file", "-t", commit)
	return err == nil && t == "commit"
}

// verifyPin checks that repo holds the pinned commit with the pinned SVN
// revision.
func verifyPin(repo string, pin Pin) error {
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
	return pin.CheckCommit(found, msg)
}

// Checkout makes o.WorkTree a sparse checkout of the pinned commit holding
// only the pin's paths. An existing work tree at another commit is moved to
// the pinned one; local changes there are discarded by the patch stage, not
// here, so Checkout refuses a dirty tree at a different commit.
func Checkout(o Options) error {
	mirror, err := Mirror(o)
	if err != nil {
		return err
	}
	wt := o.WorkTree
	if _, err := os.Stat(filepath.Join(wt, ".git")); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(o.Log, "source: creating %s from the cache mirror\n", wt)
		if err := os.MkdirAll(filepath.Dir(wt), 0o755); err != nil {
			return err
		}
		if _, err := gitrun.Run(filepath.Dir(wt), "clone", "--quiet", "--no-checkout", mirror, wt); err != nil {
			return err
		}
	} else if err != nil {
		return err
	} else if _, err := gitrun.Run(wt, "fetch", "--quiet", mirror); err != nil && !hasCommit(wt, o.Pin.Commit) {
		return err
	}
	args := append([]string{"sparse-checkout", "set", "--no-cone"}, sparsePatterns(o.Pin.Paths)...)
	if _, err := gitrun.Run(wt, args...); err != nil {
		return err
	}
	// Checking out the commit HEAD is already at is cheap, and populates a
	// fresh --no-checkout clone.
	if _, err := gitrun.Run(wt, "checkout", "--quiet", "--detach", o.Pin.Commit); err != nil {
		return fmt.Errorf("checking out %s in %s (local changes? run `go run mage.go clean`): %w", o.Pin.Short(), wt, err)
	}
	if err := verifyPin(wt, o.Pin); err != nil {
		return err
	}
	head, err := gitrun.Run(wt, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	if head != o.Pin.Commit {
		return fmt.Errorf("wrong revision: %s is at %s after checkout, the pin says %s", wt, head, o.Pin.Commit)
	}
	fmt.Fprintf(o.Log, "source: %s at %s, paths %s\n", wt, o.Pin.Short(), strings.Join(o.Pin.Paths, " "))
	return nil
}

func sparsePatterns(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, "/"+strings.TrimPrefix(p, "/"))
	}
	return out
}

// Available reports whether Checkout can work without asking the network:
// COMPILER_RT_URL names a local repository, or the cache mirror already
// holds the pinned commit. The string says which, or why not.
func Available(o Options) (bool, string) {
	if o.URL != "" {
		if st, err := os.Stat(o.URL); err == nil && st.IsDir() {
			return true, "COMPILER_RT_URL=" + o.URL
		}
	}
	if dir := o.FindMirror(); dir != "" {
		return true, "cache mirror " + dir
	}
	return false, fmt.Sprintf("no compiler-rt source: COMPILER_RT_URL is not a local repository and the cache mirror %s does not hold %s", o.MirrorDir(), o.Pin.Short())
}
