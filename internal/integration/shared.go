package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/pipeline"
)

// Shared returns a context whose directories persist across test runs and
// packages (under the cache directory, one per project checkout), so that
// the packages that need built objects build them once: the build is
// content-addressed, and an flock serialises packages running at once. It
// skips, loudly, without a compiler-rt source.
func Shared(t testing.TB, targets ...string) *pipeline.Context {
	t.Helper()
	c := ForTest(t, targets...)
	sum := sha256.Sum256([]byte(c.Root))
	dir := filepath.Join(c.Config.CacheDir, "testbuild", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c.WorkTree = filepath.Join(dir, "compiler-rt")
	c.BuildDir = filepath.Join(dir, "build")
	c.DistDir = filepath.Join(dir, "dist")
	return c
}

// Locked runs f holding an flock on the shared directory, so that test
// packages running at once do not build into it together. Objects are
// written atomically, so readers need no lock.
func Locked(t testing.TB, c *pipeline.Context, f func() error) error {
	t.Helper()
	lock, err := os.OpenFile(filepath.Join(filepath.Dir(c.DistDir), "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return f()
}

// Objects builds (or reuses) the objects of the whole series for targets
// and returns the dist directory. A target whose toolchain is missing
// skips the test, naming the package that installs it.
func Objects(t testing.TB, targets ...string) string {
	t.Helper()
	c := Shared(t, targets...)
	err := Locked(t, c, func() error {
		for _, stage := range []func() error{c.Checkout, c.Patch, c.BuildSyso} {
			if err := stage(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		skipIfMissingToolchain(t, err)
		t.Fatal(err)
	}
	return c.DistDir
}

// BaseObject builds (or reuses) the base (pre-split) object for goos and
// returns its path.
func BaseObject(t testing.TB, goos string) string {
	t.Helper()
	c := Shared(t)
	var p string
	err := Locked(t, c, func() (err error) {
		p, err = c.BuildBaseObject(goos)
		return err
	})
	if err != nil {
		skipIfMissingToolchain(t, err)
		t.Fatal(err)
	}
	return p
}

// Object is Objects for one target, returning the object's path.
func Object(t testing.TB, goos string) string {
	return filepath.Join(Objects(t, goos), dist.ObjectName(goos))
}
