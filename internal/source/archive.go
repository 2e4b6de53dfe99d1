package source

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/gitrun"
	"github.com/racesyso/racesyso/internal/lockfile"
)

//go:embed pin-llvm-19.json
var llvm19PinJSON []byte

// ArchivePin pins a source profile that comes as a Debian source package:
// the orig tarball by name and sha256, the paths extracted from it, and the
// hash of the extracted tree.
type ArchivePin struct {
	Profile         string   `json:"profile"`
	Package         string   `json:"package"`
	Version         string   `json:"version"`
	Orig            string   `json:"orig"`
	OrigSize        int64    `json:"orig_size"`
	OrigSHA256      string   `json:"orig_sha256"`
	Top             string   `json:"top"`
	Paths           []string `json:"paths"`
	StripComponents int      `json:"strip_components"`
	TreeFiles       int      `json:"tree_files"`
	TreeSHA256      string   `json:"tree_sha256"`
}

// LLVM19Pin is the llvm-19 profile's pin (source/pin-llvm-19.json).
func LLVM19Pin() ArchivePin {
	var p ArchivePin
	if err := json.Unmarshal(llvm19PinJSON, &p); err != nil {
		panic("source/pin-llvm-19.json: " + err.Error())
	}
	return p
}

// TreePaths are the extracted tree's top-level paths (what the patch stage
// resets), relative to the work tree.
func (p ArchivePin) TreePaths() []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range p.Paths {
		parts := strings.Split(x, "/")
		if len(parts) <= p.StripComponents-1 {
			continue
		}
		top := parts[p.StripComponents-1]
		if !seen[top] {
			seen[top] = true
			out = append(out, top+"/")
		}
	}
	return out
}

// Source is what the manifest records of the pin.
func (p ArchivePin) Source() dist.Source {
	return dist.Source{URL: "apt-get source " + p.Package + "=" + p.Version, Package: p.Package, Version: p.Version, Archive: p.Orig, ArchiveSHA256: p.OrigSHA256}
}

// ArchiveOptions say where an archive source is fetched to and extracted.
type ArchiveOptions struct {
	Pin      ArchivePin
	CacheDir string // RACESYSO_CACHE; holds sources/<profile>/
	WorkTree string // compiler-rt-<profile>/
	Log      io.Writer
	// Fetch downloads the source package into dir; nil is apt-get source.
	Fetch func(dir string) error
}

// Dir is the cache directory of the profile's source package.
func (o ArchiveOptions) Dir() string { return filepath.Join(o.CacheDir, "sources", o.Pin.Profile) }

// OrigPath is where the orig tarball is kept in the cache.
func (o ArchiveOptions) OrigPath() string { return filepath.Join(o.Dir(), o.Pin.Orig) }

// debSrcFix is what to do when apt-get source cannot fetch the package.
const debSrcFix = "run `RACESYSO_DEB_SRC=1 bash scripts/install-tools.sh` (it adds a deb-src entry in its own file, /etc/apt/sources.list.d/racesyso-deb-src.sources)"

// CheckArchive checks a file against the pinned sha256.
func (p ArchivePin) CheckArchive(path string) error {
	sum, _, err := dist.FileSHA256(path)
	if err != nil {
		return err
	}
	if sum != p.OrigSHA256 {
		return fmt.Errorf("%s has sha256 %s, the pin (source/pin-%s.json) says %s: not %s %s's orig tarball; remove it and fetch again", path, sum, p.Profile, p.OrigSHA256, p.Package, p.Version)
	}
	return nil
}

