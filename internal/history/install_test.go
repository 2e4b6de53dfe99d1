package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func TestClassifyBinary(t *testing.T) {
	ours := set("__tsan_init", "_ZN6__tsan10ProcCreateEv", "_ZN11__sanitizer17GetPageSizeCachedEv")
	shipped := set("__tsan_init", "_ZN6__tsan10ProcCreateEv", "_ZN11__sanitizer10DDCallback6UnwindEv")
	for _, tt := range []struct {
		bin  map[string]bool
		want string
	}{
		{set("main.main", "__tsan_init", "_ZN6__tsan10ProcCreateEv", "_ZN11__sanitizer17GetPageSizeCachedEv"), "ours"},
		{set("main.main", "__tsan_init", "_ZN11__sanitizer10DDCallback6UnwindEv"), "shipped"},
		{set("main.main", "__tsan_init"), "unknown"}, // only common symbols: cannot tell
		{set("_ZN11__sanitizer17GetPageSizeCachedEv", "_ZN11__sanitizer10DDCallback6UnwindEv"), "unknown"},
	} {
		p := ClassifyBinary(tt.bin, ours, shipped)
		if p.Got != tt.want {
			t.Errorf("%v: %s, want %s", sortedKeys(tt.bin), p, tt.want)
		}
	}
	p := ClassifyBinary(set("_ZN11__sanitizer17GetPageSizeCachedEv"), ours, shipped)
	p.Want = "shipped"
	if p.OK() || !strings.Contains(p.String(), "links ours (want shipped") {
		t.Errorf("%s", p)
	}
}

func TestExecutable(t *testing.T) {
	for rel, want := range map[string]bool{
		"bin/go": true, "bin/gofmt": true, "pkg/tool/linux_amd64/compile": true,
		"src/cmd/go/main.go": false, "pkg/linux_amd64/runtime.a": false, "bin": false, "pkg/tool/linux_amd64": false,
	} {
		if executable(rel) != want {
			t.Errorf("executable(%s) = %v", rel, !want)
		}
	}
}

func TestCopyGOROOTMakesAWorkingCopy(t *testing.T) {
	src := t.TempDir()
	for _, rel := range []string{"bin/go", "pkg/tool/linux_amd64/compile", "src/runtime/race/race.go", "src/_go.mod"} {
		p := filepath.Join(src, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("0123456789"), 0o444) // as the module cache keeps them
	}
	for _, d := range []string{"bin", "pkg/tool/linux_amd64", "pkg/tool", "pkg", "src/runtime/race", "src/runtime", "src"} {
		os.Chmod(filepath.Join(src, d), 0o555)
	}
	defer filepath.Walk(src, func(p string, _ os.FileInfo, _ error) error { return os.Chmod(p, 0o755) })
	dst := filepath.Join(t.TempDir(), "goroot")
	r, err := CopyGOROOT(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files != 4 || r.Bytes != 40 || r.GoMods != 1 {
		t.Errorf("%+v", r)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "src/go.mod")); err != nil || string(b) != "0123456789" {
		t.Errorf("src/go.mod not restored from src/_go.mod: %q %v", b, err)
	}
	for rel, mode := range map[string]os.FileMode{"bin/go": 0o755, "pkg/tool/linux_amd64/compile": 0o755, "src/runtime/race/race.go": 0o644} {
		st, err := os.Stat(filepath.Join(dst, rel))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, want %v", rel, st.Mode().Perm(), err, mode)
		}
	}
	if err := os.WriteFile(filepath.Join(dst, "src/runtime/race/new.syso"), nil, 0o644); err != nil {
		t.Errorf("the copy is not writable: %v", err)
	}
}

func TestEnviron(t *testing.T) {
	t.Setenv("GORACE", "halt_on_error=1")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOAMD64", "v3")
	t.Setenv("GO111MODULE", "off")
	e := &Env{GOROOT: "/w/goroot", GOPATH: "/w/gopath", GOCACHE: "/c/gocache", TmpDir: "/w/tmp"}
	env := strings.Join(e.Environ(), "\n") + "\n"
	for _, want := range []string{"GOROOT=/w/goroot\n", "GOPROXY=off\n", "GOTOOLCHAIN=local\n", "GOFLAGS=\n", "GOCACHE=/c/gocache\n", "PATH=/w/goroot/bin:"} {
		if !strings.Contains(env, want) {
			t.Errorf("environment lacks %q", want)
		}
	}
	for _, bad := range []string{"GORACE=", "GOFLAGS=-mod", "GOAMD64=", "GO111MODULE="} {
		if strings.Contains(env, bad) {
			t.Errorf("environment keeps %q", bad)
		}
	}
}
