package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/compile"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/racetest"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/verify"
)

// goJudge installs our objects into a copy of the GOROOT and runs Go's own
// race tests there with the engine (internal/racetest), next to the same
// runs with the shipped objects, then BenchmarkSyncLeak with both.
// RACESYSO_SKIP_GOROOT_TESTS=1 leaves it out (the report says so). The
// runs are remembered in c.Runs: the history stage, reaching the same
// release, takes them rather than running the suites again.
func goJudge(c *Context, m *dist.Manifest, rep *verify.Report) {
	if c.Config.SkipGorootTests {
		rep.Add(verify.Skip("goroot", "linux", "RACESYSO_SKIP_GOROOT_TESTS=1: Go's own race tests, BenchmarkSyncLeak and the limits were not run"))
		return
	}
	if _, ok := m.Targets["linux"]; !ok {
		rep.Add(verify.Skip("goroot", "linux", "not run: no linux object in dist/ (Go's race tests run on linux; build with RACE_TARGETS including linux)"))
		return
	}
	shipped := c.GOROOT()
	if shipped == "" {
		var err error
		if shipped, err = goroot.Default(); err != nil {
			rep.Add(verify.Result{Name: "goroot", Target: "linux", Status: verify.Failed, Summary: err.Error()})
			return
		}
	}
	ctx, cancel := context.WithTimeout(c.ctx(), 45*time.Minute)
	defer cancel()
	logf := func(f string, a ...any) { fmt.Fprintf(c.Log, f+"\n", a...) }
	dir := filepath.Join(c.BuildDir, "goroot-judge")
	ours := filepath.Join(dir, "goroot")
	logf("goroot: copying %s (%s) to %s", shipped, goroot.Version(shipped), ours)
	_, err := goroot.Copy(shipped, ours)
	linux := []string{"linux"}
	if _, ok := m.Targets["linux-v3"]; ok {
		linux = append(linux, "linux-v3")
	}
	if err == nil {
		err = c.installInto(ours, linux)
	}
	if err != nil {
		rep.Add(verify.Result{Name: "goroot", Target: "linux", Status: verify.Failed, Summary: "cannot install our linux object into a copy of " + shipped + ": " + err.Error()})
		return
	}
	j := &gorootJudge{c: c, shipped: shipped, ours: ours, dir: dir, version: strings.TrimPrefix(goroot.Version(shipped), "go")}
	if _, ok := m.Targets["windows"]; ok {
		j.windows(ctx, rep)
	}
	j.linux(ctx, rep, "linux", "goroot/", "with our object installed in "+goroot.Version(shipped), nil)
	if len(linux) > 1 {
		if miss := goroot.HostMissingV3(); len(miss) > 0 {
			rep.Add(verify.Skip("goroot/GOAMD64=v3", "linux-v3", "not run: this CPU lacks x86-64-v3 ("+strings.Join(miss, ", ")+" missing from /proc/cpuinfo): a v3 object is not run here"))
		} else {
			j.linux(ctx, rep, "linux-v3", "goroot/GOAMD64=v3 ", "with our v3 object in internal/amd64v3 of "+goroot.Version(shipped), []string{"GOAMD64=v3"})
		}
	}
	c.limits(ctx, shipped, ours, dir, rep)
	c.syncLeak(ctx, shipped, ours, dir, rep)
}

// gorootJudge is one goroot stage: the shipped GOROOT, the copy holding
// ours, and the engine's environments for both.
type gorootJudge struct {
	c                  *Context
	shipped, ours, dir string
	version            string // "1.26.8"
}

// env is the engine's environment for the go command of root (ours or
// shipped), with extra added: its GOCACHE (shared by both objects: the
// .syso is part of every cache key) and scratch live in the cache
// directory, outside any module.
func (j *gorootJudge) env(root, side string, extra []string) (*racetest.Env, error) {
	base := filepath.Join(j.c.Config.CacheDir, "goroot-judge")
	e, err := racetest.NewEnv(j.version, root, filepath.Join(base, "work", j.c.Profile(), side), filepath.Join(base, "gocache-go"+j.version))
	if err != nil {
		return nil, err
	}
	e.Extra, e.Log = extra, j.c.Log
	return e, nil
}

