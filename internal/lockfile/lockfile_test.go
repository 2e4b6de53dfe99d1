package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSerialises: a second Acquire waits for the first Unlock and says who
// it waits for.
func TestSerialises(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "lock")
	first, err := Acquire(path, "buildSyso", &bytes.Buffer{}, "fix")
	if err != nil {
		t.Fatal(err)
	}
	var (
		log      syncBuffer
		acquired = make(chan time.Time)
	)
	go func() {
		second, err := Acquire(path, "verify", &log, "fix")
		if err != nil {
			t.Error(err)
		}
		acquired <- time.Now()
		second.Unlock()
	}()
	time.Sleep(300 * time.Millisecond)
	released := time.Now()
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	if got := <-acquired; got.Before(released) {
		t.Fatal("the second run took the lock while the first held it")
	}
	if !strings.Contains(log.String(), "waiting for "+path) || !strings.Contains(log.String(), "buildSyso") {
		t.Fatalf("the waiting run did not say whom it waits for: %q", log.String())
	}
}

// TestNotWritable names the fix.
func TestNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, err := Acquire(filepath.Join(file, "lock"), "x", &bytes.Buffer{}, "set RACESYSO_CACHE to a writable directory")
	if err == nil || !strings.Contains(err.Error(), "set RACESYSO_CACHE to a writable directory") {
		t.Fatalf("err = %v, want the fix named", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
