package integration

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/source"
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
	c.PatchesDir = pipeline.ProfileDirs(c.Root, profile).Patches
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
	if errors.As(err, &se) && c.Archive != nil {
		if ok, _ := source.ArchiveAvailable(*c.Archive); !ok && strings.Contains(err.Error(), "cannot fetch") {
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
