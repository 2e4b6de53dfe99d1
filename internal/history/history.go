package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/dist"
)

// maxNamed is how many differences a progress line or table row names.
const maxNamed = 8

// FileName is the report the mage target writes into dist/.
const FileName = dist.HistoryFile

// Options say what to prove where.
type Options struct {
	Releases []Release
	// PerP and Base are dist/ directories (objects, manifest.json,
	// racesyso.patch): the per-P objects of every OS, and the base linux
	// object.
	PerP, Base string
	// Work is scratch space: a GOROOT copy and the logs per release.
	Work string
	// Cache is kept between runs: a GOCACHE per release.
	Cache string
	// ModCache is the module cache the toolchains are fetched into and
	// shared from ("" = the go command's GOMODCACHE).
	ModCache string
	// Leak measures the seed's claim in the releases flagged leak.
	Leak      bool
	LeakSizes []int // default LeakSizes
	LeakReps  int   // default LeakReps
	// LeakGOMAXPROCS: default LeakGOMAXPROCS; -1 leaves GOMAXPROCS to
	// the runtime's default.
	LeakGOMAXPROCS int
	// Wine runs the windows race tests of the releases flagged windows
	// (nil: not run, and the entry says so).
	Wine *Wine
	// KeepGOROOT keeps each release's GOROOT copy (removed by default).
	KeepGOROOT bool
	Log        io.Writer // progress, one line per step
}

// Entry is one release's result. The first fields are the table's columns.
type Entry struct {
	Release string `json:"release"`
	Layout  string `json:"layout"`
	Object  string `json:"object"` // "base" or "perp"
	ABI     string `json:"abi"`    // required checks passed, e.g. "4/4 (72 imports)"
	// TestRace is the TestRace cases passed, ours and shipped ("368/368").
	TestRace    string  `json:"testrace"`
	WallOurs    float64 `json:"wall_seconds_ours"`
	WallShipped float64 `json:"wall_seconds_shipped"`
	OK          bool    `json:"ok"`

	Why []string `json:"why,omitempty"` // what failed, when not OK
	// NotRun: TestRace cases the testdata defines that neither run
	// reported (Go 1.23 and 1.24: the testdata binary panics in
	// TestRaceRangeFuncIterator with either object and TestRace, which
	// before 1.25 does not check that the run completed, passes on what
	// ran). Reported; not a difference between the objects.
	NotRun       []string     `json:"testrace_not_run,omitempty"`
	CasesDefined int          `json:"testrace_cases_defined"`
	Differences  []Difference `json:"differences,omitempty"`
	Fetch        Toolchain    `json:"fetch"`
	Copy         CopyResult   `json:"copy"`
	SetupSeconds float64      `json:"setup_seconds"` // fetch + copy + go version
	DataErrors   []string     `json:"data_errors,omitempty"`
	// Adaptation names the edit of the release's runtime ours ran with.
	Adaptation string `json:"adaptation,omitempty"`
	ABIChecks  ABI    `json:"abi_checks"`
	Provenance struct {
		Shipped Provenance `json:"shipped"`
		Ours    Provenance `json:"ours"`
	} `json:"provenance"`
	Verdict Verdict `json:"verdict"`
	// Suites: per package, exit status and tests passed, ours vs shipped.
	Suites  []SuiteSummary `json:"suites"`
	Leak    *Leak          `json:"leak,omitempty"`
	Windows *WindowsResult `json:"windows,omitempty"`
	Seconds float64        `json:"seconds"`
	Runs    string         `json:"runs,omitempty"` // the full runs (every case and test), a JSON file
}

// WindowsResult is the windows race tests of a release under wine64, ours
// (the per-P windows object) against the shipped windows object.
type WindowsResult struct {
	Run        bool   `json:"run"`
	Skipped    string `json:"skipped,omitempty"` // why not run
	Provenance struct {
		Shipped Provenance `json:"shipped"`
		Ours    Provenance `json:"ours"`
	} `json:"provenance"`
	TestRace    string         `json:"testrace"` // cases passed, ours/shipped
	WallOurs    float64        `json:"wall_seconds_ours"`
	WallShipped float64        `json:"wall_seconds_shipped"`
	Flaky       []string       `json:"flaky,omitempty"` // ours, passed on a rerun alone
	Verdict     Verdict        `json:"verdict"`
	Suites      []SuiteSummary `json:"suites"`
	OK          bool           `json:"ok"`
}

