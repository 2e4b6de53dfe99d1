package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/racetest"
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

// Env is how a release's go command is run in its GOROOT copy: the
// engine's Env (internal/racetest) and the release it belongs to.
type Env struct {
	*racetest.Env
	Release Release
}

// NewEnv prepares the scratch directories of a release run under work
// (GOPATH, TMPDIR) and cache (GOCACHE, kept between runs) for the GOROOT copy.
func NewEnv(r Release, goroot, work, cache string) (*Env, error) {
	e, err := racetest.NewEnv(r.Version, goroot, work, filepath.Join(cache, "gocache-go"+r.Version))
	if err != nil {
		return nil, err
	}
	return &Env{Env: e, Release: r}, nil
}
