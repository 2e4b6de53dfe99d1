package goroot

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// failAt makes the n-th replacement (1-based) fail, as a full disk or a
// permission would, and counts the replacements.
func failAt(t *testing.T, n int) *int {
	t.Helper()
	calls := new(int)
	old := beforeReplace
	beforeReplace = func(path string) error {
		*calls++
		if *calls == n {
			return &pathError{path}
		}
		return nil
	}
	t.Cleanup(func() { beforeReplace = old })
	return calls
}

type pathError struct{ path string }

func (e *pathError) Error() string { return "injected failure replacing " + e.path }

// TestInstallTransaction: a failure at any replacement, the first after
// one file was already replaced included, leaves the GOROOT byte for byte
// as it was, for a first install and for an install over an earlier one.
func TestInstallTransaction(t *testing.T) {
	real := realGOROOT(t)
	mark := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso"...) }
	mark2 := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso, again"...) }
	from := releaseDir(t, real, mark, "linux", "darwin", "windows")
	from2 := releaseDir(t, real, mark2, "linux", "darwin", "windows")
	// How many files one install writes.
	calls := failAt(t, -1)
	if err := Install(options(fakeGOROOT(t, real, false), from)); err != nil {
		t.Fatal(err)
	}
	files := *calls
	if files < 10 {
		t.Fatalf("an install of three objects replaced only %d files", files)
	}
	for _, over := range []bool{false, true} {
		for n := 1; n <= files; n++ {
			root := fakeGOROOT(t, real, false)
			if over {
				failAt(t, -1)
				if err := Install(options(root, from)); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, root)
			failAt(t, n)
			err := Install(options(root, from2))
			var pe *pathError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "the GOROOT was restored as it was") {
				t.Fatalf("over an install %v, failing replacement %d: err = %v", over, n, err)
			}
			if d := sameTree(before, snapshot(t, root)); d != "" {
				t.Errorf("over an install %v, failing replacement %d of %d (%s): the GOROOT changed:\n%s", over, n, files, pe.path, d)
			}
		}
	}
}

// TestInstallUnwritable: an unwritable directory is found before anything
// is written (root cannot make one with chmod, so the probe is told to fail).
func TestInstallUnwritable(t *testing.T) {
	real := realGOROOT(t)
	old := probeDir
	probeDir = func(dir string) error {
		if strings.HasSuffix(dir, "amd64v3") {
			return &os.PathError{Op: "open", Path: filepath.Join(dir, ".racesyso-probe-1"), Err: syscall.EACCES}
		}
		return old(dir)
	}
	t.Cleanup(func() { probeDir = old })
	calls := failAt(t, -1)
	root := fakeGOROOT(t, real, false)
	before := snapshot(t, root)
	err := Install(options(root, releaseDir(t, real, nil, "linux", "windows")))
	for _, want := range []string{"internal/amd64v3 is not writable (permission denied)", "nothing installed", "run installGoroot as the owner of " + root, "install into a copy you own"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	if *calls != 0 {
		t.Errorf("%d files replaced before the unwritable directory was found", *calls)
	}
	if d := sameTree(before, snapshot(t, root)); d != "" {
		t.Errorf("the GOROOT changed:\n%s", d)
	}
}

// TestUninstall: uninstall after one or two installs gives back the GOROOT
// as it was, in both layouts (the old one gets .patch files it did not
// have, which uninstall removes).
func TestUninstall(t *testing.T) {
	real := realGOROOT(t)
	mark := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso"...) }
	for _, old := range []bool{false, true} {
		root := fakeGOROOT(t, real, old)
		before := snapshot(t, root)
		from := releaseDir(t, real, mark, "linux", "darwin")
		for range 2 {
			if err := Install(options(root, from)); err != nil {
				t.Fatal(err)
			}
		}
		if sameTree(before, snapshot(t, root)) == "" {
			t.Fatal("install changed nothing")
		}
		if err := Uninstall(root, io.Discard); err != nil {
			t.Fatal(err)
		}
		if d := sameTree(before, snapshot(t, root)); d != "" {
			t.Errorf("old layout %v: after uninstall the GOROOT differs:\n%s", old, d)
		}
		if err := Uninstall(root, io.Discard); err == nil || !strings.Contains(err.Error(), "nothing to uninstall") {
			t.Errorf("second uninstall: %v", err)
		}
	}
	if err := Uninstall(filepath.Join(t.TempDir(), "nogo"), io.Discard); err == nil || !strings.Contains(err.Error(), "not a GOROOT") {
		t.Errorf("uninstall of a non-GOROOT: %v", err)
	}
}
