package source

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/lockfile"
)

// ArchivePin pins a source that comes as a Debian source package: where
// apt reads it (the suite of a mirror), the package's three files by
// sha256, the paths extracted from the orig tarball, and the hash of the
// extracted tree.
type ArchivePin struct {
	// Profile names the cache directory the package is kept in.
	Profile         string   `json:"-"`
	Package         string   `json:"package"`
	Version         string   `json:"version"`
	UpstreamVersion string   `json:"upstream_version"`
	Suite           string   `json:"suite"`
	Mirror          string   `json:"mirror"`
	Keyring         string   `json:"keyring"`
	Orig            string   `json:"orig"`
	OrigSize        int64    `json:"orig_size"`
	OrigSHA256      string   `json:"orig_sha256"`
	Dsc             string   `json:"dsc"`
	DscSHA256       string   `json:"dsc_sha256"`
	DebianTarSHA256 string   `json:"debian_tar_sha256"`
	Top             string   `json:"top"`
	Paths           []string `json:"paths"`
	StripComponents int      `json:"strip_components"`
	TreeFiles       int      `json:"tree_files"`
	TreeBytes       int64    `json:"tree_bytes"`
	TreeSHA256      string   `json:"tree_sha256"`
	// TreeSHA256Method says how TreeSHA256 is computed, for a reader.
	TreeSHA256Method string `json:"tree_sha256_method"`
}

