package goroot

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/atomicfile"
)

// CopyResult is what copying a GOROOT out of the module cache cost.
type CopyResult struct {
	Bytes   int64   `json:"bytes"`
	Files   int     `json:"files"`
	GoMods  int     `json:"go_mods"` // _go.mod files restored as go.mod
	Seconds float64 `json:"seconds"`
}

// Copy copies the GOROOT src (an installed Go, or a toolchain extracted
// read-only into the module cache) to dst, replacing dst, and makes the copy a working
// GOROOT, as the go command's GOTOOLCHAIN switch makes one on first use
// (`go mod download` does neither): bin/* and pkg/tool/*/* executable
// (module zips keep no mode bits), every _go.mod copied to go.mod (below),
// and, unlike the cache, writable. A release is run from a
// copy, never from the cache: objects are installed into it and old go
// commands write into GOROOT/pkg.
func Copy(src, dst string) (CopyResult, error) {
	t0 := time.Now()
	var r CopyResult
	var goMods []string
	if err := os.RemoveAll(dst); err != nil {
		// a previous copy is writable: a failure here is real
		return r, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return r, err
	}
	if out, err := exec.Command("cp", "-R", "--preserve=timestamps", "--reflink=auto", src, dst).CombinedOutput(); err != nil {
		return r, fmt.Errorf("copying %s: %v: %s", src, err, out)
	}
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() | 0o200
		if d.IsDir() {
			mode |= 0o700
		} else {
			r.Files++
			r.Bytes += info.Size()
			rel, _ := filepath.Rel(dst, p)
			if executable(rel) {
				mode |= 0o111
			}
			if d.Name() == "_go.mod" {
				goMods = append(goMods, p)
			}
		}
		if mode != info.Mode().Perm() {
			return os.Chmod(p, mode)
		}
		return nil
	})
	// A module zip holds no go.mod below its root, so the toolchain module
	// names GOROOT's (src/go.mod: module std, src/cmd/go.mod, ...) _go.mod;
	// the go command's GOTOOLCHAIN switch copies each back to go.mod on
	// first use (cmd/go/internal/toolchain). Without src/go.mod, Go 1.13+
	// builds std in GOPATH mode, with the GODEBUG defaults and language
	// version of Go 1.20 (TestRace of Go 1.26 then crashes part-way).
	for _, p := range goMods {
		if err == nil {
			err = atomicfile.Copy(filepath.Join(filepath.Dir(p), "go.mod"), p)
			r.GoMods++
		}
	}
	r.Seconds = time.Since(t0).Seconds()
	return r, err
}

// executable reports whether a GOROOT file (slash or OS path, relative to
// GOROOT) is a program: bin/<x>, pkg/tool/<os_arch>/<x>.
func executable(rel string) bool {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	return (len(parts) == 2 && parts[0] == "bin") ||
		(len(parts) == 4 && parts[0] == "pkg" && parts[1] == "tool")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
