package goroot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash helper: the test binary, run again with these variables set,
// installs (or uninstalls) and SIGKILLs itself after its Nth step (a write,
// rename or removal in the GOROOT), as a machine that loses power or a
// user's kill -9 would stop it.
const (
	crashOp   = "RACESYSO_TEST_CRASH_OP" // install or uninstall
	crashAt   = "RACESYSO_TEST_CRASH_AT"
	crashRoot = "RACESYSO_TEST_CRASH_GOROOT"
	crashFrom = "RACESYSO_TEST_CRASH_FROM"
)

func TestMain(m *testing.M) {
	if op := os.Getenv(crashOp); op != "" {
		n, _ := strconv.Atoi(os.Getenv(crashAt))
		steps := 0
		afterStep = func() {
			if steps++; steps == n {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		}
		var err error
		if op == "install" {
			err = Install(options(os.Getenv(crashRoot), os.Getenv(crashFrom)))
		} else {
			err = Uninstall(os.Getenv(crashRoot), io.Discard)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crash runs the helper; killed says whether it died by SIGKILL before the
// end (false: it completed).
func crash(t *testing.T, op, root, from string, n int) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashOp+"="+op, crashAt+"="+strconv.Itoa(n), crashRoot+"="+root, crashFrom+"="+from)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("crash helper (%s, step %d): %v: %s", op, n, err, out)
	}
	return false
}

// scratchLeft lists the files of the race directory that no complete
// GOROOT holds: staged and set-aside copies, the journal, the lock holder.
func scratchLeft(snap map[string]string) []string {
	var out []string
	for p := range snap {
		b := filepath.Base(p)
		if scratchRe.MatchString(b) || b == JournalName || b == HolderName {
			out = append(out, p)
		}
	}
	return out
}

// TestKilledInstall: an install killed with SIGKILL after each of its
// steps in turn, then the next command (Recover, which every command runs
// first), leaves exactly the files the GOROOT had before (or, killed after
// every file was in place, exactly the installed ones), with no scratch
// file, journal or lock holder left; uninstall then gives back exactly the
// shipped files. Likewise for an uninstall killed half-way: the next
// command completes it.
func TestKilledInstall(t *testing.T) {
	real := realGOROOT(t)
	mark := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso"...) }
	from := releaseDir(t, real, mark, "linux", "darwin", "windows")

	shipped := fakeGOROOT(t, real, false)
	want := snapshot(t, shipped)
	done := fakeGOROOT(t, real, false)
	if err := Install(options(done, from)); err != nil {
		t.Fatal(err)
	}
	installed := snapshot(t, done)

	rolledBack, finished := 0, 0
	for n := 1; ; n++ {
		root := fakeGOROOT(t, real, false)
		if !crash(t, "install", root, from, n) {
			t.Logf("install: %d steps; killed after each of the first %d: %d rolled back, %d finished", n-1, n-1, rolledBack, finished)
			break
		}
		var pre []string // what the kill left, but the stale lock holder
		for _, f := range scratchLeft(snapshot(t, root)) {
			if filepath.Base(f) != HolderName {
				pre = append(pre, f)
			}
		}
		var log bytes.Buffer
		if err := Recover(root, &log); err != nil {
			t.Fatalf("step %d: recover: %v", n, err)
		}
		got := snapshot(t, root)
		if left := scratchLeft(got); len(left) > 0 {
			t.Errorf("install killed at step %d: left %v", n, left)
		}
		switch {
		case sameTree(want, got) == "":
			rolledBack++
		case sameTree(installed, got) == "":
			finished++
		default:
			t.Fatalf("install killed at step %d: the GOROOT is mixed (log: %s):\n%s", n, log.String(), sameTree(want, got))
		}
		// Whatever the kill left (a journal, scratch files), recover says
		// what it did about it, naming the files.
		if len(pre) > 0 && !strings.Contains(log.String(), "did not finish") && !strings.Contains(log.String(), "had put every file in place") && !strings.Contains(log.String(), "interrupted install left") {
			t.Errorf("step %d: recover said nothing of %v: %q", n, pre, log.String())
		}
		Uninstall(root, io.Discard) // after a roll back: "nothing to uninstall"
		if d := sameTree(want, snapshot(t, root)); d != "" {
			t.Fatalf("step %d: after uninstall the GOROOT is not the shipped one:\n%s", n, d)
		}
	}
	if rolledBack == 0 || finished == 0 {
		t.Errorf("%d rolled back, %d finished: the kills did not reach both sides of the commit point", rolledBack, finished)
	}

	// Uninstall killed after each of its steps: the next command completes it.
	for n := 1; ; n++ {
		root := fakeGOROOT(t, real, false)
		if err := Install(options(root, from)); err != nil {
			t.Fatal(err)
		}
		if !crash(t, "uninstall", root, "", n) {
			t.Logf("uninstall: %d steps", n-1)
			break
		}
		var log bytes.Buffer
		if err := Recover(root, &log); err != nil {
			t.Fatalf("uninstall step %d: recover: %v", n, err)
		}
		got := snapshot(t, root)
		if d := sameTree(want, got); d != "" {
			t.Fatalf("uninstall killed at step %d, then recover: not the shipped files (log %s):\n%s", n, log.String(), d)
		}
	}
}

// TestRecoverIsQuietOnAWholeGOROOT: a GOROOT with no journal and no scratch
// file is left alone, and nothing is said.
func TestRecoverIsQuietOnAWholeGOROOT(t *testing.T) {
	root := fakeGOROOT(t, realGOROOT(t), false)
	before := snapshot(t, root)
	var log bytes.Buffer
	if err := Recover(root, &log); err != nil || log.Len() != 0 {
		t.Fatalf("Recover = %v, said %q", err, log.String())
	}
	if d := sameTree(before, snapshot(t, root)); d != "" {
		t.Fatal(d)
	}
}

// TestSecondInstallWaits: while one run holds a GOROOT, an install into it
// waits, naming the holder's pid, and goes on when the holder is done.
func TestSecondInstallWaits(t *testing.T) {
	real := realGOROOT(t)
	root := fakeGOROOT(t, real, false)
	from := releaseDir(t, real, nil, "linux")
	unlock, err := lockGOROOT(root, "a test", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	o := options(root, from)
	o.Log = &log
	errc := make(chan error)
	go func() { errc <- Install(o) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log.String(), fmt.Sprintf("held by pid %d (a test", os.Getpid())) {
		if time.Now().After(deadline) {
			t.Fatalf("the second install did not say it waits for the holder: %q", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-errc:
		t.Fatalf("the second install did not wait: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestUninstallRemovesLitter: scratch files left in the race directory (by
// a run killed in its staging step) are removed by uninstall, which counts
// the race directory's files back to the shipped ones.
func TestUninstallRemovesLitter(t *testing.T) {
	real := realGOROOT(t)
	root := fakeGOROOT(t, real, false)
	want := snapshot(t, root)
	if err := Install(options(root, releaseDir(t, real, nil, "linux"))); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"internal/amd64v1/.race_linux.syso.racesyso-new-0123456789ab", ".README.racesyso-undo-ba9876543210"} {
		os.WriteFile(filepath.Join(RaceDir(root), p), []byte("litter"), 0o644)
	}
	var log bytes.Buffer
	if err := Uninstall(root, &log); err != nil {
		t.Fatal(err)
	}
	if d := sameTree(want, snapshot(t, root)); d != "" {
		t.Fatalf("after uninstall:\n%s", d)
	}
	if !strings.Contains(log.String(), ".race_linux.syso.racesyso-new-0123456789ab") {
		t.Errorf("uninstall did not name the litter it removed: %s", log.String())
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
