package racetest

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/atomicfile"
)

// Wine is how Go's windows race tests run on this host: cross-built with
// MinGW, run under wine64 in a private prefix.
type Wine struct {
	Wine64, Server string // default /usr/lib/wine/wine64, wineserver
	Prefix         string // a private WINEPREFIX, kept between runs
	CC, CXX        string // default x86_64-w64-mingw32-gcc, -g++
	// Reruns: a TestRace case that expects a race (Race*) and missed it is
	// run again alone up to this many times and counts as passed (flaky,
	// named) when it then reports its race: such misses are
	// timing-dependent under wine with Go's shipped object too
	// (golang/go#14119). A NoRace* failure or a crash is never retried.
	Reruns int
}

func (w *Wine) defaults() {
	if w.Wine64 == "" {
		w.Wine64 = "/usr/lib/wine/wine64"
	}
	if w.Server == "" {
		w.Server = "/usr/lib/wine/wineserver"
	}
	if w.CC == "" {
		w.CC = "x86_64-w64-mingw32-gcc"
	}
	if w.CXX == "" {
		w.CXX = "x86_64-w64-mingw32-g++"
	}
	if w.Reruns == 0 {
		w.Reruns = 5
	}
}

// windowsEnviron cross-compiles for windows/amd64 with cgo and MinGW.
func (e *Env) windowsEnviron(w Wine) []string {
	return append(e.Environ(), "CGO_ENABLED=1", "CC="+w.CC, "CXX="+w.CXX, "GOOS=windows", "GOARCH=amd64")
}