// run runs the engine's suites (Packages) in root for target's slot, or
// takes the run c.Runs remembers for the same release and object.
func (j *gorootJudge) run(ctx context.Context, root, side, target string, extra []string, windows bool) (racetest.ObjectRun, error) {
	e, err := j.env(root, side, extra)
	if err != nil {
		return racetest.ObjectRun{}, err
	}
	obj, err := slotObject(root, target)
	if err != nil {
		return racetest.ObjectRun{}, err
	}
	goos := targets.GOOSOf(target)
	key := racetest.RunKey(j.version, goos, racetest.FileSHA(obj), extra...)
	logs := filepath.Join(j.dir, "logs-"+target+"-"+side)
	return j.c.Runs.Do(key, side, func() (racetest.ObjectRun, error) {
		fmt.Fprintf(j.c.Log, "goroot: %s race tests in %s with the %s object (%s)\n", goos, goroot.Version(root), side, obj)
		if windows {
			w := racetest.Wine{Prefix: filepath.Join(j.c.Config.CacheDir, "goroot-judge", "wineprefix")}
			r, _, err := e.RunWindowsRaceTests(ctx, side, w, logs)
			return r, err
		}
		return e.RunRaceTests(ctx, side, logs)
	})
}

// slotObject is the object root's go command links for target (the
// GOROOT's own slot; its backup is not what is linked).
func slotObject(root, target string) (string, error) {
	slots, err := goroot.Slots(root, target)
	if err != nil {
		return "", err
	}
	if len(slots) == 0 {
		return "", fmt.Errorf("%s has no slot for %s", root, target)
	}
	return filepath.Join(root, slots[0].Syso), nil
}

// linux adds a row per package of the engine's suites: ours judged on its
// own (every suite passed, every TestRace case that ran passed), next to
// the shipped object's run, with the differences between the two named.
func (j *gorootJudge) linux(ctx context.Context, rep *verify.Report, target, prefix, where string, extra []string) {
	o, oerr := j.run(ctx, j.ours, "ours", target, extra, false)
	s, serr := j.run(ctx, j.shipped, "shipped", target, extra, false)
	if oerr != nil {
		rep.Add(verify.Result{Name: prefix + "race tests", Target: target, Status: verify.Failed, Summary: "ours: " + oerr.Error()})
		return
	}
	envText := strings.Join(extra, " ")
	if envText != "" {
		envText += " "
	}
	v := racetest.Judge(o, s, nil)
	for _, pkg := range racetest.Packages {
		op, sp := o.Package(pkg), s.Package(pkg)
		ok, why := op.Judge()
		r := verify.Result{
			Name: prefix + pkg, Target: target, Status: verify.PassIf(ok),
			Summary:  fmt.Sprintf("ours: %s in %.1fs; shipped: %s in %.1fs (wall ours/shipped %.2f)", describe(op), op.Seconds, describe(sp), sp.Seconds, op.Seconds/sp.Seconds),
			Proved:   fmt.Sprintf("`%sgo test -race -short -count=1 -v %s` %s (internal/racetest)", envText, pkg, where),
			Unproved: "other packages' race tests",
			Figures:  []verify.Figure{verify.Point("wall", "s", verify.Val("ours", op.Seconds), verify.Val("shipped", sp.Seconds))},
		}
		if serr != nil {
			r.Summary += "; the shipped object's run failed: " + serr.Error()
		}
		for _, d := range v.Differences {
			if strings.HasPrefix(d.Name, pkg+".") || (pkg == "runtime/race" && d.Kind == "case") {
				r.Details = append(r.Details, "differs from the shipped object: "+d.String())
			}
		}
		if !ok {
			r.Summary = why + "; " + r.Summary
			for _, su := range op.Suites {
				r.Details = append(r.Details, "log: "+su.Log)
			}
		}
		rep.Add(r)
	}
}

