package racetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Env is how a Go release's go command is run in a GOROOT (a copy that
// objects are installed into, or the installed Go itself).
type Env struct {
	Version string // "1.26.8": what `go version` must say
	GOROOT  string // the copy
	GOPATH  string // scratch GOPATH (old go commands want one)
	GOCACHE string // per release, kept between runs (Go 1.10+)
	TmpDir  string
	// Extra are added to the environment last (GOAMD64=v3: the go
	// command links the v3 object).
	Extra []string
	// Log hears a line per suite run (nil: nothing).
	Log io.Writer
}

// logf writes a progress line to e.Log.
func (e *Env) logf(f string, a ...any) {
	if e.Log != nil {
		fmt.Fprintf(e.Log, "racetest: go%s: "+f+"\n", append([]any{e.Version}, a...)...)
	}
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
	return append(env, e.Extra...)
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

// NewEnv makes the scratch directories of a run of release version's go
// command in goroot: work holds GOPATH and TMPDIR, gocache is the build
// cache (kept between runs).
func NewEnv(version, goroot, work, gocache string) (*Env, error) {
	e := &Env{Version: version, GOROOT: goroot, GOPATH: filepath.Join(work, "gopath"), TmpDir: filepath.Join(work, "tmp"), GOCACHE: gocache}
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
	want := "go version go" + e.Version + " linux/amd64"
	if strings.TrimSpace(out) != want {
		return fmt.Errorf("go version in %s says %q, want %q", e.GOROOT, strings.TrimSpace(out), want)
	}
	return nil
}
