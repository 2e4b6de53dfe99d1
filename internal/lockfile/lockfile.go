// Package lockfile serialises runs that share directories: an exclusive
// flock(2) on a small file, which the kernel releases when the holder exits,
// however it exits. The file records who holds it, so that a run that has to
// wait can say for whom.
package lockfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock is a held lock; Unlock releases it.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the exclusive lock on path (created if missing), waiting
// while another run holds it: log says once who holds it and that this run
// waits. what names this run in the file ("buildSyso"). fix is what to do
// when path cannot be created (a directory that is not writable, say).
func Acquire(path, what string, log io.Writer, fix string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the lock file %s (%v): %s", path, unwrapPath(err), fix)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot create the lock file %s (%v): %s", path, unwrapPath(err), fix)
	}
	err = flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		holder, _ := os.ReadFile(path)
		fmt.Fprintf(log, "racesyso: waiting for %s, held by %s; this run goes on when that one ends\n", path, describe(holder))
		err = flock(f, syscall.LOCK_EX)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// Who holds it, for the next run that has to wait.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d: %s, since %s\n", os.Getpid(), what, time.Now().Format(time.RFC3339))
	}
	return &Lock{f: f, path: path}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := flock(l.f, syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// flock retries on EINTR.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

func describe(holder []byte) string {
	s := strings.TrimSpace(string(holder))
	if s == "" {
		return "another run"
	}
	return s
}

// unwrapPath drops the *PathError's own path, which the message names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