// describe is a run's verdict and TestRace count, for a summary.
func describe(r racetest.ObjectRun) string {
	ok, why := r.Judge()
	s := "ok"
	if !ok {
		s = "FAIL (" + why + ")"
	}
	if p, t := r.CasesPassed(); t > 0 {
		s += fmt.Sprintf(", TestRace %d of %d cases passed", p, t)
	} else if n := len(r.Suites); n > 0 {
		passed := 0
		for _, su := range r.Suites {
			for _, t := range su.Tests {
				if t.Result == racetest.Pass {
					passed++
				}
			}
		}
		s += fmt.Sprintf(", %d tests passed", passed)
	}
	return s
}

// syncLeak runs Go's BenchmarkSyncLeak with ours and the shipped object and
// judges ours bounded; when the profile claims parity with the shipped
// objects (targets.Parity), a second result judges the ratio on medians of
// repeated runs.
func (c *Context) syncLeak(ctx context.Context, shipped, ours, dir string, rep *verify.Report) {
	logf := func(f string, a ...any) { fmt.Fprintf(c.Log, f+"\n", a...) }
	parity := c.Prof.Spec.ShippedParity
	judged := parity != nil && parity.SyncLeakPeakRSS > 0
	reps := 1
	if judged {
		reps = racetest.SyncLeakParityReps
	}
	logf("goroot: BenchmarkSyncLeak at -benchtime %v, %d run(s) each, ours and shipped alternating", racetest.SyncLeakIterations, reps)
	op, sp, oerr, serr := racetest.SyncLeakPair(ctx, ours, shipped, dir, racetest.SyncLeakIterations, reps)
	r := verify.Result{Name: "goroot/BenchmarkSyncLeak", Target: "linux",
		Proved: "peak RSS of Go's own BenchmarkSyncLeak under -race stays bounded as the work grows"}
	if oerr != nil {
		r.Status, r.Summary = verify.Failed, oerr.Error()
		rep.Add(r)
		return
	}
	r.Details = append(r.Details, "iterations  ours peak MiB  shipped peak MiB  ours/shipped  ours s  shipped s  (medians; runs: ours | shipped)")
	for i, p := range op {
		sm, ss, ratio, runs := "-", "-", "-", fmt.Sprintf("%.0f", p.Samples)
		if serr == nil && i < len(sp) {
			sm, ss = fmt.Sprintf("%.0f", sp[i].PeakMiB), fmt.Sprintf("%.1f", sp[i].Seconds)
			ratio = fmt.Sprintf("%.2f", p.PeakMiB/sp[i].PeakMiB)
			runs += fmt.Sprintf(" | %.0f", sp[i].Peaks())
		}
		r.Details = append(r.Details, fmt.Sprintf("%10d  %12.0f  %16s  %12s  %6.1f  %9s  %s", p.Iterations, p.PeakMiB, sm, ratio, p.Seconds, ss, runs))
	}
	for _, l := range r.Details {
		logf("  %s", l)
	}
	r.Figures = []verify.Figure{syncLeakFigure(op, sp, serr)}
	ok, summary := racetest.SyncLeakBounded(op)
	r.Status, r.Summary = verify.PassIf(ok), "ours "+summary
	if serr == nil {
		_, ssum := racetest.SyncLeakBounded(sp)
		r.Summary += "; shipped " + ssum
	} else {
		r.Summary += "; shipped: " + strings.SplitN(serr.Error(), "\n", 2)[0]
	}
	rep.Add(r)
	if !judged {
		return
	}
	judgedFig := r.Figures[0]
	judgedFig.Bound = parity.SyncLeakPeakRSS
	p := verify.Result{Name: "goroot/BenchmarkSyncLeak-vs-shipped", Target: "linux", Details: r.Details, Figures: []verify.Figure{judgedFig},
		Proved:   fmt.Sprintf("the %s profile's claim (its targets.json, shipped_parity): BenchmarkSyncLeak's peak RSS within %.2fx of %s's shipped object over the levels (geometric mean of the medians' ratios), no level above %.2fx", c.Profile(), parity.SyncLeakPeakRSS, goroot.Version(shipped), parity.SyncLeakPeakRSS+racetest.SyncLeakLevelSlack),
		Unproved: "other programs' memory; speed (the wall times are reported, not judged)"}
	if serr != nil {
		p.Status, p.Summary = verify.Failed, "the shipped object's series failed, nothing to compare: "+serr.Error()
	} else {
		ok, sum := racetest.SyncLeakParity(op, sp, parity.SyncLeakPeakRSS)
		p.Status, p.Summary = verify.PassIf(ok), sum
	}
	rep.Add(p)
}