// Check names the first field a usable pin lacks.
func (p ArchivePin) Check() error {
	for _, f := range []struct{ name, v string }{{"package", p.Package}, {"version", p.Version}, {"suite", p.Suite}, {"mirror", p.Mirror}, {"orig", p.Orig}, {"orig_sha256", p.OrigSHA256}, {"top", p.Top}, {"tree_sha256", p.TreeSHA256}} {
		if f.v == "" {
			return fmt.Errorf("source.%s is missing", f.name)
		}
	}
	if len(p.Paths) == 0 {
		return fmt.Errorf("source.paths is missing")
	}
	if p.StripComponents < 1 {
		return fmt.Errorf("source.strip_components must be 1 or more")
	}
	return nil
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

// aptFix is what to do when apt-get source cannot fetch the package.
const aptFix = "check that the machine reaches the pin's mirror and suite (source.mirror, source.suite in the profile's profile.json), or put the orig tarball in the cache by hand"

// CheckArchive checks a file against the pinned sha256.
func (p ArchivePin) CheckArchive(path string) error {
	sum, _, err := dist.FileSHA256(path)
	if err != nil {
		return err
	}
	if sum != p.OrigSHA256 {
		return fmt.Errorf("%s has sha256 %s, the pin (profile %s) says %s: not %s %s's orig tarball; remove it and fetch again", path, sum, p.Profile, p.OrigSHA256, p.Package, p.Version)
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
	got := filepath.Join(tmp, o.Pin.Orig)
	if err := fetch(tmp); err != nil {
		// A pin of the orig tarball alone (no .dsc pinned: the archive
		// lacks it) takes the tarball apt-get fetched before it failed,
		// when its sha256 is the pin's.
		if o.Pin.Dsc != "" || o.Pin.CheckArchive(got) != nil {
			return "", fmt.Errorf("cannot fetch the source package %s=%s: %w; %s", o.Pin.Package, o.Pin.Version, err, aptFix)
		}
		fmt.Fprintf(o.Log, "source: apt-get source failed (%v), but the %s it fetched has the pinned sha256; the pin names no .dsc, so that is all it needs\n", err, o.Pin.Orig)
	}
	if _, err := os.Stat(got); err != nil {
		return "", fmt.Errorf("apt-get source gave no %s: %s", o.Pin.Orig, aptFix)
	}
	if err := o.Pin.CheckArchive(got); err != nil {
		return "", err
	}
	if o.Pin.Dsc != "" {
		if err := checkFile(filepath.Join(tmp, o.Pin.Dsc), o.Pin.DscSHA256, o.Pin.Dsc); err != nil {
			return "", err
		}
		deb := strings.TrimSuffix(o.Pin.Dsc, ".dsc") + ".debian.tar.xz"
		if err := checkFile(filepath.Join(tmp, deb), o.Pin.DebianTarSHA256, deb); err != nil {
			return "", err
		}
	}
	if err := os.Rename(got, path); err != nil {
		return "", err
	}
	return path, nil
}

// AptDir is the private apt configuration the package is fetched with:
// its own sources list (one deb-src line, the pin's mirror and suite),
// lists and caches, inside the cache. Nothing under /etc/apt is read for
// sources or written.
func (o ArchiveOptions) AptDir() string {
	sum := sha256.Sum256([]byte(o.Pin.Mirror + " " + o.Pin.Suite))
	return filepath.Join(o.CacheDir, "apt", o.Pin.Suite+"-"+hex.EncodeToString(sum[:4]))
}

// aptArgs are apt-get's options that make it use AptDir only.
func (o ArchiveOptions) aptArgs() []string {
	d := o.AptDir()
	args := []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(d, "sources.list"),
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(d, "sources.list.d"),
		"-o", "Dir::State::Lists=" + filepath.Join(d, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(d, "cache"),
		"-o", "Dir::Cache::Archives=" + filepath.Join(d, "archives"),
	}
	if os.Geteuid() == 0 {
		// apt's download sandbox user (_apt) cannot write root's directories.
		args = append(args, "-o", "APT::Sandbox::User=root")
	}
	return args
}

// SourcesLine is the one line of the private sources list.
func (p ArchivePin) SourcesLine() string {
	opt := ""
	if p.Keyring != "" {
		opt = "[signed-by=" + p.Keyring + "] "
	}
	return "deb-src " + opt + p.Mirror + " " + p.Suite + " main\n"
}

func (o ArchiveOptions) aptGetSource(dir string) error {
	d := o.AptDir()
	for _, sub := range []string{"sources.list.d", "lists/partial", "cache", "archives/partial"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(d, "sources.list"), []byte(o.Pin.SourcesLine()), 0o644); err != nil {
		return err
	}
	run := func(dir string, args ...string) error {
		args = append(o.aptArgs(), args...)
		cmd := exec.Command("apt-get", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	fmt.Fprintf(o.Log, "source: apt-get update of %s", o.Pin.SourcesLine())
	if err := run(d, "update", "-qq"); err != nil {
		return err
	}
	return run(dir, "source", "--download-only", "-qq", o.Pin.Package+"="+o.Pin.Version)
}

// checkFile checks one of the package's files against its pinned sha256
// (an empty pin checks nothing).
func checkFile(path, want, what string) error {
	if want == "" {
		return nil
	}
	sum, _, err := dist.FileSHA256(path)
	if err != nil {
		return fmt.Errorf("apt-get source gave no %s: %w", what, err)
	}
	if sum != want {
		return fmt.Errorf("%s has sha256 %s, the pin says %s", path, sum, want)
	}
	return nil
}

// stamp names what a work tree made from the archive was made from.
func (p ArchivePin) stamp() string {
	return "debian-source " + p.OrigSHA256 + " " + p.TreeSHA256 + "\n"
}

// TreePaths are the extracted tree's top-level paths (what the patch stage
// resets), relative to the work tree.
func (p ArchivePin) TreePaths() []string {
	var prefix string
	if parts := strings.Split(p.Paths[0], "/"); len(parts) >= p.StripComponents {
		prefix = strings.Join(parts[:p.StripComponents-1], "/") + "/"
	}
	return TreePaths(p.Paths, prefix)
}

// CheckoutArchive makes o.WorkTree a git repository holding the pinned
// paths of the orig tarball, committed, so that the patch stage works on it
// as on a git checkout. A no-op when the tree is there from the same
// archive; any other tree is replaced whole.
func CheckoutArchive(o ArchiveOptions) error {
	wt := o.WorkTree
	if sameTree(wt, o.Pin.stamp()) {
		fmt.Fprintf(o.Log, "source: %s holds %s %s already\n", wt, o.Pin.Package, o.Pin.Version)
		return nil
	}
	orig, err := FetchArchive(o)
	if err != nil {
		return err
	}
	tmp, err := newTreeDir(wt)
	if err != nil {
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
		os.RemoveAll(tmp)
		return err
	}
	if sum != o.Pin.TreeSHA256 {
		os.RemoveAll(tmp)
		return fmt.Errorf("the tree extracted from %s has %d files, sha256 %s; the pin (profile %s) says %d files, %s", orig, n, sum, o.Pin.Profile, o.Pin.TreeFiles, o.Pin.TreeSHA256)
	}
	msg := o.Pin.Package + " " + o.Pin.Version + ": " + strings.Join(o.Pin.Paths, " ") + " from " + o.Pin.Orig + " (sha256 " + o.Pin.OrigSHA256 + ")"
	if err := commitTree(tmp, wt, msg, o.Pin.stamp()); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "source: %s at %s %s (%d files, tree sha256 %.12s)\n", wt, o.Pin.Package, o.Pin.Version, n, sum)
	return nil
}

// ArchiveAvailable reports whether CheckoutArchive can work without the
// network: the work tree or the cached orig tarball is there.
func ArchiveAvailable(o ArchiveOptions) (bool, string) {
	if sameTree(o.WorkTree, o.Pin.stamp()) {
		return true, o.WorkTree
	}
	if _, err := os.Stat(o.OrigPath()); err == nil {
		return true, o.OrigPath()
	}
	return false, fmt.Sprintf("no %s source: %s is not in the cache (%s): %s", o.Pin.Profile, o.Pin.Orig, o.Dir(), aptFix)
}
