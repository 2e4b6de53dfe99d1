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
	"strings"

	"github.com/racesyso/racesyso/gitrun"
)

// Options say where the source comes from and where it goes.
type Options struct {
	Pin      Pin
	URL      string // COMPILER_RT_URL; empty means Pin.URL
	CacheDir string // RACESYSO_CACHE; holds mirrors/
	WorkTree string // compiler-rt/
	Log      io.Writer
}

// OptionsFromEnv fills URL and CacheDir from COMPILER_RT_URL and
// RACESYSO_CACHE (default: os.UserCacheDir()/racesyso).
func OptionsFromEnv(workTree string, log io.Writer) (Options, error) {
	o := Options{Pin: DefaultPin(), URL: os.Getenv("COMPILER_RT_URL"), CacheDir: os.Getenv("RACESYSO_CACHE"), WorkTree: workTree, Log: log}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("no cache directory (set RACESYSO_CACHE): %w", err)
		}
		o.CacheDir = filepath.Join(base, "racesyso")
	}
	return o, nil
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

// Mirror makes sure the cache mirror holds the pinned commit, cloning or
// fetching only when it does not. Once it holds it, no network is used.
func Mirror(o Options) (string, error) {
	dir := o.MirrorDir()
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		fmt.Fprintf(o.Log, "source: cloning %s into the cache mirror %s\n", o.url(), dir)
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", err
		}
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
	if hasCommit(o.MirrorDir(), o.Pin.Commit) {
		return true, "cache mirror " + o.MirrorDir()
	}
	return false, fmt.Sprintf("no compiler-rt source: COMPILER_RT_URL is not a local repository and the cache mirror %s does not hold %s", o.MirrorDir(), o.Pin.Short())
}