// syncLeakFigure is BenchmarkSyncLeak's median peak RSS per level, ours
// and (when its series ran) shipped.
func syncLeakFigure(op, sp []racetest.LeakPoint, serr error) verify.Figure {
	f := verify.Figure{Name: "BenchmarkSyncLeak peak RSS", Unit: "MiB", X: "iterations"}
	ours := verify.Series{Name: "ours"}
	for _, p := range op {
		f.Xs = append(f.Xs, float64(p.Iterations))
		ours.Values = append(ours.Values, p.PeakMiB)
	}
	f.Series = append(f.Series, ours)
	if serr == nil && len(sp) == len(op) {
		shipped := verify.Series{Name: "shipped"}
		for _, p := range sp {
			shipped.Values = append(shipped.Values, p.PeakMiB)
		}
		f.Series = append(f.Series, shipped)
	}
	return f
}

// windows installs our windows object into the GOROOT copy and runs the
// engine's windows suites under wine64 with it and with the shipped one.
func (j *gorootJudge) windows(ctx context.Context, rep *verify.Report) {
	r := verify.Result{Name: "goroot/windows-under-wine", Target: "windows",
		Proved:   "Go's own windows/amd64 race tests (TestRace's testdata run by TestRace's rule, runtime/race's other tests, TestOutput's table, sync, sync/atomic, a racy program), cross-built with MinGW, pass under wine64 with our object (internal/racetest)",
		Unproved: "a real Windows kernel: wine is not Windows (the release workflow runs the smoke test on a Windows runner)"}
	if _, err := os.Stat(compile.Wine64); err != nil {
		r.Status, r.Summary = verify.Skipped, "not run: wine64 is missing: install it with `apt-get install wine64` (or run `go run mage.go tools`)"
		rep.Add(r)
		return
	}
	if err := j.c.installInto(j.ours, []string{"windows"}); err != nil {
		r.Status, r.Summary = verify.Failed, "cannot install our windows object: "+err.Error()
		rep.Add(r)
		return
	}
	fmt.Fprintln(j.c.Log, "goroot: windows race tests under wine64, ours then shipped")
	o, oerr := j.run(ctx, j.ours, "ours", "windows", nil, true)
	s, serr := j.run(ctx, j.shipped, "shipped", "windows", nil, true)
	if oerr != nil {
		r.Status, r.Summary = verify.Failed, "ours: "+oerr.Error()
		rep.Add(r)
		return
	}
	ok, why := o.Judge()
	r.Status = verify.PassIf(ok)
	of, sf := o.Failed(), s.Failed()
	r.Summary = fmt.Sprintf("ours: %s, %d failures in %.0fs; shipped: %s, %d failures in %.0fs", describe(o), len(of), o.Seconds, describe(s), len(sf), s.Seconds)
	if serr != nil {
		r.Summary += "; the shipped object's run failed: " + serr.Error()
	}
	if !ok {
		r.Summary = why + "; " + r.Summary
	}
	for _, su := range o.Suites {
		r.Details = append(r.Details, fmt.Sprintf("ours %s (%s): exit ok=%v, %.0fs; flaky %v", su.Package, strings.Join(su.Args, " "), su.ExitOK, su.Seconds, su.Flaky))
	}
	for _, d := range racetest.Judge(o, s, nil).Differences {
		r.Details = append(r.Details, "differs from the shipped object: "+d.String())
	}
	r.Figures = []verify.Figure{
		verify.Point("wall (run under wine64)", "s", verify.Val("ours", o.Seconds), verify.Val("shipped", s.Seconds)),
		verify.Point("failures", "tests", verify.Val("ours", float64(len(of))), verify.Val("shipped", float64(len(sf)))),
	}
	fmt.Fprintf(j.c.Log, "goroot: windows: %s\n", r.Summary)
	rep.Add(r)
}

