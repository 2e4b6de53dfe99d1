package pipeline

import (
	"path/filepath"

	"github.com/racesyso/racesyso/internal/lockfile"
)

// LockName is the project's lock file, next to compiler-rt/, .build/ and
// dist/ (clean leaves it).
const LockName = ".racesyso.lock"

// lockFile is where the context's lock lives: LockFile, or next to dist/.
func (c *Context) lockFile() string {
	if c.LockFile != "" {
		return c.LockFile
	}
	return filepath.Join(filepath.Dir(c.DistDir), LockName)
}

// Locked runs f holding the project's lock, so that runs sharing
// compiler-rt/, .build/ and dist/ go one after the other: a second run says
// which one it waits for, then waits. Stages call it themselves; a stage
// called while the context holds the lock (verify's installs, the base
// build) runs under the lock already held.
func (c *Context) Locked(what string, f func() error) error {
	if c.locked > 0 {
		return f()
	}
	l, err := lockfile.Acquire(c.lockFile(), what, c.Log, "run racesyso from a checkout you can write to")
	if err != nil {
		return err
	}
	defer l.Unlock()
	c.locked++
	defer func() { c.locked-- }()
	return f()
}

// Run makes the context for the project in the current directory and runs
// the mage target f holding the project's lock.
func Run(what string, f func(*Context) error) error {
	c, err := New()
	if err != nil {
		return err
	}
	return c.Locked(what, func() error { return f(c) })
}
