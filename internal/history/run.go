package history

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/goroot"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/racetest"
)

// Engine is what a release's proof runs: the steps of RunRelease take
// their runners from it, so that each step is tested with fakes. Engine()
// is the real one, internal/racetest's.
type Engine struct {
	// RaceTests runs Go's race suites in env's GOROOT (racetest's
	// Env.RunRaceTests).
	RaceTests func(ctx context.Context, env *Env, object, logDir string) (racetest.ObjectRun, error)
	// WindowsTests runs them cross-built for windows under wine64, and
	// returns one built binary for the provenance check.
	WindowsTests func(ctx context.Context, env *Env, object string, w racetest.Wine, dir string) (racetest.ObjectRun, string, error)
	// Provenance builds a race program and tells which object it links.
	Provenance func(ctx context.Context, env *Env, want, oursObj, shippedObj string) (racetest.Provenance, error)
	// Install puts objDir's objects for goos into env's GOROOT.
	Install func(ctx context.Context, env *Env, objDir string, goos []string, log io.Writer) error
	// WindowsProvenance tells which windows object a built windows binary
	// links.
	WindowsProvenance func(exe, want, oursObj, shippedObj string) (racetest.Provenance, error)
}

// RealEngine is the engine of internal/racetest and goroot.Install.
func RealEngine() Engine {
	return Engine{
		RaceTests: func(ctx context.Context, env *Env, object, logDir string) (racetest.ObjectRun, error) {
			return env.RunRaceTests(ctx, object, logDir)
		},
		WindowsTests: func(ctx context.Context, env *Env, object string, w racetest.Wine, dir string) (racetest.ObjectRun, string, error) {
			return env.RunWindowsRaceTests(ctx, object, w, dir)
		},
		Provenance: func(ctx context.Context, env *Env, want, oursObj, shippedObj string) (racetest.Provenance, error) {
			return env.CheckProvenance(ctx, want, oursObj, shippedObj)
		},
		Install: func(ctx context.Context, env *Env, objDir string, goos []string, log io.Writer) error {
			return env.Install(ctx, objDir, goos, log)
		},
		WindowsProvenance: func(exe, want, oursObj, shippedObj string) (racetest.Provenance, error) {
			return racetest.ProvenanceOf(racetest.PESymbols, exe, want, oursObj, shippedObj)
		},
	}
}

// proof is one release's proof in progress: the entry it fills, and what
// the steps hand on.
type proof struct {
	r   Release
	o   Options
	eng Engine
	e   *Entry
	env *Env

	work, gr         string
	oursDir, oursObj string // the object judged (per-P or base) and its dist/
	perp             map[string]string
	shippedCopy      string // the shipped linux object, kept before any install
	shippedRun       racetest.ObjectRun
	oursRun          racetest.ObjectRun
	leakBins         [2]string // ours, shipped
}

func (p *proof) step(f string, a ...any) {
	logf(p.o.Log, "history:   go%s: "+f, append([]any{p.r.Version}, a...)...)
}

func (p *proof) fail(f string, a ...any) {
	p.e.Why = append(p.e.Why, fmt.Sprintf(f, a...))
	p.step("FAIL: "+f, a...)
}

