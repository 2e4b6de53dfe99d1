package goroot

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/gotool"
)

// Copy makes dst a copy of the GOROOT src (cp -a: Go's own toolchain,
// sources and shipped objects), so that objects can be installed and tested
// without touching the installed Go.
func Copy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	os.RemoveAll(dst)
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("copying GOROOT %s: %v: %s", src, err, out)
	}
	return nil
}

// SyncLeakIterations are the -benchtime levels of BenchmarkSyncLeak, each
// twice the one before. The 2016 runtime fills its fixed ceilings up to about
// 12000x, so the last doubling must go past that to show the level; the four
// levels take about 5 minutes for ours.
var SyncLeakIterations = []int{3000, 6000, 12000, 24000}

// SyncLeakBoundFraction is how much the peak RSS may grow, as a fraction,
// when the last level doubles the work, for the memory to count as bounded.
// A leak proportional to the work doubles the work-dependent part of the
// RSS: the pre-split object's harness series grows by about +80% on its last
// doubling, a pure leak by +100%. A bounded runtime that is still filling
// its fixed ceilings (shadow, per-goroutine traces, clocks) grows by less:
// Go's shipped object by about +25-30% from 12000x to 24000x. The bound sits
// between the two; TestSyncLeakBoundedRejectsGrowth and the base object's
// series in goruntime's TestLeakTable are its negative controls.
const SyncLeakBoundFraction = 0.35

// SyncLeakBounded judges a BenchmarkSyncLeak series: bounded when the peak
// RSS grows by at most SyncLeakBoundFraction from the next-to-last level to
// the last, which must double the work.
func SyncLeakBounded(pts []LeakPoint) (bool, string) {
	if len(pts) < 2 {
		return false, fmt.Sprintf("need at least 2 work levels, have %d", len(pts))
	}
	prev, last := pts[len(pts)-2], pts[len(pts)-1]
	if last.Iterations != 2*prev.Iterations {
		return false, fmt.Sprintf("the last level (%d) must double the one before (%d)", last.Iterations, prev.Iterations)
	}
	if prev.PeakMiB <= 0 || last.PeakMiB <= 0 {
		return false, fmt.Sprintf("no peak RSS measured (%.0f, %.0f MiB)", prev.PeakMiB, last.PeakMiB)
	}
	growth := (last.PeakMiB - prev.PeakMiB) / prev.PeakMiB
	return growth <= SyncLeakBoundFraction, fmt.Sprintf("peak %.0f -> %.0f MiB from %d to %d iterations (%+.0f%%, bounded if at most +%.0f%% for twice the work)",
		prev.PeakMiB, last.PeakMiB, prev.Iterations, last.Iterations, 100*growth, 100*SyncLeakBoundFraction)
}

// TestRun is one `go test -race` invocation in a GOROOT.
type TestRun struct {
	Name     string   `json:"name"`
	Args     []string `json:"args"`
	OK       bool     `json:"ok"`
	Seconds  float64  `json:"seconds"`
	Passed   int      `json:"passed,omitempty"` // TestRace: cases passed
	Total    int      `json:"total,omitempty"`  // TestRace: cases run
	Failures []string `json:"failures,omitempty"`
	Tail     string   `json:"-"`
	// Cases: TestRace's case count is part of the verdict.
	Cases bool `json:"-"`
}

// Judge is the run's verdict: go test passed and, where the suite counts
// TestRace's cases, the count was read and every case passed. A count that
// cannot be read fails: a TestRace that ran no case proved nothing.
func (r TestRun) Judge() (bool, string) {
	switch {
	case !r.OK:
		return false, "go test failed"
	case r.Cases && r.Total == 0:
		return false, "TestRace's case count (\"Passed N of M tests\") is not in the output"
	case r.Cases && r.Passed != r.Total:
		return false, fmt.Sprintf("TestRace passed %d of %d cases", r.Passed, r.Total)
	}
	return true, "ok"
}

// RaceTestSuites are the runs of Go's own race tests that judge an object:
// runtime/race (TestRace runs every testdata case and counts the passes;
// TestOutput checks the reports' form) and the race tests of sync and
// sync/atomic.
var RaceTestSuites = []struct {
	Name string
	Args []string
	// Cases: the output must count TestRace's cases ("Passed N of M
	// tests"), all of which must pass.
	Cases bool
}{
	{"runtime/race", []string{"test", "-race", "-short", "-count=1", "-v", "runtime/race"}, true},
	{"sync, sync/atomic", []string{"test", "-race", "-short", "-count=1", "sync", "sync/atomic"}, false},
}

var (
	passedRe = regexp.MustCompile(`Passed (\d+) of (\d+) tests`)
	failRe   = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)
)

// WarmArgs build what RaceTestSuites run (the race-instrumented std and the
// test binaries) without timing it: the wall times compare the objects, not
// a GOROOT copy's cold build cache with the installed GOROOT's warm one.
var WarmArgs = []string{"test", "-race", "-short", "-count=1", "-run=^$", "runtime/race", "sync", "sync/atomic"}

