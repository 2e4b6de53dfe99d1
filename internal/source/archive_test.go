package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/testenv"
)

// fakeArchive writes a tar.xz laid out as a Debian orig tarball (top/compiler-rt/lib/..., include/...)
// and returns a pin for it.
func fakeArchive(t *testing.T) (string, ArchivePin) {
	t.Helper()
	if _, err := exec.LookPath("xz"); err != nil {
		testenv.Skip(t, "xz not installed: apt-get install xz-utils")
	}
	dir := t.TempDir()
	for f, body := range map[string]string{
		"top/compiler-rt/lib/tsan/go/test.c":      "int main() { return 0; }\n",
		"top/compiler-rt/include/x.h":             "#define X 1\n",
		"top/compiler-rt/lib/other/not-taken.cpp": "// not in the pin's paths\n",
	} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	orig := filepath.Join(dir, "pkg_1.0.orig.tar.xz")
	if out, err := exec.Command("tar", "-C", dir, "-cJf", orig, "top").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	b, _ := os.ReadFile(orig)
	sum := sha256.Sum256(b)
	pin := ArchivePin{Profile: "test", Package: "pkg", Version: "1.0-1", Orig: "pkg_1.0.orig.tar.xz", OrigSHA256: hex.EncodeToString(sum[:]),
		Top: "top", Paths: []string{"compiler-rt/lib/tsan", "compiler-rt/include"}, StripComponents: 2, TreeFiles: 2}
	// The tree hash as the pin's method computes it.
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(tree, "lib/tsan/go"), 0o755)
	os.MkdirAll(filepath.Join(tree, "include"), 0o755)
	os.WriteFile(filepath.Join(tree, "lib/tsan/go/test.c"), []byte("int main() { return 0; }\n"), 0o644)
	os.WriteFile(filepath.Join(tree, "include/x.h"), []byte("#define X 1\n"), 0o644)
	_, pin.TreeSHA256, _ = TreeSHA256(tree)
	return orig, pin
}

func copyFetch(orig string) func(string) error {
	return func(dir string) error {
		b, err := os.ReadFile(orig)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(orig)), b, 0o644)
	}
}

// TestArchiveCheckout: the archive is fetched once into the cache, checked,
// extracted (only the pinned paths) into a committed git tree; a second run
// is a no-op.
func TestArchiveCheckout(t *testing.T) {
	orig, pin := fakeArchive(t)
	var log bytes.Buffer
	fetches := 0
	o := ArchiveOptions{Pin: pin, CacheDir: t.TempDir(), WorkTree: filepath.Join(t.TempDir(), "wt"), Log: &log,
		Fetch: func(dir string) error { fetches++; return copyFetch(orig)(dir) }}
	for i := 0; i < 2; i++ {
		if err := CheckoutArchive(o); err != nil {
			t.Fatal(err)
		}
	}
	if fetches != 1 {
		t.Errorf("fetched %d times, want 1", fetches)
	}
	if _, err := os.Stat(filepath.Join(o.WorkTree, "lib/tsan/go/test.c")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(o.WorkTree, "lib/other")); err == nil {
		t.Error("a path outside the pin was extracted")
	}
	if out, err := exec.Command("git", "-C", o.WorkTree, "status", "--porcelain").Output(); err != nil || len(out) != 0 {
		t.Errorf("work tree not committed clean: %q %v", out, err)
	}
	if !strings.Contains(log.String(), "holds pkg 1.0-1 already") {
		t.Errorf("second checkout not a no-op:\n%s", log.String())
	}
}

// TestArchiveSHA256Mismatch: an archive whose sha256 is not the pin's is
// refused, named with both sums, and not kept in the cache.
func TestArchiveSHA256Mismatch(t *testing.T) {
	orig, pin := fakeArchive(t)
	pin.OrigSHA256 = strings.Repeat("0", 64)
	o := ArchiveOptions{Pin: pin, CacheDir: t.TempDir(), WorkTree: filepath.Join(t.TempDir(), "wt"), Log: &bytes.Buffer{}, Fetch: copyFetch(orig)}
	err := CheckoutArchive(o)
	if err == nil || !strings.Contains(err.Error(), "the pin (profile test) says "+pin.OrigSHA256) {
		t.Fatalf("CheckoutArchive = %v, want a sha256 refusal", err)
	}
	if _, err := os.Stat(o.OrigPath()); err == nil {
		t.Error("the mismatching archive was kept in the cache")
	}
	if _, err := os.Stat(o.WorkTree); err == nil {
		t.Error("a work tree was made from the mismatching archive")
	}
	// A bad file already in the cache is refused too.
	os.MkdirAll(o.Dir(), 0o755)
	copyFetch(orig)(o.Dir())
	if _, err := FetchArchive(o); err == nil || !strings.Contains(err.Error(), "remove it and fetch again") {
		t.Errorf("cached mismatching archive: %v", err)
	}
}