// RunRelease proves our object in one release, step by step: setup (fetch,
// copy, go version), the facts, the ABI table, Go's race tests with the
// shipped object and then with ours (each after a provenance check of what
// a race build links), the judge, the windows tests where the release is
// flagged, and the leak measurement where it is flagged. A step that
// cannot go on ends the proof with its reason in the entry.
func RunRelease(ctx context.Context, r Release, o Options) Entry {
	t0 := time.Now()
	e := Entry{Release: "go" + r.Version, Layout: r.Layout, Object: r.Object}
	eng := o.Engine
	if eng.RaceTests == nil {
		eng = RealEngine()
	}
	p := &proof{r: r, o: o, eng: eng, e: &e, work: filepath.Join(o.Work, "go"+r.Version)}
	p.gr = filepath.Join(p.work, "goroot")
	if !o.KeepGOROOT {
		defer os.RemoveAll(p.gr)
	}
	for _, st := range []func(context.Context) bool{p.setup, p.inspect, p.abi, p.shipped, p.windowsShipped, p.ours, p.judge, p.windowsOurs, p.leak} {
		if !st(ctx) || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil && len(e.Why) == 0 {
		p.fail("interrupted: %v", ctx.Err())
	}
	e.Seconds = time.Since(t0).Seconds()
	e.OK = len(e.Why) == 0
	return e
}

// setup fetches the toolchain (cached), copies its GOROOT and checks that
// its go command is the release's.
func (p *proof) setup(ctx context.Context) bool {
	t0 := time.Now()
	var err error
	if p.e.Fetch, err = Fetch(ctx, p.r.Version, p.o.ModCache); err != nil {
		p.fail("fetch: %v", err)
		return false
	}
	if p.e.Copy, err = goroot.Copy(p.e.Fetch.Dir, p.gr); err != nil {
		p.fail("copy: %v", err)
		return false
	}
	if p.env, err = NewEnv(p.r, p.gr, p.work, p.o.Cache); err == nil {
		err = p.env.CheckGoVersion(ctx)
	}
	if err != nil {
		p.fail("setup: %v", err)
		return false
	}
	p.e.SetupSeconds = time.Since(t0).Seconds()
	dl := "cached"
	if p.e.Fetch.Downloaded {
		dl = "downloaded"
	}
	p.step("toolchain %s in %.1fs; GOROOT copied (%d MB, %d files) in %.1fs; setup %.1fs", dl, p.e.Fetch.Seconds, p.e.Copy.Bytes>>20, p.e.Copy.Files, p.e.Copy.Seconds, p.e.SetupSeconds)
	return true
}

// inspect holds releases.json's facts against the GOROOT and keeps the
// shipped linux object before anything is installed.
func (p *proof) inspect(ctx context.Context) bool {
	facts, err := Inspect(p.gr)
	if err != nil {
		p.fail("inspect: %v", err)
		return false
	}
	if p.e.DataErrors = p.r.Check(facts); len(p.e.DataErrors) > 0 {
		p.fail("releases.json disagrees with the GOROOT: %s", strings.Join(p.e.DataErrors, "; "))
	}
	shipped, err := ShippedObject(p.gr, "linux")
	if err != nil {
		p.fail("%v", err)
		return false
	}
	p.shippedCopy = filepath.Join(p.work, "shipped_race_linux_amd64.syso")
	if err := atomicfile.Copy(p.shippedCopy, shipped); err != nil {
		p.fail("%v", err)
		return false
	}
	p.perp = ObjectsIn(p.o.PerP)
	p.oursDir, p.oursObj = p.o.PerP, p.perp["linux"]
	if p.r.Object == Base {
		p.oursDir, p.oursObj = p.o.Base, ObjectsIn(p.o.Base)["linux"]
	}
	return true
}

// abi holds every object against the release's imports.
func (p *proof) abi(ctx context.Context) bool {
	var err error
	if p.e.ABIChecks, err = CheckABI(p.r, p.gr, p.perp, ObjectsIn(p.o.Base)["linux"], p.shippedCopy); err != nil {
		p.fail("abi: %v", err)
		return false
	}
	p.e.ABI = p.e.ABIChecks.Summary()
	if !p.e.ABIChecks.OK {
		for _, c := range p.e.ABIChecks.Checks {
			if c.Required && !c.OK {
				p.fail("abi: %s lacks %s", c.Object, strings.Join(c.Missing, ", "))
			}
		}
	}
	p.step("abi %s", p.e.ABI)
	return true
}

// leakOn: the seed's claim is measured in this release.
func (p *proof) leakOn() bool { return p.o.Leak && p.r.Leak }

// raceTests runs the suites for side ("ours" or "shipped") with the
// object obj installed, or takes the run this process made before for the
// same release and object (Options.Runs: verify's goroot stage).
func (p *proof) raceTests(ctx context.Context, side, goos, obj string, extra ...string) (racetest.ObjectRun, error) {
	key := racetest.RunKey(p.r.Version, goos, racetest.FileSHA(obj), extra...)
	return p.o.Runs.Do(key, side, func() (racetest.ObjectRun, error) {
		return p.eng.RaceTests(ctx, p.env, side, filepath.Join(p.work, "logs-"+side))
	})
}

// shipped checks that a race build links the shipped object, builds the
// leak program with it where the leak is measured, and runs the suites.
func (p *proof) shipped(ctx context.Context) bool {
	var err error
	if p.e.Provenance.Shipped, err = p.eng.Provenance(ctx, p.env, "shipped", p.oursObj, p.shippedCopy); err != nil {
		p.fail("provenance (shipped): %v", err)
		return false
	}
	if !p.e.Provenance.Shipped.OK() {
		p.fail("a race build with the shipped object installed %s", p.e.Provenance.Shipped)
	}
	if p.leakOn() {
		p.leakBins[1] = filepath.Join(p.work, "leak-shipped")
		if err := p.env.BuildLeakProgram(ctx, p.leakBins[1]); err != nil {
			p.fail("%v", err)
			p.leakBins[1] = ""
		}
	}
	p.step("race tests with the shipped object (%s)", p.e.Provenance.Shipped)
	if p.shippedRun, err = p.raceTests(ctx, "shipped", "linux", p.shippedCopy); err != nil {
		p.fail("race tests (shipped): %v", err)
		return false
	}
	logRun(p.step, p.shippedRun)
	return true
}

// windowsOn: the release is flagged windows and wine is configured.
func (p *proof) windowsOn() bool {
	if p.r.Windows && p.o.Wine == nil && p.e.Windows == nil {
		p.e.Windows = &WindowsResult{Skipped: "not run: no wine configured (Options.Wine)"}
		p.step("windows: %s", p.e.Windows.Skipped)
	}
	return p.r.Windows && p.o.Wine != nil && (p.e.Windows == nil || p.e.Windows.Run)
}

func (p *proof) shippedWindows() string {
	return filepath.Join(p.work, "shipped_race_windows_amd64.syso")
}

// windowsShipped runs the windows suites with the shipped windows object,
// which it keeps for the provenance checks.
func (p *proof) windowsShipped(ctx context.Context) bool {
	if !p.windowsOn() {
		return true
	}
	p.e.Windows = &WindowsResult{Run: true}
	src, err := ShippedObject(p.gr, "windows")
	if err == nil {
		err = atomicfile.Copy(p.shippedWindows(), src)
	}
	if err != nil {
		p.fail("windows: %v", err)
		p.e.Windows.Run = false
		return true
	}
	p.step("windows: race tests cross-built with MinGW, under wine64, with the shipped object")
	run, exe, err := p.eng.WindowsTests(ctx, p.env, "shipped", *p.o.Wine, filepath.Join(p.work, "windows-shipped"))
	if err != nil {
		p.fail("windows (shipped): %v", err)
		p.e.Windows.Run = false
		return true
	}
	logRun(p.step, run)
	w := p.e.Windows
	w.shippedRun = &run
	if w.Provenance.Shipped, err = p.eng.WindowsProvenance(exe, "shipped", p.perp["windows"], p.shippedWindows()); err != nil {
		p.fail("windows provenance (shipped): %v", err)
	}
	return true
}

// ours installs our object (adapting the release's runtime where it must),
// checks that a race build links it, builds the leak program with it, and
// runs the suites.
func (p *proof) ours(ctx context.Context) bool {
	var log strings.Builder
	if err := p.eng.Install(ctx, p.env, p.oursDir, []string{"linux"}, &log); err != nil {
		p.fail("install: %v\n%s", err, log.String())
		return false
	}
	p.step("installed ours: %s", strings.TrimSpace(strings.ReplaceAll(log.String(), "\n", "; ")))
	ta := time.Now()
	var err error
	if p.r.Adapt != "" {
		if p.e.Adaptation, err = p.env.Adapt(ctx); err != nil {
			p.fail("%v", err)
			return false
		}
		p.step("ours runs in go%s adapted (%s; std rebuilt in %.0fs): %s", p.r.Version, p.e.Adaptation, time.Since(ta).Seconds(), Adaptations[p.e.Adaptation].Why)
	}
	if p.e.Provenance.Ours, err = p.eng.Provenance(ctx, p.env, "ours", p.oursObj, p.shippedCopy); err != nil {
		p.fail("provenance (ours): %v", err)
		return false
	}
	if !p.e.Provenance.Ours.OK() {
		p.fail("a race build with our object installed %s", p.e.Provenance.Ours)
		return false
	}
	if p.leakOn() {
		p.leakBins[0] = filepath.Join(p.work, "leak-ours")
		if err := p.env.BuildLeakProgram(ctx, p.leakBins[0]); err != nil {
			p.fail("%v", err)
			p.leakBins[0] = ""
		}
	}
	p.step("race tests with ours (%s)", p.e.Provenance.Ours)
	var extra []string
	if p.e.Adaptation != "" {
		extra = append(extra, "adapted="+p.e.Adaptation)
	}
	if p.oursRun, err = p.raceTests(ctx, "ours", "linux", p.oursObj, extra...); err != nil {
		p.fail("race tests (ours): %v", err)
		return false
	}
	logRun(p.step, p.oursRun)
	return true
}

// judge holds ours against the shipped object's run: every case and test
// that passes with the shipped object must pass with ours, but for the
// expected differences releases.json names.
func (p *proof) judge(ctx context.Context) bool {
	judgeRuns(p.e, p.oursRun, p.shippedRun, p.r.Expected, p.gr, p.step)
	if !p.e.Verdict.OK {
		p.fail("judge: %s", p.e.Verdict.Why)
	}
	p.step("judge: %s", p.e.Verdict.Why)
	runs := filepath.Join(p.work, "runs.json")
	if b, err := json.MarshalIndent([]racetest.ObjectRun{p.shippedRun, p.oursRun}, "", "  "); err == nil && os.WriteFile(runs, b, 0o644) == nil {
		p.e.Runs = runs
	}
	return true
}

// judgeRuns fills the entry's verdict, differences, TestRace column, the
// cases neither run reported, walls and per-suite summary from the two
// runs (gr: the GOROOT whose testdata defines the cases).
func judgeRuns(e *Entry, ours, shipped racetest.ObjectRun, expected []racetest.Expected, gr string, step func(string, ...any)) {
	e.Verdict = racetest.Judge(ours, shipped, expected)
	e.Differences = e.Verdict.Differences
	e.TestRace = racetest.FormatCases(ours, shipped)
	if defined, err := racetest.TestdataCases(gr); err == nil {
		e.CasesDefined = len(defined)
		if e.NotRun = racetest.NotRun(defined, ours, shipped); len(e.NotRun) > 0 {
			step("TestRace: %d of the %d cases runtime/race/testdata defines ran with neither object (from %s on; a build tag, or the testdata run ended early)", len(e.NotRun), len(defined), e.NotRun[0])
		}
	}
	e.WallOurs, e.WallShipped = ours.Seconds, shipped.Seconds
	e.Suites = summarize(ours, shipped)
}

// windowsOurs installs our windows object and runs the windows suites with
// it, then judges them against the shipped object's.
func (p *proof) windowsOurs(ctx context.Context) bool {
	w := p.e.Windows
	if w == nil || !w.Run || w.shippedRun == nil {
		return true
	}
	var log strings.Builder
	if err := p.eng.Install(ctx, p.env, p.o.PerP, []string{"windows"}, &log); err != nil {
		p.fail("windows install: %v\n%s", err, log.String())
		return true
	}
	p.step("windows: race tests under wine64 with ours")
	ours, exe, err := p.eng.WindowsTests(ctx, p.env, "ours", *p.o.Wine, filepath.Join(p.work, "windows-ours"))
	if err != nil {
		p.fail("windows (ours): %v", err)
		return true
	}
	logRun(p.step, ours)
	if w.Provenance.Ours, err = p.eng.WindowsProvenance(exe, "ours", p.perp["windows"], p.shippedWindows()); err != nil {
		p.fail("windows provenance (ours): %v", err)
	}
	judgeWindows(w, ours, *w.shippedRun)
	p.step("windows: %s; TestRace %s; provenance ours %s, shipped %s; flaky %v", w.Verdict.Why, w.TestRace, w.Provenance.Ours, w.Provenance.Shipped, w.Flaky)
	if !w.OK {
		p.fail("windows: %s", w.Verdict.Why)
		p.e.Differences = append(p.e.Differences, w.Verdict.Differences...)
	}
	if b, err := json.MarshalIndent([]racetest.ObjectRun{*w.shippedRun, ours}, "", "  "); err == nil {
		os.WriteFile(filepath.Join(p.work, "windows-runs.json"), b, 0o644)
	}
	return true
}

// judgeWindows fills the windows result from the two runs: OK when ours
// has no regression against the shipped object and both binaries link the
// object they must.
func judgeWindows(w *WindowsResult, ours, shipped racetest.ObjectRun) {
	w.Verdict = racetest.Judge(ours, shipped, nil)
	w.TestRace = racetest.FormatCases(ours, shipped)
	w.WallOurs, w.WallShipped = ours.Seconds, shipped.Seconds
	w.Flaky = nil
	for _, s := range ours.Suites {
		w.Flaky = append(w.Flaky, s.Flaky...)
	}
	w.Suites = summarize(ours, shipped)
	w.OK = w.Verdict.OK && w.Provenance.Ours.OK() && w.Provenance.Shipped.OK()
}

// leak measures the seed's claim with the two leak programs.
func (p *proof) leak(ctx context.Context) bool {
	if !p.leakOn() || p.leakBins[0] == "" || p.leakBins[1] == "" {
		return true
	}
	o := p.o
	l := &racetest.Leak{Sizes: o.LeakSizes, Reps: o.LeakReps, Judged: !racetest.AtLeast(p.r.Version, 1, 8)}
	leakEnv := p.env.Environ()
	if o.LeakGOMAXPROCS > 0 {
		l.GOMAXPROCS = o.LeakGOMAXPROCS
		leakEnv = append(leakEnv, fmt.Sprintf("GOMAXPROCS=%d", o.LeakGOMAXPROCS))
	}
	l.Ours.Object, l.Shipped.Object = "ours ("+p.r.Object+")", "shipped"
	var err1, err2 error
	l.Ours.Provenance, err1 = racetest.ProvenanceOf(racetest.ELFSymbols, p.leakBins[0], "ours", p.oursObj, p.shippedCopy)
	l.Shipped.Provenance, err2 = racetest.ProvenanceOf(racetest.ELFSymbols, p.leakBins[1], "shipped", p.oursObj, p.shippedCopy)
	if err1 != nil || err2 != nil {
		p.fail("leak provenance: %v %v", err1, err2)
	}
	p.step("leak: BenchmarkSyncLeak's body at %v iterations, %d runs each, ours and shipped alternating, GOMAXPROCS=%d (0: default)", o.LeakSizes, o.LeakReps, l.GOMAXPROCS)
	progress := func(s string) { p.step("  %s", s) }
	var err error
	l.Ours.Points, l.Shipped.Points, err = racetest.MeasureLeak(ctx, p.leakBins[0], p.leakBins[1], o.LeakSizes, o.LeakReps, leakEnv, progress)
	if err == nil {
		racetest.JudgeLeak(l, p.r.Object)
		if !l.OK && l.Judged {
			var sizes []int
			sizes, err = racetest.ConfirmLeak(ctx, l, p.leakBins[0], p.leakBins[1], o.LeakReps, leakEnv, progress)
			if len(sizes) > 0 {
				p.step("leak: ours above %.1fx the shipped object at %v iterations: measured again, %d more runs each", racetest.LeakRatioBound, sizes, o.LeakReps)
				racetest.JudgeLeak(l, p.r.Object)
			}
		}
	}
	if err != nil {
		p.fail("leak: %v", err)
	} else {
		for _, w := range l.Why {
			p.step("leak: %s", w)
		}
		if !l.OK {
			p.fail("leak: the seed's claim does not hold (see leak.why)")
		}
	}
	p.e.Leak = l
	return true
}
