// Package toolchain finds the compilers that build and smoke-test each
// target's race object, reports their exact versions, and says which package
// installs a missing one.
package toolchain

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/targets"
)

// Toolchain is the compiler for one target.
type Toolchain struct {
	Name string   // what it is, e.g. "clang", "mingw-w64 g++", "zig"
	CXX  []string // argv prefix that compiles C++
	CC   []string // argv prefix that compiles and links C (the smoke test)
	// Install names the package (and its registry) that provides it.
	Install string
	version []string // argv that prints the version
}

// MissingError is a toolchain that is not installed.
type MissingError struct {
	Target, Tool, Install string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s: %s not found: install it with `%s` (or run `go run mage.go tools`)", e.Target, e.Tool, e.Install)
}

// ForSpec returns the toolchain that builds goos's object (its entry in
// the profile's targets table), checking that it is installed. over
// (RACESYSO_CXX_<OS>, RACESYSO_CC_<OS>) replaces the table's compilers.
func ForSpec(spec targets.Spec, goos string, over config.Compiler) (Toolchain, error) {
	var t Toolchain
	tg, err := spec.Get(goos)
	if err != nil {
		return t, fmt.Errorf("target %q is not supported: %w", goos, err)
	}
	c := tg.Compiler
	t = Toolchain{Name: c.Name, CXX: withTriple(c.CXX, c.Triple), CC: withTriple(c.CC, c.Triple), Install: c.Install, version: c.Version}
	if len(over.CXX) > 0 {
		t.CXX, t.Name = over.CXX, over.CXX[0]
		t.version = []string{t.CXX[0], "--version"}
	}
	if len(over.CC) > 0 {
		t.CC = over.CC
	}
	if _, err := t.Version(); err != nil {
		return t, &MissingError{Target: goos, Tool: strings.Join(t.CXX, " "), Install: t.Install}
	}
	return t, nil
}

// withTriple appends -target triple to a cross compiler's argv prefix.
func withTriple(argv []string, triple string) []string {
	if triple == "" {
		return append([]string{}, argv...)
	}
	return join(argv, "-target", triple)
}

func join(prefix []string, rest ...string) []string {
	return append(append([]string{}, prefix...), rest...)
}

// Env is the environment the toolchain needs when it works in dir: zig
// keeps its per-directory cache there instead of the working directory.
func (t Toolchain) Env(dir string) []string {
	if t.Name == "zig" {
		return []string{"ZIG_LOCAL_CACHE_DIR=" + filepath.Join(dir, "zig-cache")}
	}
	return nil
}

// Version is the first line the compiler prints about its version.
func (t Toolchain) Version() (string, error) {
	if _, err := exec.LookPath(t.version[0]); err != nil {
		return "", err
	}
	out, err := exec.Command(t.version[0], t.version[1:]...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %v: %s", strings.Join(t.version, " "), err, bytes.TrimSpace(out))
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line), nil
}

// AllMissing reports whether err consists of missing toolchains only: a
// MissingError (possibly wrapped), or a join of errors (errors.Join, or any
// error with Unwrap() []error) each of which consists of missing toolchains
// only. It returns them. A join with any other error in it is not "missing":
// a real compile failure next to a missing zig must not be mistaken for one.
func AllMissing(err error) ([]*MissingError, bool) {
	if err == nil {
		return nil, false
	}
	if m, ok := err.(*MissingError); ok {
		return []*MissingError{m}, true
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		var all []*MissingError
		for _, e := range u.Unwrap() {
			ms, ok := AllMissing(e)
			if !ok {
				return nil, false
			}
			all = append(all, ms...)
		}
		return all, len(all) > 0
	case interface{ Unwrap() error }:
		return AllMissing(u.Unwrap())
	}
	return nil, false
}

// IsMissing reports whether err (or one it wraps) is a MissingError.
func IsMissing(err error) (*MissingError, bool) {
	var m *MissingError
	ok := errors.As(err, &m)
	return m, ok
}
