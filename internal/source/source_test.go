package source

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/gitrun"
)

// fakeUpstream makes a small repository whose one commit carries a
// git-svn-id line for revision rev, and returns its path and commit hash.
func fakeUpstream(t *testing.T, rev string) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "upstream")
	for _, d := range []string{"lib/tsan/go", "include", "test"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "lib/tsan/go/tsan_go.cc"), []byte("// go\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "include/x.h"), []byte("// h\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "test/big.c"), []byte("// not needed\n"), 0o644)
	git := func(args ...string) string {
		out, err := gitrun.Run(dir, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	git("init", "--quiet")
	git("add", "-A")
	git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m",
		"Some change\n\ngit-svn-id: https://llvm.org/svn/llvm-project/compiler-rt/trunk@"+rev+" 91177308-0d34-0410-b5e6-96231b3b80d8")
	return dir, git("rev-parse", "HEAD")
}

func TestCheckoutVerifiesPin(t *testing.T) {
	up, commit := fakeUpstream(t, "267674")
	cases := []struct {
		name    string
		pin     Pin
		wantErr string
	}{
		{"good", Pin{Commit: commit, SVNRevision: 267674, Paths: []string{"lib/", "include/"}}, ""},
		{"wrong hash", Pin{Commit: strings.Repeat("ab", 20), SVNRevision: 267674, Paths: []string{"lib/"}}, "is not in the mirror"},
		{"wrong svn revision", Pin{Commit: commit, SVNRevision: 267675, Paths: []string{"lib/"}}, "is r267674 by its git-svn-id line, the pin (the profile's profile.json) says r267675"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			o := Options{Pin: c.pin, URL: up, CacheDir: filepath.Join(tmp, "cache"), WorkTree: filepath.Join(tmp, "compiler-rt"), Log: io.Discard}
			err := Checkout(o)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(o.WorkTree, "lib/tsan/go/tsan_go.cc")); err != nil {
					t.Fatalf("lib/ not checked out: %v", err)
				}
				if _, err := os.Stat(filepath.Join(o.WorkTree, "test/big.c")); !os.IsNotExist(err) {
					t.Fatalf("test/ should not be in the sparse work tree (stat: %v)", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
}

func TestSecondCheckoutWorksOffline(t *testing.T) {
	up, commit := fakeUpstream(t, "267674")
	tmp := t.TempDir()
	pin := Pin{Commit: commit, SVNRevision: 267674, Paths: []string{"lib/", "include/"}}
	o := Options{Pin: pin, URL: up, CacheDir: filepath.Join(tmp, "cache"), WorkTree: filepath.Join(tmp, "a", "compiler-rt"), Log: io.Discard}
	os.MkdirAll(filepath.Dir(o.WorkTree), 0o755)
	if err := Checkout(o); err != nil {
		t.Fatal(err)
	}
	// The upstream disappears: a second clone of the project still checks out
	// from the cache mirror.
	if err := os.RemoveAll(up); err != nil {
		t.Fatal(err)
	}
	o.WorkTree = filepath.Join(tmp, "b", "compiler-rt")
	os.MkdirAll(filepath.Dir(o.WorkTree), 0o755)
	if err := Checkout(o); err != nil {
		t.Fatalf("offline checkout from the cache mirror failed: %v", err)
	}
	// And re-running in place is fine.
	if err := Checkout(o); err != nil {
		t.Fatal(err)
	}
}

func TestSVNRevision(t *testing.T) {
	cases := []struct {
		msg  string
		want int
		ok   bool
	}{
		{"x\n\ngit-svn-id: https://llvm.org/svn/llvm-project/compiler-rt/trunk@267674 91177308-0d34", 267674, true},
		{"no id here", 0, false},
		{"git-svn-id: mentioned inline @123 not at line start", 0, false},
	}
	for _, c := range cases {
		got, ok := SVNRevision(c.msg)
		if got != c.want || ok != c.ok {
			t.Errorf("SVNRevision(%q) = %d, %v; want %d, %v", c.msg, got, ok, c.want, c.ok)
		}
	}
}

// TestMirrorFoundWhateverURL: once a cache mirror holds the pinned commit,
// a later run reuses it whatever COMPILER_RT_URL says (unset: the pin's URL,
// unreachable here), instead of going back to the network (issue 12).
func TestMirrorFoundWhateverURL(t *testing.T) {
	up, commit := fakeUpstream(t, "267674")
	tmp := t.TempDir()
	pin := Pin{URL: filepath.Join(tmp, "unreachable", "compiler-rt.git"), Commit: commit, SVNRevision: 267674, Paths: []string{"lib/", "include/"}}
	o := Options{Pin: pin, URL: up, CacheDir: filepath.Join(tmp, "cache"), WorkTree: filepath.Join(tmp, "a", "compiler-rt"), Log: io.Discard}
	if err := Checkout(o); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"", filepath.Join(tmp, "another", "url.git")} {
		o.URL = url
		o.WorkTree = filepath.Join(t.TempDir(), "compiler-rt")
		if err := Checkout(o); err != nil {
			t.Fatalf("COMPILER_RT_URL=%q: the cache mirror holding %s was not reused: %v", url, commit, err)
		}
		if ok, why := Available(o); !ok {
			t.Fatalf("COMPILER_RT_URL=%q: Available = false: %s", url, why)
		}
	}
}

// TestCacheNotWritable names the fix.
func TestCacheNotWritable(t *testing.T) {
	up, commit := fakeUpstream(t, "267674")
	tmp := t.TempDir()
	notDir := filepath.Join(tmp, "a-file")
	os.WriteFile(notDir, nil, 0o644)
	caches := []string{notDir}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(tmp, "read-only")
		os.Mkdir(ro, 0o555)
		caches = append(caches, ro)
	}
	for _, cache := range caches {
		o := Options{Pin: Pin{Commit: commit, SVNRevision: 267674, Paths: []string{"lib/"}}, URL: up, CacheDir: cache, WorkTree: filepath.Join(tmp, "compiler-rt"), Log: io.Discard}
		err := Checkout(o)
		if err == nil || !strings.Contains(err.Error(), "set RACESYSO_CACHE to a writable directory") {
			t.Errorf("RACESYSO_CACHE=%s: err = %v, want the fix named", cache, err)
		}
	}
}

// TestConcurrentCheckouts: runs that share a fresh cache clone it once,
// one after the other, and all succeed.
func TestConcurrentCheckouts(t *testing.T) {
	up, commit := fakeUpstream(t, "267674")
	tmp := t.TempDir()
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			o := Options{Pin: Pin{Commit: commit, SVNRevision: 267674, Paths: []string{"lib/"}}, URL: up, CacheDir: filepath.Join(tmp, "cache"),
				WorkTree: filepath.Join(tmp, fmt.Sprint(i), "compiler-rt"), Log: io.Discard}
			errs <- Checkout(o)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
