package integration_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/compile"
	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/racetest"
	"github.com/racesyso/racesyso/internal/testenv"
)

// copyGOROOT copies the installed Go into the test's temporary directory.
func copyGOROOT(t *testing.T) string {
	t.Helper()
	src, err := goroot.Default()
	if err != nil {
		testenv.Skip(t, "%v", err)
	}
	dst := filepath.Join(t.TempDir(), "goroot")
	if _, err := goroot.Copy(src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// installedGOROOT builds (or reuses) our object for goos and installs it
// with installGoroot into a fresh copy of the installed Go.
func installedGOROOT(t *testing.T, goos string) (root string, c *pipeline.Context) {
	t.Helper()
	dist := integration.Objects(t, goos)
	root = copyGOROOT(t)
	c = integration.ForTest(t, goos)
	c.DistDir = dist
	if err := c.InstallGoroot(root); err != nil {
		t.Fatal(err)
	}
	return root, c
}

const racyTest = `package racy

import "testing"

func TestRacy(t *testing.T) {
	x := 0
	done := make(chan bool)
	go func() { x = 1; done <- true }()
	x = 2
	<-done
	_ = x
}
`

// TestInstallGorootThenRace installs our linux object into a copy of the
// GOROOT with installGoroot and checks that `go test -race` of a racy
// program reports the race, and that README and .patch were written.
func TestInstallGorootThenRace(t *testing.T) {
	testenv.SkipIfShort(t, "copies the GOROOT and builds with -race")
	root, _ := installedGOROOT(t, "linux")
	readme, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/README"))
	if !strings.Contains(string(readme), "internal/amd64v1/race_linux.syso built with LLVM 81bba04449f2b776158dedd9fd9843506942e8e4 (r267674)") {
		t.Errorf("README not updated:\n%s", readme)
	}
	if _, err := os.Stat(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.patch")); err != nil {
		t.Error(err)
	}
	mod := t.TempDir()
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module racy\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(mod, "racy_test.go"), []byte(racyTest), 0o644)
	cmd := gotool.Command(context.Background(), root, mod, "test", "-race", "-count=1", ".")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go test -race passed: the race was not reported\n%s", out)
	}
	for _, want := range []string{"WARNING: DATA RACE", "racy.TestRacy", "race detected during execution of test"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestInstallGorootRefusesThePreSplitObject: the base object lacks what
// Go 1.26 imports; installGoroot names the missing symbols and changes
// nothing.
func TestInstallGorootRefusesThePreSplitObject(t *testing.T) {
	testenv.SkipIfShort(t, "copies the GOROOT")
	base := integration.BaseObject(t, "linux")
	root := copyGOROOT(t)
	before, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso"))
	c := integration.ForTest(t, "linux")
	c.DistDir = filepath.Dir(base)
	err := c.InstallGoroot(root)
	if err == nil || !strings.Contains(err.Error(), "race_linux_amd64.syso lacks") || !strings.Contains(err.Error(), "__tsan_proc_create") {
		t.Fatalf("err = %v, want a refusal naming __tsan_proc_create", err)
	}
	after, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso"))
	if string(before) != string(after) {
		t.Error("a refused install changed the GOROOT")
	}
}

// TestGoRaceTestsWithOurObject is the judge of the forward port: Go's own
// race tests (runtime/race: TestRace must pass every case, TestOutput
// must pass; sync; sync/atomic), run by the engine with our linux object.
func TestGoRaceTestsWithOurObject(t *testing.T) {
	testenv.SkipIfShort(t, "runs Go's own race tests (about a minute)")
	root, c := installedGOROOT(t, "linux")
	e, err := racetest.NewEnv(strings.TrimPrefix(goroot.Version(root), "go"), root, t.TempDir(), filepath.Join(c.Config.CacheDir, "goroot-judge", "gocache-test"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.CheckGoVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	run, err := e.RunRaceTests(context.Background(), "ours", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := run.Judge(); !ok {
		t.Errorf("%s", why)
	}
	if _, total := run.CasesPassed(); total < 300 {
		t.Errorf("TestRace: only %d cases", total)
	}
	for _, pkg := range racetest.Packages {
		if p := run.Package(pkg); len(p.Suites) == 0 {
			t.Errorf("%s did not run", pkg)
		}
	}
}

// TestGoWindowsRaceTestsUnderWine cross-builds Go's windows race tests with
// MinGW and runs them under wine64 with our windows object, driven by the
// engine: TestRace's testdata by TestRace's rule, runtime/race's own
// tests, the host-driven checks (a racy program, TestOutput's table), sync
// and sync/atomic.
func TestGoWindowsRaceTestsUnderWine(t *testing.T) {
	testenv.SkipIfShort(t, "Go's windows race tests under wine take minutes")
	if _, err := os.Stat(compile.Wine64); err != nil {
		testenv.Skip(t, "%s missing: apt-get install wine64", compile.Wine64)
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		testenv.Skip(t, "MinGW missing: apt-get install gcc-mingw-w64-x86-64")
	}
	root, c := installedGOROOT(t, "windows")
	// The prefix and the windows build cache persist in the cache directory.
	keep := filepath.Join(c.Config.CacheDir, "goroot-judge")
	e, err := racetest.NewEnv(strings.TrimPrefix(goroot.Version(root), "go"), root, t.TempDir(), filepath.Join(keep, "gocache-test"))
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := e.RunWindowsRaceTests(context.Background(), "ours", racetest.Wine{Prefix: filepath.Join(keep, "wineprefix")}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range run.Suites {
		t.Logf("%s %v: exit ok=%v, %.0fs, flaky %v", s.Package, s.Args, s.ExitOK, s.Seconds, s.Flaky)
	}
	if ok, why := run.Judge(); !ok {
		t.Fatalf("windows race tests under wine: %s", why)
	}
	names := map[string]bool{}
	for _, s := range run.Suites {
		for _, tt := range s.Tests {
			names[tt.Name] = tt.Result == racetest.Pass
		}
	}
	for _, want := range []string{"runtime/race.TestOutput/simple", "windows.racy.exe (reports its race, exit 66)", "sync.TestMutex"} {
		if !names[want] {
			t.Errorf("%s did not pass (or did not run)", want)
		}
	}
	if p, total := run.CasesPassed(); total < 300 || p != total {
		t.Errorf("TestRace under wine: %d of %d", p, total)
	}
}
