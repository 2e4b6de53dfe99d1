package source

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/gitrun"
)

// fakeLLVMProject makes an llvm-project-shaped repository: a compiler-rt/
// tree in a few commits, the last without lib/tsan/go, served with
// uploadpack.allowFilter. It returns its file:// URL and the commits.
func fakeLLVMProject(t *testing.T) (url string, good, noGo string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "llvm-project")
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		out, err := gitrun.Run(dir, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	commit := func(msg string) string {
		git("add", "-A")
		git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", msg)
		return git("rev-parse", "HEAD")
	}
	os.MkdirAll(dir, 0o755)
	git("init", "--quiet")
	git("config", "uploadpack.allowFilter", "true")
	write("cmake/Modules/LLVMVersion.cmake", "if(NOT DEFINED LLVM_VERSION_MAJOR)\n  set(LLVM_VERSION_MAJOR 19)\nendif()\n")
	write("compiler-rt/lib/tsan/go/tsan_go.cpp", "// go 1\n")
	write("compiler-rt/include/sanitizer/tsan_interface.h", "// h\n")
	write("llvm/big.cpp", strings.Repeat("// not needed\n", 1000))
	commit("one")
	write("compiler-rt/lib/tsan/go/tsan_go.cpp", "// go 2\n")
	write("compiler-rt/lib/tsan/go/buildgo.sh", "#!/bin/sh\n")
	os.Chmod(filepath.Join(dir, "compiler-rt/lib/tsan/go/buildgo.sh"), 0o755)
	write("compiler-rt/test/big.c", "// not needed\n")
	good = commit("two")
	os.RemoveAll(filepath.Join(dir, "compiler-rt/lib/tsan/go"))
	write("compiler-rt/lib/tsan/rtl/tsan_rtl.cpp", "// rtl\n")
	noGo = commit("three: no Go runtime")
	return "file://" + dir, good, noGo
}

// TestLLVMProjectCheckout: llvm-project at a commit comes through a
// blobless, sparse clone in the cache (only the pinned paths' files are
// fetched), its compiler-rt/ tree rooted at the work tree, committed; a
// second checkout is a no-op and works with the URL gone.
func TestLLVMProjectCheckout(t *testing.T) {
	url, good, _ := fakeLLVMProject(t)
	tmp := t.TempDir()
	o := Options{Pin: Pin{Kind: KindLLVMProject, URL: url, Commit: good, Paths: LLVMPaths}, CacheDir: filepath.Join(tmp, "cache"), WorkTree: filepath.Join(tmp, "compiler-rt"), Log: io.Discard}
	if err := Checkout(o); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(o.WorkTree, "lib/tsan/go/tsan_go.cpp"))
	if err != nil || string(b) != "// go 2\n" {
		t.Fatalf("lib/tsan/go/tsan_go.cpp = %q, %v", b, err)
	}
	if st, err := os.Stat(filepath.Join(o.WorkTree, "lib/tsan/go/buildgo.sh")); err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("buildgo.sh not executable: %v %v", st, err)
	}
	for _, absent := range []string{"test/big.c", "compiler-rt", "llvm"} {
		if _, err := os.Stat(filepath.Join(o.WorkTree, absent)); !os.IsNotExist(err) {
			t.Errorf("%s is in the work tree (stat: %v)", absent, err)
		}
	}
	// Blobless: the clone lacks the blobs outside the pinned paths.
	missing, err := gitrun.Run(o.MirrorDir(), "rev-list", "--objects", "--missing=print", good)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(missing, "?") {
		t.Errorf("the cache clone holds every blob: not a blobless clone:\n%s", missing)
	}
	big, err := gitrun.Run(o.MirrorDir(), "rev-parse", good+":llvm/big.cpp")
	if err != nil || !strings.Contains(missing, "?"+big) {
		t.Errorf("llvm/big.cpp (%s, %v) was fetched", big, err)
	}
	if m, err := LLVMMajor(o); err != nil || m != 19 {
		t.Errorf("LLVMMajor = %d, %v; want 19", m, err)
	}
	// Offline: the URL is gone; the cache clone serves a second work tree.
	os.RemoveAll(strings.TrimPrefix(url, "file://"))
	o2 := o
	o2.WorkTree = filepath.Join(tmp, "b", "compiler-rt")
	if err := Checkout(o2); err != nil {
		t.Fatalf("offline checkout: %v", err)
	}
	n1, s1, _ := TreeSHA256(o.WorkTree)
	n2, s2, _ := TreeSHA256(o2.WorkTree)
	if n1 != n2 || s1 != s2 {
		t.Errorf("two checkouts of one commit differ: %d %s, %d %s", n1, s1, n2, s2)
	}
}

// TestLLVMProjectBadInputs: a URL that lacks the commit names URL and
// commit; a commit with no compiler-rt/lib/tsan/go names the path; a tree
// hash that is not the pin's is refused; nothing is left in the work tree.
func TestLLVMProjectBadInputs(t *testing.T) {
	url, good, noGo := fakeLLVMProject(t)
	absent := strings.Repeat("cd", 20)
	for _, tt := range []struct {
		name   string
		pin    Pin
		url    string
		wanted []string
	}{
		{"commit absent", Pin{Commit: absent}, url, []string{url, absent, "RACESYSO_LLVM_URL"}},
		{"no Go runtime", Pin{Commit: noGo}, url, []string{"compiler-rt/lib/tsan/go", noGo}},
		{"unreachable URL", Pin{Commit: good}, "file:///nonexistent/llvm-project", []string{"file:///nonexistent/llvm-project", "RACESYSO_LLVM_URL"}},
		{"tree hash", Pin{Commit: good, TreeSHA256: strings.Repeat("0", 64)}, url, []string{"the pin says " + strings.Repeat("0", 64)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			pin := tt.pin
			pin.Kind, pin.URL, pin.Paths = KindLLVMProject, tt.url, LLVMPaths
			o := Options{Pin: pin, CacheDir: filepath.Join(tmp, "cache"), WorkTree: filepath.Join(tmp, "compiler-rt"), Log: io.Discard}
			err := Checkout(o)
			for _, w := range tt.wanted {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
			if _, err := os.Stat(o.WorkTree); !os.IsNotExist(err) {
				t.Errorf("a work tree was left: %v", err)
			}
		})
	}
}