// SuiteSummary is one package's run with both objects.
type SuiteSummary struct {
	Package        string  `json:"package"`
	ExitOurs       bool    `json:"exit_ok_ours"`
	ExitShipped    bool    `json:"exit_ok_shipped"`
	PassedOurs     int     `json:"tests_passed_ours"`
	PassedShipped  int     `json:"tests_passed_shipped"`
	SecondsOurs    float64 `json:"seconds_ours"`
	SecondsShipped float64 `json:"seconds_shipped"`
	CasesFrom      string  `json:"cases_from,omitempty"`
}

// Report is dist/history.json.
type Report struct {
	Command  string            `json:"command,omitempty"`
	Started  time.Time         `json:"started"`
	Seconds  float64           `json:"seconds"`
	Objects  map[string]string `json:"objects"` // "perp/linux" -> sha256
	Releases []Entry           `json:"releases"`
	OK       bool              `json:"ok"`
}

// Run proves the objects in every release of o.Releases, one after the
// other, and returns the report (OK when every release is).
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(o.LeakSizes) == 0 {
		o.LeakSizes = LeakSizes
	}
	if o.LeakReps == 0 {
		o.LeakReps = LeakReps
	}
	if o.LeakGOMAXPROCS == 0 {
		o.LeakGOMAXPROCS = LeakGOMAXPROCS
	}
	// Commands run in other directories: every path must be absolute.
	for _, p := range []*string{&o.PerP, &o.Base, &o.Work, &o.Cache, &o.ModCache} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if o.Wine != nil {
		w := *o.Wine
		if w.Prefix == "" {
			w.Prefix = filepath.Join(o.Cache, "wineprefix")
		}
		abs, err := filepath.Abs(w.Prefix)
		if err != nil {
			return nil, err
		}
		w.Prefix, o.Wine = abs, &w
	}
	if o.Work == "" || o.Cache == "" {
		return nil, fmt.Errorf("history: Options.Work and Options.Cache are required")
	}
	if mod := EnclosingModule(o.Work); mod != "" {
		return nil, fmt.Errorf("history: the scratch directory %s is inside the Go module of %s: the go commands of Go 1.11 to 1.15 would load that go.mod for the programs built there (and for runtime/race's TestOutput, which runs go in TMPDIR); put it outside any module (RACESYSO_CACHE)", o.Work, mod)
	}
	rep := &Report{Started: time.Now(), Objects: map[string]string{}, OK: true}
	perp := ObjectsIn(o.PerP)
	for _, goos := range []string{"darwin", "freebsd", "linux", "windows"} {
		if perp[goos] == "" {
			return nil, fmt.Errorf("no per-P %s object (race_%s_amd64.syso) in %s", goos, goos, o.PerP)
		}
	}
	base := ObjectsIn(o.Base)["linux"]
	if base == "" {
		return nil, fmt.Errorf("no base linux object in %s", o.Base)
	}
	for goos, p := range perp {
		rep.Objects["perp/"+goos] = fileSHA(p)
	}
	rep.Objects["base/linux"] = fileSHA(base)
	for i, r := range o.Releases {
		logf(o.Log, "history: [%d/%d] go%s (%s object, layout %s)", i+1, len(o.Releases), r.Version, r.Object, r.Layout)
		e := RunRelease(ctx, r, o)
		logf(o.Log, "history: go%s: %s", r.Version, e.Line())
		rep.Releases = append(rep.Releases, e)
		rep.OK = rep.OK && e.OK
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

// EnclosingModule is the go.mod in dir or the nearest parent that has one
// ("" when none).
func EnclosingModule(dir string) string {
	for d := filepath.Clean(dir); ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "go.mod")
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// Line is the entry as one progress line.
func (e Entry) Line() string {
	s := fmt.Sprintf("ok=%v abi %s, TestRace %s, wall %.0fs/%.0fs (ours/shipped), setup %.1fs", e.OK, e.ABI, e.TestRace, e.WallOurs, e.WallShipped, e.SetupSeconds)
	if len(e.Differences) > 0 {
		var ds []string
		for i, d := range e.Differences {
			if i == maxNamed {
				ds = append(ds, fmt.Sprintf("and %d more (see the report)", len(e.Differences)-maxNamed))
				break
			}
			ds = append(ds, d.String())
		}
		s += "; differences: " + strings.Join(ds, "; ")
	}
	if len(e.Why) > 0 {
		s += "; " + strings.Join(e.Why, "; ")
	}
	return s
}

func logf(w io.Writer, f string, a ...any) { fmt.Fprintf(w, f+"\n", a...) }

// RunRelease proves our object in one release: fetch, copy, the facts, the
// ABI table, Go's race tests with the shipped object and then with ours
// (each after a provenance check of what a race build links), the judge,
// and the leak measurement where the release is flagged.
func RunRelease(ctx context.Context, r Release, o Options) (e Entry) {
	t0 := time.Now()
	e = Entry{Release: "go" + r.Version, Layout: r.Layout, Object: r.Object}
	step := func(f string, a ...any) { logf(o.Log, "history:   go%s: "+f, append([]any{r.Version}, a...)...) }
	fail := func(f string, a ...any) {
		e.Why = append(e.Why, fmt.Sprintf(f, a...))
		step("FAIL: "+f, a...)
	}
	defer func() {
		e.Seconds = time.Since(t0).Seconds()
		e.OK = len(e.Why) == 0
	}()
	work := filepath.Join(o.Work, "go"+r.Version)
	gr := filepath.Join(work, "goroot")
	if !o.KeepGOROOT {
		defer os.RemoveAll(gr)
	}

	// Setup: fetch (cached), copy, go version.
	var err error
	if e.Fetch, err = Fetch(ctx, r.Version, o.ModCache); err != nil {
		fail("fetch: %v", err)
		return
	}
	if e.Copy, err = CopyGOROOT(e.Fetch.Dir, gr); err != nil {
		fail("copy: %v", err)
		return
	}
	env, err := NewEnv(r, gr, work, o.Cache)
	if err == nil {
		err = env.CheckGoVersion(ctx)
	}
	if err != nil {
		fail("setup: %v", err)
		return
	}
	e.SetupSeconds = time.Since(t0).Seconds()
	dl := "cached"
	if e.Fetch.Downloaded {
		dl = "downloaded"
	}
	step("toolchain %s in %.1fs; GOROOT copied (%d MB, %d files) in %.1fs; setup %.1fs", dl, e.Fetch.Seconds, e.Copy.Bytes>>20, e.Copy.Files, e.Copy.Seconds, e.SetupSeconds)

	facts, err := Inspect(gr)
	if err != nil {
		fail("inspect: %v", err)
		return
	}
	if e.DataErrors = r.Check(facts); len(e.DataErrors) > 0 {
		fail("releases.json disagrees with the GOROOT: %s", strings.Join(e.DataErrors, "; "))
	}

	// The shipped linux object, kept before anything is installed.
	shipped, err := ShippedObject(gr, "linux")
	if err != nil {
		fail("%v", err)
		return
	}
	shippedCopy := filepath.Join(work, "shipped_race_linux_amd64.syso")
	if err := atomicfile.Copy(shippedCopy, shipped); err != nil {
		fail("%v", err)
		return
	}
	perp := ObjectsIn(o.PerP)
	base := ObjectsIn(o.Base)["linux"]
	oursDir, oursObj := o.PerP, perp["linux"]
	if r.Object == Base {
		oursDir, oursObj = o.Base, base
	}

	// ABI: every object against the release's imports.
	if e.ABIChecks, err = CheckABI(r, gr, perp, base, shippedCopy); err != nil {
		fail("abi: %v", err)
		return
	}
	e.ABI = e.ABIChecks.Summary()
	if !e.ABIChecks.OK {
		for _, c := range e.ABIChecks.Checks {
			if c.Required && !c.OK {
				fail("abi: %s lacks %s", c.Object, strings.Join(c.Missing, ", "))
			}
		}
	}
	step("abi %s", e.ABI)

	leak := o.Leak && r.Leak
	var shippedLeakBin, oursLeakBin string

	// The shipped object's run.
	if e.Provenance.Shipped, err = env.CheckProvenance(ctx, "shipped", oursObj, shippedCopy); err != nil {
		fail("provenance (shipped): %v", err)
		return
	}
	if !e.Provenance.Shipped.OK() {
		fail("a race build with the shipped object installed %s", e.Provenance.Shipped)
	}
	if leak {
		shippedLeakBin = filepath.Join(work, "leak-shipped")
		if err := env.BuildLeakProgram(ctx, shippedLeakBin); err != nil {
			fail("%v", err)
			leak = false
		}
	}
	step("race tests with the shipped object (%s)", e.Provenance.Shipped)
	shippedRun, err := env.RunRaceTests(ctx, "shipped", filepath.Join(work, "logs-shipped"))
	if err != nil {
		fail("race tests (shipped): %v", err)
		return
	}
	logRun(step, shippedRun)

	var winShipped ObjectRun
	var winShippedExe string
	win := r.Windows && o.Wine != nil
	if r.Windows && o.Wine == nil {
		e.Windows = &WindowsResult{Skipped: "not run: no wine configured (Options.Wine)"}
		step("windows: %s", e.Windows.Skipped)
	}
	if win {
		e.Windows = &WindowsResult{Run: true}
		step("windows: race tests cross-built with MinGW, under wine64, with the shipped object")
		winShipped, winShippedExe, err = env.RunWindowsRaceTests(ctx, "shipped", *o.Wine, filepath.Join(work, "windows-shipped"))
		if err != nil {
			fail("windows (shipped): %v", err)
			win = false
		} else {
			logRun(step, winShipped)
		}
	}
	shippedWin := filepath.Join(work, "shipped_race_windows_amd64.syso")
	if win {
		p, err := ShippedObject(gr, "windows")
		if err == nil {
			err = atomicfile.Copy(shippedWin, p)
		}
		if err != nil {
			fail("windows: %v", err)
			win = false
		}
	}

	// Ours.
	var log strings.Builder
	if err := env.Install(ctx, oursDir, []string{"linux"}, &log); err != nil {
		fail("install: %v\n%s", err, log.String())
		return
	}
	step("installed ours: %s", strings.TrimSpace(strings.ReplaceAll(log.String(), "\n", "; ")))
	ta := time.Now()
	if e.Adaptation, err = env.Adapt(ctx); err != nil {
		fail("%v", err)
		return
	} else if e.Adaptation != "" {
		step("ours runs in go%s adapted (%s; std rebuilt in %.0fs): %s", r.Version, e.Adaptation, time.Since(ta).Seconds(), Adaptations[e.Adaptation].Why)
	}
	if e.Provenance.Ours, err = env.CheckProvenance(ctx, "ours", oursObj, shippedCopy); err != nil {
		fail("provenance (ours): %v", err)
		return
	}
	if !e.Provenance.Ours.OK() {
		fail("a race build with our object installed %s", e.Provenance.Ours)
		return
	}
	if leak {
		oursLeakBin = filepath.Join(work, "leak-ours")
		if err := env.BuildLeakProgram(ctx, oursLeakBin); err != nil {
			fail("%v", err)
			leak = false
		}
	}
	step("race tests with ours (%s)", e.Provenance.Ours)
	oursRun, err := env.RunRaceTests(ctx, "ours", filepath.Join(work, "logs-ours"))
	if err != nil {
		fail("race tests (ours): %v", err)
		return
	}
	logRun(step, oursRun)

	// Judge.
	e.Verdict = Judge(oursRun, shippedRun, r.Expected)
	e.Differences = e.Verdict.Differences
	e.TestRace = FormatCases(oursRun, shippedRun)
	if defined, err := TestdataCases(gr); err == nil {
		e.CasesDefined = len(defined)
		if e.NotRun = NotRun(defined, oursRun, shippedRun); len(e.NotRun) > 0 {
			step("TestRace: %d of the %d cases runtime/race/testdata defines ran with neither object (from %s on; a build tag, or the testdata run ended early)", len(e.NotRun), len(defined), e.NotRun[0])
		}
	}
	e.WallOurs, e.WallShipped = oursRun.Seconds, shippedRun.Seconds
	e.Suites = summarize(oursRun, shippedRun)
	if !e.Verdict.OK {
		fail("judge: %s", e.Verdict.Why)
	}
	step("judge: %s", e.Verdict.Why)
	runs := filepath.Join(work, "runs.json")
	if b, err := json.MarshalIndent([]ObjectRun{shippedRun, oursRun}, "", "  "); err == nil && os.WriteFile(runs, b, 0o644) == nil {
		e.Runs = runs
	}

	// Windows, ours.
	if win {
		e.Windows.Provenance.Shipped, err = PEProvenance(winShippedExe, "shipped", perp["windows"], shippedWin)
		if err != nil {
			fail("windows provenance (shipped): %v", err)
		}
		var wlog strings.Builder
		if err := env.Install(ctx, o.PerP, []string{"windows"}, &wlog); err != nil {
			fail("windows install: %v\n%s", err, wlog.String())
		} else {
			step("windows: race tests under wine64 with ours")
			winOurs, exe, err := env.RunWindowsRaceTests(ctx, "ours", *o.Wine, filepath.Join(work, "windows-ours"))
			if err != nil {
				fail("windows (ours): %v", err)
			} else {
				logRun(step, winOurs)
				w := e.Windows
				w.Provenance.Ours, err = PEProvenance(exe, "ours", perp["windows"], shippedWin)
				if err != nil {
					fail("windows provenance (ours): %v", err)
				}
				w.Verdict = Judge(winOurs, winShipped, nil)
				w.TestRace = FormatCases(winOurs, winShipped)
				w.WallOurs, w.WallShipped = winOurs.Seconds, winShipped.Seconds
				for _, s := range winOurs.Suites {
					w.Flaky = append(w.Flaky, s.Flaky...)
				}
				w.Suites = summarize(winOurs, winShipped)
				w.OK = w.Verdict.OK && w.Provenance.Ours.OK() && w.Provenance.Shipped.OK()
				step("windows: %s; TestRace %s; provenance ours %s, shipped %s; flaky %v", w.Verdict.Why, w.TestRace, w.Provenance.Ours, w.Provenance.Shipped, w.Flaky)
				if !w.OK {
					fail("windows: %s", w.Verdict.Why)
					e.Differences = append(e.Differences, w.Verdict.Differences...)
				}
				if b, err := json.MarshalIndent([]ObjectRun{winShipped, winOurs}, "", "  "); err == nil {
					os.WriteFile(filepath.Join(work, "windows-runs.json"), b, 0o644)
				}
			}
		}
	}

	// The leak.
	if leak {
		l := &Leak{Sizes: o.LeakSizes, Reps: o.LeakReps, Judged: !AtLeast(r.Version, 1, 8)}
		leakEnv := env.Environ()
		if o.LeakGOMAXPROCS > 0 {
			l.GOMAXPROCS = o.LeakGOMAXPROCS
			leakEnv = append(leakEnv, fmt.Sprintf("GOMAXPROCS=%d", o.LeakGOMAXPROCS))
		}
		l.Ours.Object, l.Shipped.Object = "ours ("+r.Object+")", "shipped"
		var err1, err2 error
		l.Ours.Provenance, err1 = BinaryProvenance(oursLeakBin, "ours", oursObj, shippedCopy)
		l.Shipped.Provenance, err2 = BinaryProvenance(shippedLeakBin, "shipped", oursObj, shippedCopy)
		if err1 != nil || err2 != nil {
			fail("leak provenance: %v %v", err1, err2)
		}
		step("leak: BenchmarkSyncLeak's body at %v iterations, %d runs each, ours and shipped alternating, GOMAXPROCS=%d (0: default)", o.LeakSizes, o.LeakReps, l.GOMAXPROCS)
		l.Ours.Points, l.Shipped.Points, err = MeasureLeak(ctx, oursLeakBin, shippedLeakBin, o.LeakSizes, o.LeakReps, leakEnv,
			func(s string) { step("  %s", s) })
		if err == nil {
			JudgeLeak(l, r.Object)
			if !l.OK && l.Judged {
				var sizes []int
				sizes, err = ConfirmLeak(ctx, l, oursLeakBin, shippedLeakBin, o.LeakReps, leakEnv, func(s string) { step("  %s", s) })
				if len(sizes) > 0 {
					step("leak: ours above %.1fx the shipped object at %v iterations: measured again, %d more runs each", LeakRatioBound, sizes, o.LeakReps)
					JudgeLeak(l, r.Object)
				}
			}
		}
		if err != nil {
			fail("leak: %v", err)
		} else {
			for _, w := range l.Why {
				step("leak: %s", w)
			}
			if !l.OK {
				fail("leak: the seed's claim does not hold (see leak.why)")
			}
		}
		e.Leak = l
	}
	return e
}

func logRun(step func(string, ...any), r ObjectRun) {
	p, t := r.CasesPassed()
	var parts []string
	for _, s := range r.Suites {
		parts = append(parts, fmt.Sprintf("%s exit ok=%v, %d tests passed, %.0fs", s.Package, s.ExitOK, countPassed(s.Tests), s.Seconds))
	}
	step("%s: TestRace %d of %d cases passed; %s", r.Object, p, t, strings.Join(parts, "; "))
}

// summarize pairs the runs' suites: the i-th suite of a package in ours
// with the i-th of that package in shipped's.
func summarize(ours, shipped ObjectRun) []SuiteSummary {
	var out []SuiteSummary
	nth := map[string]int{}
	for _, s := range ours.Suites {
		var ss SuiteRun
		k := 0
		for _, x := range shipped.Suites {
			if x.Package == s.Package {
				if k == nth[s.Package] {
					ss = x
				}
				k++
			}
		}
		nth[s.Package]++
		out = append(out, SuiteSummary{Package: s.Package, ExitOurs: s.ExitOK, ExitShipped: ss.ExitOK,
			PassedOurs: countPassed(s.Tests), PassedShipped: countPassed(ss.Tests), SecondsOurs: s.Seconds, SecondsShipped: ss.Seconds,
			CasesFrom: s.CasesFrom + "/" + ss.CasesFrom})
	}
	return out
}

func countPassed(ts []Test) int {
	n := 0
	for _, t := range ts {
		if t.Result == Pass {
			n++
		}
	}
	return n
}

func fileSHA(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// WriteJSON writes the report atomically.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}

// Table is the report as README's markdown table: one row per release.
func (rep *Report) Table() string {
	var b strings.Builder
	b.WriteString("| release | layout | object | abi | TestRace passed ours/shipped | wall s ours/shipped | ok |\n")
	b.WriteString("| --- | --- | --- | --- | ---: | ---: | --- |\n")
	for _, e := range rep.Releases {
		ok := "ok"
		if !e.OK {
			ok = "FAIL"
		}
		if len(e.NotRun) > 0 {
			ok += fmt.Sprintf("; TestRace: %d of %d testdata cases ran with neither", len(e.NotRun), e.CasesDefined)
		}
		if len(e.Differences) > 0 {
			var names []string
			for i, d := range e.Differences {
				if i == maxNamed {
					names = append(names, fmt.Sprintf("%d more", len(e.Differences)-maxNamed))
					break
				}
				n := d.Name + " (" + d.Shipped + "→" + d.Ours
				if d.Expected {
					n += ", expected"
				}
				names = append(names, n+")")
			}
			ok += "; differs: " + strings.Join(names, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.0f / %.0f | %s |\n", e.Release, e.Layout, e.Object, e.ABI, e.TestRace, e.WallOurs, e.WallShipped, ok)
	}
	return b.String()
}

// LeakTable is the leak measurements as a markdown table.
func (rep *Report) LeakTable() string {
	var b strings.Builder
	b.WriteString("| release | iterations | ours peak MiB | shipped peak MiB | ours ns/op | shipped ns/op | RSS ratio | ns ratio |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, e := range rep.Releases {
		if e.Leak == nil {
			continue
		}
		for i, o := range e.Leak.Ours.Points {
			if i >= len(e.Leak.Shipped.Points) {
				break
			}
			s := e.Leak.Shipped.Points[i]
			fmt.Fprintf(&b, "| %s (%s) | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |\n", e.Release, e.Leak.Ours.Object, o.Iterations,
				o.PeakMiB, s.PeakMiB, o.NsPerOp, s.NsPerOp, ratio(o.PeakMiB, s.PeakMiB), ratio(o.NsPerOp, s.NsPerOp))
		}
	}
	return b.String()
}