// limits measures the known limits of the 2016 runtime next to the shipped
// one. They are reported, not judged: they are the next performance goals.
func (c *Context) limits(ctx context.Context, shipped, ours, dir string, rep *verify.Report) {
	fmt.Fprintln(c.Log, "goroot: known limits (live goroutines, goroutine start/exit, reports per racy range access), ours then shipped")
	o, oerr := goroot.MeasureLimits(ctx, ours, c.Root, filepath.Join(dir, "limits-ours"))
	s, serr := goroot.MeasureLimits(ctx, shipped, c.Root, filepath.Join(dir, "limits-shipped"))
	r := verify.Result{Name: "goroot/limits", Target: "linux", Status: verify.Passed,
		Proved:   "measured, not judged: these are the next performance goals",
		Unproved: "that the limits matter for a given program"}
	if oerr != nil || serr != nil {
		r.Status, r.Summary = verify.Skipped, fmt.Sprintf("could not measure: ours: %v; shipped: %v", oerr, serr)
		rep.Add(r)
		return
	}
	lim := func(l *goroot.Limits) string {
		if l.FailedAt == 0 {
			return fmt.Sprintf(">= %d", l.MaxGoroutines)
		}
		return fmt.Sprintf("%d (fails at %d: %s)", l.MaxGoroutines, l.FailedAt, l.FailMessage)
	}
	r.Details = []string{
		fmt.Sprintf("%-44s %-22s %s", "", "ours", "shipped"),
		fmt.Sprintf("%-44s %-22s %s", "live goroutines (of those tried)", lim(o), lim(s)),
		fmt.Sprintf("%-44s %-22.0f %.0f", "peak RSS MiB, 1000 blocked goroutines", o.RSS1000MiB, s.RSS1000MiB),
	}
	for _, b := range []string{"BenchmarkGoStartExit", "BenchmarkGoStartExitBatch", "BenchmarkStackLeak"} {
		r.Details = append(r.Details, fmt.Sprintf("%-44s %-22.0f %.0f", b+" ns/op", o.NsPerOp[b], s.NsPerOp[b]))
	}
	r.Details = append(r.Details,
		fmt.Sprintf("%-44s %-22d %d", "reports, racy copy() of 100 bytes", o.RangeReports, s.RangeReports),
		fmt.Sprintf("%-44s %-22d %d", "  the same, deduplication off", o.RangeReportsAll, s.RangeReportsAll))
	for _, l := range r.Details {
		fmt.Fprintln(c.Log, "  "+l)
	}
	r.Figures = []verify.Figure{
		verify.Point("live goroutines (of those tried)", "goroutines", verify.Val("ours", float64(o.MaxGoroutines)), verify.Val("shipped", float64(s.MaxGoroutines))),
		verify.Point("peak RSS, 1000 blocked goroutines", "MiB", verify.Val("ours", o.RSS1000MiB), verify.Val("shipped", s.RSS1000MiB)),
	}
	for _, b := range []string{"BenchmarkGoStartExit", "BenchmarkGoStartExitBatch", "BenchmarkStackLeak"} {
		r.Figures = append(r.Figures, verify.Point(b, "ns/op", verify.Val("ours", o.NsPerOp[b]), verify.Val("shipped", s.NsPerOp[b])))
	}
	r.Summary = fmt.Sprintf("live goroutines %s vs %s; start+exit %.0f vs %.0f ns; range race reports %d vs %d (ours vs shipped)",
		lim(o), lim(s), o.NsPerOp["BenchmarkGoStartExit"], s.NsPerOp["BenchmarkGoStartExit"], o.RangeReports, s.RangeReports)
	rep.Add(r)
}
