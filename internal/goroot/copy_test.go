package goroot

import (
	"os"
	"path/filepath"
	"testing"
)

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
	r, err := Copy(src, dst)
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
