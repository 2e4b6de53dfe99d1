package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

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

// Hold takes the project's lock for the rest of c's life (the process's:
// the kernel lets go of it when the process ends), so that the stages of
// one run follow each other with no other run in between. A second Hold
// is a no-op.
func (c *Context) Hold(what string) error {
	if c.held != nil {
		return nil
	}
	if c.locked > 0 {
		return fmt.Errorf("Hold(%s) inside Locked: take the lock for the run before its stages", what)
	}
	l, err := lockfile.Acquire(c.lockFile(), what, c.Log, "run racesyso from a checkout you can write to")
	if err != nil {
		return err
	}
	c.held = l // kept: a lock file nobody refers to is closed by the GC
	c.locked++ // for good: Locked now runs its f under the lock held
	return nil
}

var (
	sessionOnce sync.Once
	session     *Context
	sessionErr  error
)

// Session is the one Context of this process (a mage run): made at the
// first call, with the configuration read once, and given ctx, the
// context.Context mage hands every target of the run (Ctrl-C and mage -t
// cancel it). Every target of the run shares it and so its lock, its
// remembered race-test runs and its profile.
func Session(ctx context.Context) (*Context, error) {
	sessionOnce.Do(func() {
		session, sessionErr = New()
		if session != nil {
			session.Ctx = ctx
		}
	})
	return session, sessionErr
}
