package integration

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/testenv"
)

// SharedProfile is Shared for another source profile (llvm-19): its work
// tree, build and dist directories under the shared directory's <profile>/.
// The source is fetched (apt-get source) when not in the cache; a fetch that
// fails skips the test, naming the fix (strict mode: fails).
func SharedProfile(t testing.TB, profile string, targets ...string) *pipeline.Context {
	t.Helper()
	c := Shared(t, targets...)
	dir := filepath.Join(filepath.Dir(c.DistDir), profile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c.WorkTree = filepath.Join(dir, "compiler-rt")
	c.BuildDir = filepath.Join(dir, "build", profile)
	c.DistDir = filepath.Join(dir, "dist")
	if err := c.UseProfile(profile); err != nil {
		t.Fatal(err)
	}
	return c
}

// ProfileObjects builds (or reuses) a profile's objects for targets and
// returns its context (DistDir holds them).
func ProfileObjects(t testing.TB, profile string, targets ...string) *pipeline.Context {
	t.Helper()
	c := SharedProfile(t, profile, targets...)
	err := Locked(t, c, func() error {
		if err := c.Checkout(); err != nil {
			return &sourceError{err}
		}
		for _, stage := range []func() error{c.Patch, c.BuildSyso} {
			if err := stage(); err != nil {
				return err
			}
		}
		return nil
	})
	var se *sourceError
	if errors.As(err, &se) && c.ArchiveSource() != nil {
		if ok, _ := c.SourceAvailable(); !ok && strings.Contains(err.Error(), "cannot fetch") {
			testenv.Skip(t, "%v", err)
		}
	}
	if err != nil {
		skipIfMissingToolchain(t, err)
		t.Fatal(err)
	}
	return c
}

type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// ProfileContext is a context for the profile arg names (as
// RACESYSO_PROFILE takes it), with the configuration changed by edit, its
// work tree, build and dist directories (and its cache) fresh ones in a
// temporary directory.
func ProfileContext(t testing.TB, arg string, edit func(*config.Config), targets ...string) *pipeline.Context {
	t.Helper()
	root, err := pipeline.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	c := &pipeline.Context{Root: root, WorkTree: filepath.Join(tmp, "compiler-rt"), BuildDir: filepath.Join(tmp, "build"), DistDir: filepath.Join(tmp, "dist"), Targets: targets, Log: io.Discard}
	if testing.Verbose() {
		c.Log = os.Stderr
	}
	if c.Config, err = config.FromEnv(); err != nil {
		t.Fatal(err)
	}
	c.Config.CacheDir = filepath.Join(tmp, "cache")
	if edit != nil {
		edit(&c.Config)
	}
	if err := c.UseProfile(arg); err != nil {
		t.Fatal(err)
	}
	return c
}

// Build runs checkout, patch and buildSyso on c.
func Build(c *pipeline.Context) error {
	for _, stage := range []func() error{c.Checkout, c.Patch, c.BuildSyso} {
		if err := stage(); err != nil {
			return err
		}
	}
	return nil
}