// FetchArchive makes the cache hold the pinned orig tarball, checked by
// sha256, fetching it with apt-get source only when absent. Runs that fetch
// hold the cache's lock.
func FetchArchive(o ArchiveOptions) (string, error) {
	path := o.OrigPath()
	if _, err := os.Stat(path); err == nil {
		return path, o.Pin.CheckArchive(path)
	}
	if err := os.MkdirAll(o.Dir(), 0o755); err != nil {
		return "", fmt.Errorf("set RACESYSO_CACHE to a writable directory: %w", err)
	}
	lock, err := lockfile.Acquire(filepath.Join(o.Dir(), ".lock"), "fetching "+o.Pin.Package+" "+o.Pin.Version, o.Log,
		"set RACESYSO_CACHE to a writable directory (it holds the source packages), or make "+o.CacheDir+" writable")
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	if _, err := os.Stat(path); err == nil { // another run fetched it meanwhile
		return path, o.Pin.CheckArchive(path)
	}
	tmp, err := os.MkdirTemp(o.Dir(), "fetch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	fetch := o.Fetch
	if fetch == nil {
		fetch = o.aptGetSource
	}
	fmt.Fprintf(o.Log, "source: fetching %s %s (apt-get source) into %s\n", o.Pin.Package, o.Pin.Version, o.Dir())
	if err := fetch(tmp); err != nil {
		return "", fmt.Errorf("cannot fetch the source package %s=%s: %w; %s", o.Pin.Package, o.Pin.Version, err, debSrcFix)
	}
	got := filepath.Join(tmp, o.Pin.Orig)
	if _, err := os.Stat(got); err != nil {
		return "", fmt.Errorf("apt-get source gave no %s: %s", o.Pin.Orig, debSrcFix)
	}
	if err := o.Pin.CheckArchive(got); err != nil {
		return "", err
	}
	if err := os.Rename(got, path); err != nil {
		return "", err
	}
	return path, nil
}

func (o ArchiveOptions) aptGetSource(dir string) error {
	args := []string{"source", "--download-only", "-qq"}
	if os.Geteuid() == 0 {
		// apt's download sandbox user (_apt) cannot write root's directories.
		args = append(args, "-o", "APT::Sandbox::User=root")
	}
	args = append(args, o.Pin.Package+"="+o.Pin.Version)
	cmd := exec.Command("apt-get", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("apt-get %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// archiveStamp, inside the work tree's .git, names the archive the tree was
// extracted from.
const archiveStamp = "racesyso-archive"

// CheckoutArchive makes o.WorkTree a git repository holding the pinned
// paths of the orig tarball, committed, so that the patch stage works on it
// as on a git checkout. A no-op when the tree is there from the same
// archive; any other tree is replaced.
func CheckoutArchive(o ArchiveOptions) error {
	wt := o.WorkTree
	stamp := o.Pin.OrigSHA256 + " " + o.Pin.TreeSHA256 + "\n"
	if got, err := os.ReadFile(filepath.Join(wt, ".git", archiveStamp)); err == nil && string(got) == stamp {
		if head, err := gitrun.Run(wt, "rev-parse", "--verify", "HEAD"); err == nil && head != "" {
			fmt.Fprintf(o.Log, "source: %s holds %s %s already\n", wt, o.Pin.Package, o.Pin.Version)
			return nil
		}
	}
	orig, err := FetchArchive(o)
	if err != nil {
		return err
	}
	tmp := wt + ".partial"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	args := []string{"-x", "--use-compress-program=xz -dc -T2", "-f", orig, fmt.Sprintf("--strip-components=%d", o.Pin.StripComponents), "-C", tmp}
	for _, p := range o.Pin.Paths {
		args = append(args, o.Pin.Top+"/"+p)
	}
	fmt.Fprintf(o.Log, "source: extracting %s of %s into %s\n", strings.Join(o.Pin.Paths, " "), o.Pin.Orig, wt)
	if out, err := exec.Command("tar", args...).CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("tar %s: %w: %s", strings.Join(args, " "), err, out)
	}
	n, sum, err := TreeSHA256(tmp)
	if err != nil {
		return err
	}
	if sum != o.Pin.TreeSHA256 {
		os.RemoveAll(tmp)
		return fmt.Errorf("the tree extracted from %s has %d files, sha256 %s; the pin (source/pin-%s.json) says %d files, %s", orig, n, sum, o.Pin.Profile, o.Pin.TreeFiles, o.Pin.TreeSHA256)
	}
	for _, a := range [][]string{
		{"init", "--quiet"},
		{"add", "--all"},
		{"-c", "user.name=racesyso", "-c", "user.email=dev@racesyso", "commit", "--quiet", "--no-gpg-sign", "--date=2000-01-01T00:00:00Z",
			"-m", o.Pin.Package + " " + o.Pin.Version + ": " + strings.Join(o.Pin.Paths, " ") + " from " + o.Pin.Orig + " (sha256 " + o.Pin.OrigSHA256 + ")"},
	} {
		if _, err := gitrun.Run(tmp, a...); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".git", archiveStamp), []byte(stamp), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(wt); err != nil {
		return err
	}
	if err := os.Rename(tmp, wt); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "source: %s at %s %s (%d files, tree sha256 %.12s)\n", wt, o.Pin.Package, o.Pin.Version, n, sum)
	return nil
}

// ArchiveAvailable reports whether CheckoutArchive can work without the
// network: the work tree or the cached orig tarball is there.
func ArchiveAvailable(o ArchiveOptions) (bool, string) {
	if _, err := os.Stat(filepath.Join(o.WorkTree, ".git", archiveStamp)); err == nil {
		return true, o.WorkTree
	}
	if _, err := os.Stat(o.OrigPath()); err == nil {
		return true, o.OrigPath()
	}
	return false, fmt.Sprintf("no %s source: %s is not in the cache (%s), and apt-get source needs a deb-src entry: %s", o.Pin.Profile, o.Pin.Orig, o.Dir(), debSrcFix)
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
		return 0, "", errors.New("empty tree")
	}
	return len(files), hex.EncodeToString(h.Sum(nil)), nil
}
