package verify

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/racesyso/racesyso/internal/testenv"
)

// The four targets racesyso ships, checked against GOROOT's own objects.
var shippedGOOS = []string{"linux", "darwin", "freebsd", "windows"}

// shipped returns GOROOT's race object for goos, skipping if absent.
func shipped(t *testing.T, goos string) Object {
	t.Helper()
	p := filepath.Join(runtime.GOROOT(), "src", "runtime", "race", "internal", "amd64v1", "race_"+goos+".syso")
	if _, err := os.Stat(p); err != nil {
		testenv.Skip(t, "no shipped race object for %s: %v", goos, err)
	}
	return Object{Path: p, GOOS: goos}
}

// doctored copies obj into a temp dir after applying edit to its bytes.
func doctored(t *testing.T, obj Object, edit func(t *testing.T, b []byte)) Object {
	t.Helper()
	b, err := os.ReadFile(obj.Path)
	if err != nil {
		t.Fatal(err)
	}
	edit(t, b)
	p := filepath.Join(t.TempDir(), filepath.Base(obj.Path))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return Object{Path: p, GOOS: obj.GOOS}
}

// replaceAll overwrites every occurrence of old in b with repl (same
// length), failing the test if there is none.
func replaceAll(t *testing.T, b []byte, old, repl string) {
	t.Helper()
	if len(old) != len(repl) {
		t.Fatalf("replacement %q is not the length of %q", repl, old)
	}
	n := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(old))
		if j < 0 {
			break
		}
		copy(b[i+j:], repl)
		i += j + len(old)
		n++
	}
	if n == 0 {
		t.Fatalf("%q not found", old)
	}
}

// symbolFileOffset returns where the named text symbol starts in the file.
func symbolFileOffset(t *testing.T, obj Object, name string) int64 {
	t.Helper()
	o, err := openObject(obj.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	secs, err := o.textSections()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if off, ok := s.symbol(name); ok {
			return s.FileOffset + int64(off)
		}
	}
	t.Fatalf("%s: no text symbol %s", obj.Path, name)
	return 0
}