// TestArchiveFetchFailsNamesTheFix: when apt-get source cannot fetch, the
// error names what to check (the pin's mirror and suite).
func TestArchiveFetchFailsNamesTheFix(t *testing.T) {
	_, pin := fakeArchive(t)
	o := ArchiveOptions{Pin: pin, CacheDir: t.TempDir(), WorkTree: filepath.Join(t.TempDir(), "wt"), Log: &bytes.Buffer{},
		Fetch: func(string) error { return os.ErrNotExist }}
	err := CheckoutArchive(o)
	if err == nil || !strings.Contains(err.Error(), "source.mirror, source.suite in the profile's profile.json") {
		t.Errorf("CheckoutArchive = %v, want the fix named", err)
	}
}

// TestArchiveTreeMismatch: a tree that does not hash to the pin is refused.
func TestArchiveTreeMismatch(t *testing.T) {
	orig, pin := fakeArchive(t)
	pin.TreeSHA256 = strings.Repeat("1", 64)
	o := ArchiveOptions{Pin: pin, CacheDir: t.TempDir(), WorkTree: filepath.Join(t.TempDir(), "wt"), Log: &bytes.Buffer{}, Fetch: copyFetch(orig)}
	if err := CheckoutArchive(o); err == nil || !strings.Contains(err.Error(), "the pin (profile test) says 2 files") {
		t.Errorf("CheckoutArchive = %v, want a tree hash refusal", err)
	}
}

// TestPrivateAptConfiguration: apt-get is pointed at a configuration of
// its own inside the cache (sources list, parts, lists, caches), so that
// nothing under /etc/apt is read for sources or written.
func TestPrivateAptConfiguration(t *testing.T) {
	cache := t.TempDir()
	o := ArchiveOptions{Pin: ArchivePin{Suite: "trixie", Mirror: "http://deb.debian.org/debian", Keyring: "/usr/share/keyrings/debian-archive-keyring.gpg"}, CacheDir: cache}
	args := strings.Join(o.aptArgs(), " ")
	for _, opt := range []string{"Dir::Etc::SourceList=", "Dir::Etc::SourceParts=", "Dir::State::Lists=", "Dir::Cache=", "Dir::Cache::Archives="} {
		if !strings.Contains(args, opt+o.AptDir()+"/") {
			t.Errorf("apt-get args %q: %s does not point inside %s", args, opt, o.AptDir())
		}
	}
	if !strings.HasPrefix(o.AptDir(), cache) || strings.Contains(args, "/etc/apt") {
		t.Errorf("apt dir %s, args %s", o.AptDir(), args)
	}
	if got, want := o.Pin.SourcesLine(), "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n"; got != want {
		t.Errorf("sources line %q, want %q", got, want)
	}
	other := o
	other.Pin.Suite = "sid"
	if other.AptDir() == o.AptDir() {
		t.Error("two suites share one apt directory")
	}
}

// TestArchiveOrigOnlyPin: a pin that names no .dsc (the archive lacks it)
// takes the orig tarball apt-get fetched before failing on the .dsc, when
// its sha256 is the pin's; with a .dsc pinned, the same failure fails.
func TestArchiveOrigOnlyPin(t *testing.T) {
	orig, pin := fakeArchive(t)
	failing := func(dir string) error {
		if err := copyFetch(orig)(dir); err != nil {
			return err
		}
		return errors.New("404  Not Found [IP: 127.0.0.1 80] (the .dsc)")
	}
	for _, tt := range []struct {
		dsc string
		ok  bool
	}{{"", true}, {"pkg_1.0-1.dsc", false}} {
		p := pin
		p.Dsc = tt.dsc
		var log bytes.Buffer
		o := ArchiveOptions{Pin: p, CacheDir: t.TempDir(), WorkTree: filepath.Join(t.TempDir(), "wt"), Log: &log, Fetch: failing}
		err := CheckoutArchive(o)
		if (err == nil) != tt.ok {
			t.Errorf("dsc %q: err = %v, want ok %v", tt.dsc, err, tt.ok)
		}
		if tt.ok && !strings.Contains(log.String(), "has the pinned sha256") {
			t.Errorf("the fallback was not said: %s", log.String())
		}
	}
}