// RunRaceTests runs RaceTestSuites with goroot's go command, after WarmArgs.
func RunRaceTests(ctx context.Context, goroot string, log func(string, ...any)) []TestRun {
	var runs []TestRun
	t0 := time.Now()
	if out, err := goCommand(ctx, goroot, WarmArgs...); err != nil {
		// Not a verdict: the timed runs below fail the same way and say so.
		log("goroot: warming the build cache in %s failed: %v\n%s", Version(goroot), err, tail(out, 1000))
	} else {
		log("goroot: build cache of %s warmed in %.0fs (not timed)", Version(goroot), time.Since(t0).Seconds())
	}
	for _, s := range RaceTestSuites {
		t0 := time.Now()
		out, err := goCommand(ctx, goroot, s.Args...)
		r := TestRun{Name: s.Name, Args: s.Args, OK: err == nil, Cases: s.Cases, Seconds: time.Since(t0).Seconds(), Tail: tail(out, 3000)}
		if m := passedRe.FindStringSubmatch(out); m != nil {
			r.Passed, _ = strconv.Atoi(m[1])
			r.Total, _ = strconv.Atoi(m[2])
		}
		for _, m := range failRe.FindAllStringSubmatch(out, -1) {
			r.Failures = append(r.Failures, m[1])
		}
		if err != nil && len(r.Failures) == 0 {
			r.Failures = append(r.Failures, firstLine(err.Error()))
		}
		log("goroot: %s in %s: ok=%v (%d of %d TestRace cases) in %.0fs", s.Name, Version(goroot), r.OK, r.Passed, r.Total, r.Seconds)
		runs = append(runs, r)
	}
	return runs
}

// LeakPoint is the peak RSS of BenchmarkSyncLeak at one -benchtime.
type LeakPoint struct {
	Iterations int     `json:"iterations"`
	PeakMiB    float64 `json:"peak_mib"`
	Seconds    float64 `json:"seconds"`
}

// SyncLeak builds runtime/race's test binary with goroot's toolchain and
// runs Go's own BenchmarkSyncLeak (G=1000 goroutines, S=1000-word slices,
// H=10 held) at each -benchtime, reading the process's own peak RSS while it
// runs (RunPeak; not the rusage of the finished child, which a vfork'ed
// child inherits from its parent).
func SyncLeak(ctx context.Context, goroot, dir string, iterations []int) ([]LeakPoint, error) {
	bin := filepath.Join(dir, "race.test")
	if out, err := goCommand(ctx, goroot, "test", "-race", "-c", "-o", bin, "runtime/race"); err != nil {
		return nil, fmt.Errorf("building runtime/race's test binary: %v\n%s", err, tail(out, 2000))
	}
	var pts []LeakPoint
	for _, n := range iterations {
		cmd := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.bench=^BenchmarkSyncLeak$", fmt.Sprintf("-test.benchtime=%dx", n))
		cmd.Dir = filepath.Join(goroot, "src", "runtime", "race")
		t0 := time.Now()
		out, peak, err := RunPeak(cmd)
		if err != nil {
			return pts, fmt.Errorf("BenchmarkSyncLeak -benchtime=%dx: %v\n%s", n, err, tail(string(out), 2000))
		}
		pts = append(pts, LeakPoint{Iterations: n, PeakMiB: peak, Seconds: time.Since(t0).Seconds()})
	}
	return pts, nil
}

func goCommand(ctx context.Context, goroot string, args ...string) (string, error) {
	cmd := gotool.Command(ctx, goroot, "", args...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// WindowsRun is what scripts/windows-race-tests/run.sh reported: Go's own
// race tests for windows/amd64, cross-built with MinGW and run under wine64.
type WindowsRun struct {
	OK       bool     `json:"ok"`
	Seconds  float64  `json:"seconds"`
	Lines    []string `json:"lines"` // the script's summary, one line per part
	TestRace string   `json:"test_race,omitempty"`
	Failures int      `json:"failures"`
}

var failuresRe = regexp.MustCompile(`(?m)^total: .*failures: (\d+)`)

// RunWindowsRaceTests runs the script against goroot (whose amd64v1
// race_windows.syso is the object judged) with outDir as scratch space,
// winePrefix as the private prefix and goCache as the build cache of the
// windows -race builds (both kept between runs: the prefix takes ~15 s to
// create, a cold windows std with -race ~90 s to build).
func RunWindowsRaceTests(ctx context.Context, script, goroot, outDir, winePrefix, goCache string) WindowsRun {
	t0 := time.Now()
	os.MkdirAll(filepath.Dir(winePrefix), 0o755) // wine wants the prefix's parent to exist
	cmd := exec.CommandContext(ctx, "bash", script, goroot, outDir)
	cmd.Env = append(os.Environ(), "WINEPREFIX="+winePrefix, "GOCACHE="+goCache)
	out, err := cmd.CombinedOutput()
	r := WindowsRun{OK: err == nil, Seconds: time.Since(t0).Seconds()}
	summary, rerr := os.ReadFile(filepath.Join(outDir, "summary.txt"))
	if rerr != nil {
		summary = out
	}
	for _, l := range strings.Split(strings.TrimSpace(string(summary)), "\n") {
		r.Lines = append(r.Lines, l)
		if strings.HasPrefix(l, "TestRace") {
			r.TestRace = l
		}
	}
	if m := failuresRe.FindStringSubmatch(string(summary)); m != nil {
		r.Failures, _ = strconv.Atoi(m[1])
	} else if err != nil {
		r.Failures = -1
		r.Lines = append(r.Lines, tail(string(out), 2000))
	}
	return r
}
