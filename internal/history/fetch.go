package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/atomicfile"
)

// Toolchain is a release's toolchain in the module cache.
type Toolchain struct {
	Version string  `json:"version"`
	Module  string  `json:"module"`
	Dir     string  `json:"dir"` // the extracted module: a read-only GOROOT
	Zip     string  `json:"zip"`
	Seconds float64 `json:"seconds"`
	// Downloaded: the module was not in the cache before (false on a
	// second run with the same module cache).
	Downloaded bool `json:"downloaded"`
}

// Fetch makes sure the release's toolchain module is in the module cache
// (modCache, or the go command's GOMODCACHE when empty) and returns where.
// It runs `go mod download -json golang.org/toolchain@v0.0.1-go<ver>.linux-amd64`
// with the go command on PATH: the module GOTOOLCHAIN=go<ver> downloads, from
// the same proxy into the same cache, without running the old go command. A
// second fetch finds it in the cache and downloads nothing.
func Fetch(ctx context.Context, version, modCache string) (Toolchain, error) {
	t0 := time.Now()
	mod := ToolchainModule(version)
	tc := Toolchain{Version: version, Module: mod}
	scratch, err := os.MkdirTemp("", "history-fetch-")
	if err != nil {
		return tc, err
	}
	defer os.RemoveAll(scratch)
	env := append(os.Environ(), "GO111MODULE=on", "GOFLAGS=", "GOTOOLCHAIN=local")
	if modCache != "" {
		env = append(env, "GOMODCACHE="+modCache)
	}
	if dir, ok := cachedDir(ctx, env, scratch, mod); ok {
		tc.Dir = dir
	} else {
		tc.Downloaded = true
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Dir, cmd.Env = scratch, env // outside any module
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Zip, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil && err == nil {
		err = jerr
	}
	if err != nil || info.Error != "" {
		return tc, fmt.Errorf("go mod download %s: %v %s %s", mod, err, info.Error, strings.TrimSpace(stderr.String()))
	}
	tc.Dir, tc.Zip = info.Dir, info.Zip
	tc.Seconds = time.Since(t0).Seconds()
	return tc, nil
}

// cachedDir reports whether the module is extracted in the cache already
// (`go env GOMODCACHE`/<module>/VERSION exists).
func cachedDir(ctx context.Context, env []string, dir, mod string) (string, bool) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOMODCACHE")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.Output()
	if err != nil {
		return "", false
	}
	p := filepath.Join(strings.TrimSpace(string(out)), mod)
	if _, err := os.Stat(filepath.Join(p, "VERSION")); err != nil {
		return "", false
	}
	return p, true
}

// CopyResult is what copying a GOROOT out of the module cache cost.
type CopyResult struct {
	Bytes   int64   `json:"bytes"`
	Files   int     `json:"files"`
	GoMods  int     `json:"go_mods"` // _go.mod files restored as go.mod
	Seconds float64 `json:"seconds"`
}

// CopyGOROOT copies the extracted toolchain src (read-only, as the module
// cache keeps it) to dst, replacing dst, and makes the copy a working
// GOROOT, as the go command's GOTOOLCHAIN switch makes one on first use
// (`go mod download` does neither): bin/* and pkg/tool/*/* executable
// (module zips keep no mode bits), every _go.mod copied to go.mod (below),
// and, unlike the cache, writable. A release is run from a
// copy, never from the cache: objects are installed into it and old go
// commands write into GOROOT/pkg.
func CopyGOROOT(src, dst string) (CopyResult, error) {
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

// Env is how a release's go command is run in its GOROOT copy.
type Env struct {
	Release Release
	GOROOT  string // the copy
	GOPATH  string // scratch GOPATH (old go commands want one)
	GOCACHE string // per release, kept between runs (Go 1.10+)
	TmpDir  string
}

// Environ is the process environment for the release's go command:
// GO111MODULE unset (each release's default, as its builders ran its tests:
// GOPATH mode before Go 1.13's std module; forcing it off in Go 1.21+ gives
// std the GODEBUG defaults and language version of Go 1.20), GOPROXY=off
// (nothing is downloaded), GOTOOLCHAIN=local, GOFLAGS empty, GOROOT the
// copy, its bin first on PATH (runtime/race's TestOutput runs `go` from PATH
// before Go 1.8), a per-release GOCACHE, and nothing that changes how tests
// run (GORACE, GODEBUG, GOMAXPROCS, GOOS, GOARCH, GOAMD64, CGO_ENABLED...).
func (e *Env) Environ() []string {
	drop := map[string]bool{}
	for _, k := range []string{"GOROOT", "GOPATH", "GOCACHE", "GOFLAGS", "GO111MODULE", "GOTOOLCHAIN", "GORACE", "GODEBUG",
		"GOMAXPROCS", "GOOS", "GOARCH", "GOAMD64", "GOEXPERIMENT", "CGO_ENABLED", "CC", "CXX", "CGO_CFLAGS", "CGO_LDFLAGS",
		"GOBIN", "GOENV", "GOWORK", "GOPROXY", "GOTMPDIR", "TMPDIR", "PATH", "GOTRACEBACK", "GOGC"} {
		drop[k] = true
	}
	var env []string
	path := ""
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" {
			path = v
		}
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env,
		"GOROOT="+e.GOROOT,
		"GOPATH="+e.GOPATH,
		"GOCACHE="+e.GOCACHE,
		"GOPROXY=off",
		"GOTOOLCHAIN=local",
		"GOFLAGS=",
		"GOENV=off",
		"TMPDIR="+e.TmpDir,
		"PATH="+filepath.Join(e.GOROOT, "bin")+string(os.PathListSeparator)+path,
	)
	return env
}

// Command is the release's go command with args, run in dir (GOROOT/src
// when empty).
func (e *Env) Command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(e.GOROOT, "bin", "go"), args...)
	if dir == "" {
		dir = filepath.Join(e.GOROOT, "src")
	}
	cmd.Dir, cmd.Env = dir, e.Environ()
	return cmd
}

// Go runs the release's go command and returns its combined output.
func (e *Env) Go(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := e.Command(ctx, dir, args...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// NewEnv prepares the scratch directories of a release run under work
// (GOPATH, TMPDIR) and cache (GOCACHE, kept between runs) for the GOROOT copy.
func NewEnv(r Release, goroot, work, cache string) (*Env, error) {
	e := &Env{Release: r, GOROOT: goroot, GOPATH: filepath.Join(work, "gopath"), TmpDir: filepath.Join(work, "tmp"),
		GOCACHE: filepath.Join(cache, "gocache-go"+r.Version)}
	for _, d := range []string{e.GOPATH, e.TmpDir, e.GOCACHE} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// CheckGoVersion runs `go version` in the copy and requires it to be the
// release's go command (a GOROOT whose go is not executable would silently
// fall back to the go on PATH).
func (e *Env) CheckGoVersion(ctx context.Context) error {
	out, err := e.Go(ctx, "", "version")
	if err != nil {
		return fmt.Errorf("go version in %s: %v: %s", e.GOROOT, err, out)
	}
	want := "go version go" + e.Release.Version + " linux/amd64"
	if strings.TrimSpace(out) != want {
		return fmt.Errorf("go version in %s says %q, want %q", e.GOROOT, strings.TrimSpace(out), want)
	}
	return nil
}