// wineEnviron runs a windows binary: GOROOT is the copy's (TestIssue-style
// tests read it), nothing else of the host's Go settings.
func (e *Env) wineEnviron(w Wine, extra ...string) []string {
	env := []string{}
	for _, kv := range e.Environ() {
		if !strings.HasPrefix(kv, "GOROOT=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "WINEPREFIX="+w.Prefix, "WINEDEBUG=-all", "WINEARCH=win64", "WINEDLLOVERRIDES=mscoree,mshtml="), extra...)
}

// windowsBinaries are the test binaries of the windows run.
var windowsBinaries = []struct{ Name, Pkg string }{
	{"racetestdata", "testdata"}, // TestRace's testdata run
	{"race", "runtime/race"},
	{"sync", "sync"},
	{"sync_atomic", "sync/atomic"},
}

// RunWindowsRaceTests cross-builds Go's race tests for windows/amd64 with
// the release's go command (external linking: old Go's internal linker does
// not know today's MinGW libraries) and whatever windows object the GOROOT
// copy holds now, and runs them under wine64: TestRace's testdata run
// (GOMAXPROCS=1 and GORACE as TestRace sets them, judged by TestRace's own
// rule), runtime/race's other tests (TestRace and TestOutput exec the go
// command, which is a linux binary), sync and sync/atomic, and then what
// runtime/race's tests would exec, driven from here (hostDriven: a racy
// program, TestNoRaceCgoSync's program, TestOutput's table,
// TestIssue37485). It returns the run and one built binary, for the
// provenance check.
func (e *Env) RunWindowsRaceTests(ctx context.Context, object string, w Wine, dir string) (ObjectRun, string, error) {
	w.defaults()
	run := ObjectRun{Object: object}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return run, "", err
	}
	if err := w.initPrefix(ctx); err != nil {
		return run, "", err
	}
	if err := w.installBcrypt(ctx); err != nil {
		return run, "", err
	}
	raceDir := filepath.Join(e.GOROOT, "src", "runtime", "race")
	for _, b := range windowsBinaries {
		exe := filepath.Join(bin, b.Name+".test.exe")
		args := []string{"test", "-race", "-c", "-ldflags=-linkmode=external", "-o", exe}
		cwd := ""
		if b.Pkg == "testdata" {
			files, _ := filepath.Glob(filepath.Join(raceDir, "testdata", "*_test.go"))
			for _, f := range files {
				args = append(args, "./testdata/"+filepath.Base(f))
			}
			cwd = raceDir
		} else {
			args = append(args, b.Pkg)
		}
		cmd := e.Command(ctx, cwd, args...)
		cmd.Env = e.windowsEnviron(w)
		if out, err := cmd.CombinedOutput(); err != nil {
			return run, "", fmt.Errorf("cross-building %s for windows: %v\n%s", b.Name, err, Tail(string(out), 3000))
		}
	}
	// TestRace's testdata run.
	t0 := time.Now()
	tdEnv := []string{"GOMAXPROCS=1", "GORACE=suppress_equal_stacks=0 suppress_equal_addresses=0 exitcode=0"}
	out, err := w.run(ctx, filepath.Join(raceDir, "testdata"), e.wineEnviron(w, tdEnv...), filepath.Join(bin, "racetestdata.test.exe"), "-test.v")
	// The exit status is no verdict (a reported race fails its test, and
	// TestRace does not read it): the run must have reached its end.
	s := SuiteRun{Package: "runtime/race", Args: []string{"racetestdata.test.exe", "-test.v"}, ExitOK: TestdataComplete(e.GOROOT, out), CasesFrom: "wine-testdata-log"}
	if err != nil {
		s.Error = err.Error()
	}
	if !s.ExitOK {
		s.Error = "the testdata run did not reach its end (" + s.Error + ")"
	}
	s.Cases = ProcessLog(strings.Split(out, "\n"))
	// A missed Race* case is run again alone.
	for i, c := range s.Cases {
		if c.Result != Fail || !strings.HasPrefix(c.Name, "Race") {
			continue
		}
		for n := 1; n <= w.Reruns; n++ {
			o, _ := w.run(ctx, filepath.Join(raceDir, "testdata"), e.wineEnviron(w, tdEnv...), filepath.Join(bin, "racetestdata.test.exe"), "-test.v", "-test.run=^Test"+c.Name+"$")
			if cs := ProcessLog(strings.Split(o, "\n")); len(cs) == 1 && cs[0].Result == Pass {
				s.Cases[i].Result = Pass
				s.Flaky = append(s.Flaky, fmt.Sprintf("%s (missed its race in the full run, reported it on rerun %d)", c.Name, n))
				break
			}
		}
	}
	s.Seconds = time.Since(t0).Seconds()
	s.Log = filepath.Join(dir, "racetestdata.log")
	os.WriteFile(s.Log, []byte(out), 0o644)
	run.Suites = append(run.Suites, s)
	run.Seconds += s.Seconds
	// The test binaries of the packages.
	for _, b := range windowsBinaries[1:] {
		t0 := time.Now()
		args := []string{"-test.v", "-test.short"}
		if b.Pkg == "runtime/race" {
			names, err := windowsRaceTests(raceDir)
			if err != nil {
				return run, "", err
			}
			args = append(args, "-test.run=^("+strings.Join(names, "|")+")$")
		}
		out, err := w.run(ctx, filepath.Join(e.GOROOT, "src", filepath.FromSlash(b.Pkg)), e.wineEnviron(w), filepath.Join(bin, b.Name+".test.exe"), args...)
		s := ParseSuite(b.Pkg, out)
		s.Cases, s.CasesFrom = nil, ""
		s.Args, s.ExitOK, s.Seconds = append([]string{b.Name + ".test.exe"}, args...), err == nil, time.Since(t0).Seconds()
		if err != nil {
			s.Error = err.Error()
		}
		s.Log = filepath.Join(dir, b.Name+".log")
		os.WriteFile(s.Log, []byte(out), 0o644)
		run.Suites = append(run.Suites, s)
		run.Seconds += s.Seconds
	}
	host, err := e.hostDriven(ctx, w, filepath.Join(dir, "host"))
	if err != nil {
		return run, "", err
	}
	run.Suites = append(run.Suites, host)
	run.Seconds += host.Seconds
	for _, s := range run.Suites {
		e.logf("windows %s %s (%s): exit ok=%v, %d tests, %d TestRace cases, %.0fs", s.Package, strings.Join(s.Args[:1], ""), object, s.ExitOK, len(s.Tests), len(s.Cases), s.Seconds)
	}
	return run, filepath.Join(bin, "sync.test.exe"), nil
}

var testFuncRe = regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`)

// windowsRaceTests lists runtime/race's tests that run on windows under
// wine: every Test function of its _test.go files but the unix-, linux-
// and darwin-only files, less TestRace and TestOutput (they exec the go
// command) and TestIssue37485 (it execs `go tool nm`).
func windowsRaceTests(raceDir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(raceDir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{"TestRace": true, "TestOutput": true, "TestIssue37485": true}
	var names []string
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_unix_test.go") || strings.HasSuffix(base, "_linux_test.go") || strings.HasSuffix(base, "_darwin_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, m := range testFuncRe.FindAllStringSubmatch(string(b), -1) {
			if !skip[m[1]] {
				names = append(names, m[1])
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

func (w Wine) initPrefix(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(w.Prefix, "system.reg")); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(w.Prefix), 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, w.Wine64, "wineboot", "--init")
	cmd.Env = append(os.Environ(), "WINEPREFIX="+w.Prefix, "WINEDEBUG=-all", "WINEARCH=win64", "WINEDLLOVERRIDES=mscoree,mshtml=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("wineboot --init: %v\n%s", err, Tail(string(out), 2000))
	}
	exec.CommandContext(ctx, w.Server, "-w").Run()
	if _, err := os.Stat(filepath.Join(w.Prefix, "system.reg")); err != nil {
		return fmt.Errorf("wineboot --init made no prefix in %s", w.Prefix)
	}
	return nil
}

//go:embed wine/bcryptprimitives.c
var bcryptC []byte

//go:embed wine/bcryptprimitives.def
var bcryptDef []byte

// installBcrypt puts the stand-in for bcryptprimitives.dll (wine/README.md)
// into the prefix's system32, built with MinGW: Go 1.24 and later call its
// ProcessPrng at startup, and wine 8 has no such DLL. Go loads it from
// system32 only, so next to the executable is not enough.
func (w Wine) installBcrypt(ctx context.Context) error {
	dll := filepath.Join(w.Prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if st, err := os.Stat(dll); err == nil && st.Size() > 0 {
		return nil
	}
	dir, err := os.MkdirTemp("", "bcryptprimitives-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	c, def := filepath.Join(dir, "bcryptprimitives.c"), filepath.Join(dir, "bcryptprimitives.def")
	if err := os.WriteFile(c, bcryptC, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(def, bcryptDef, 0o644); err != nil {
		return err
	}
	out := filepath.Join(dir, "bcryptprimitives.dll")
	cmd := exec.CommandContext(ctx, w.CC, "-O2", "-shared", "-s", "-Wl,--enable-stdcall-fixup", "-o", out, c, def, "-ladvapi32")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the bcryptprimitives.dll stand-in with %s: %v\n%s (install MinGW: apt-get install gcc-mingw-w64-x86-64, or go run mage.go tools)", w.CC, err, Tail(string(b), 2000))
	}
	return atomicfile.Copy(dll, out)
}

// run runs a windows binary under wine64 in dir, with a 20-minute limit.
func (w Wine) run(ctx context.Context, dir string, env []string, exe string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.Wine64, append([]string{exe}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
