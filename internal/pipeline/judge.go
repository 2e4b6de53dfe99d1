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
	"github.com/racesyso/racesyso/internal/verify"
)

// goJudge installs our objects into a copy of the GOROOT and runs Go's own
// race tests there, next to the same runs with the shipped objects, then
// BenchmarkSyncLeak with both. RACESYSO_SKIP_GOROOT_TESTS=1 leaves it out
// (the report says so).
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
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	logf := func(f string, a ...any) { fmt.Fprintf(c.Log, f+"\n", a...) }
	dir := filepath.Join(c.BuildDir, "goroot-judge")
	ours := filepath.Join(dir, "goroot")
	logf("goroot: copying %s (%s) to %s", shipped, goroot.Version(shipped), ours)
	err := goroot.Copy(shipped, ours)
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
	if _, ok := m.Targets["windows"]; ok {
		c.windowsJudge(ctx, shipped, ours, dir, rep)
	}
	raceRows(rep, "goroot/", "linux", "with our object installed in "+goroot.Version(shipped), "",
		goroot.RunRaceTests(ctx, ours, logf), goroot.RunRaceTests(ctx, shipped, logf))
	if len(linux) > 1 {
		c.v3Judge(ctx, shipped, ours, rep)
	}
	c.limits(ctx, shipped, ours, dir, rep)
	c.syncLeak(ctx, shipped, ours, dir, rep)
}

// v3Judge runs Go's race suites with GOAMD64=v3, which links the v3
// object (internal/amd64v3), ours next to the shipped one; on a CPU that
// lacks x86-64-v3 it runs nothing and says so (not run, never passed).
func (c *Context) v3Judge(ctx context.Context, shipped, ours string, rep *verify.Report) {
	if miss := goroot.HostMissingV3(); len(miss) > 0 {
		rep.Add(verify.Skip("goroot/GOAMD64=v3", "linux-v3", "not run: this CPU lacks x86-64-v3 ("+strings.Join(miss, ", ")+" missing from /proc/cpuinfo): a v3 object is not run here"))
		return
	}
	logf := func(f string, a ...any) { fmt.Fprintf(c.Log, f+"\n", a...) }
	env := []string{"GOAMD64=v3"}
	raceRows(rep, "goroot/GOAMD64=v3 ", "linux-v3", "with our v3 object in internal/amd64v3 of "+goroot.Version(shipped), "GOAMD64=v3 ",
		goroot.RunRaceTestsEnv(ctx, ours, env, logf), goroot.RunRaceTestsEnv(ctx, shipped, env, logf))
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
		reps = goroot.SyncLeakParityReps
	}
	logf("goroot: BenchmarkSyncLeak at -benchtime %v, %d run(s) each, ours and shipped alternating", goroot.SyncLeakIterations, reps)
	op, sp, oerr, serr := goroot.SyncLeakPair(ctx, ours, shipped, dir, goroot.SyncLeakIterations, reps)
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
			runs += fmt.Sprintf(" | %.0f", sp[i].Samples)
		}
		r.Details = append(r.Details, fmt.Sprintf("%10d  %12.0f  %16s  %12s  %6.1f  %9s  %s", p.Iterations, p.PeakMiB, sm, ratio, p.Seconds, ss, runs))
	}
	for _, l := range r.Details {
		logf("  %s", l)
	}
	r.Figures = []verify.Figure{syncLeakFigure(op, sp, serr)}
	ok, summary := goroot.SyncLeakBounded(op)
	r.Status, r.Summary = verify.PassIf(ok), "ours "+summary
	if serr == nil {
		_, ssum := goroot.SyncLeakBounded(sp)
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
		Proved:   fmt.Sprintf("the %s profile's claim (its targets.json, shipped_parity): BenchmarkSyncLeak's peak RSS within %.2fx of %s's shipped object over the levels (geometric mean of the medians' ratios), no level above %.2fx", c.Profile(), parity.SyncLeakPeakRSS, goroot.Version(shipped), parity.SyncLeakPeakRSS+goroot.SyncLeakLevelSlack),
		Unproved: "other programs' memory; speed (the wall times are reported, not judged)"}
	if serr != nil {
		p.Status, p.Summary = verify.Failed, "the shipped object's series failed, nothing to compare: "+serr.Error()
	} else {
		ok, sum := goroot.SyncLeakParity(op, sp, parity.SyncLeakPeakRSS)
		p.Status, p.Summary = verify.PassIf(ok), sum
	}
	rep.Add(p)
}

// syncLeakFigure is BenchmarkSyncLeak's median peak RSS per level, ours
// and (when its series ran) shipped.
func syncLeakFigure(op, sp []goroot.LeakPoint, serr error) verify.Figure {
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

// windowsJudge installs our windows object into the GOROOT copy and runs
// Go's windows race tests under wine64 with it and with the shipped one.
func (c *Context) windowsJudge(ctx context.Context, shipped, ours, dir string, rep *verify.Report) {
	r := verify.Result{Name: "goroot/windows-under-wine", Target: "windows",
		Proved:   "Go's own windows/amd64 race tests (runtime/race incl. TestRace and TestOutput, sync, sync/atomic), cross-built with MinGW, pass under wine64 with our object",
		Unproved: "a real Windows kernel: wine is not Windows (the release workflow runs the smoke test on a Windows runner)"}
	if _, err := os.Stat(compile.Wine64); err != nil {
		r.Status, r.Summary = verify.Skipped, "not run: wine64 is missing: install it with `apt-get install wine64` (or run `go run mage.go tools`)"
		rep.Add(r)
		return
	}
	if err := c.installInto(ours, []string{"windows"}); err != nil {
		r.Status, r.Summary = verify.Failed, "cannot install our windows object: "+err.Error()
		rep.Add(r)
		return
	}
	script := filepath.Join(c.Root, "scripts", "windows-race-tests", "run.sh")
	prefix := filepath.Join(c.BuildDir, "wineprefix")
	fmt.Fprintln(c.Log, "goroot: windows race tests under wine64, ours then shipped")
	cache := filepath.Join(dir, "gocache-windows")
	o := goroot.RunWindowsRaceTests(ctx, script, ours, filepath.Join(dir, "windows-ours"), prefix, cache)
	s := goroot.RunWindowsRaceTests(ctx, script, shipped, filepath.Join(dir, "windows-shipped"), prefix, cache)
	r.Status = verify.PassIf(o.OK)
	r.Summary = fmt.Sprintf("ours: %d failures in %.0fs; shipped: %d failures in %.0fs", o.Failures, o.Seconds, s.Failures, s.Seconds)
	r.Details = append([]string{"ours:"}, o.Lines...)
	r.Figures = []verify.Figure{
		verify.Point("wall (build and run under wine64)", "s", verify.Val("ours", o.Seconds), verify.Val("shipped", s.Seconds)),
		verify.Point("failures", "tests", verify.Val("ours", float64(o.Failures)), verify.Val("shipped", float64(s.Failures))),
	}
	r.Details = append(r.Details, "shipped:")
	r.Details = append(r.Details, s.Lines...)
	fmt.Fprintf(c.Log, "goroot: windows: %s\n  ours %s\n  shipped %s\n", r.Summary, o.TestRace, s.TestRace)
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

func describe(r goroot.TestRun) string {
	s := "ok"
	if !r.OK {
		s = "FAIL"
		if len(r.Failures) > 0 {
			s += " (" + strings.Join(r.Failures, ", ") + ")"
		}
	}
	if r.Total > 0 {
		s += fmt.Sprintf(", TestRace %d of %d cases passed", r.Passed, r.Total)
	}
	return s
}

// raceRows adds a result per race suite: ours judged, next to the shipped
// object's run of the same suite.
func raceRows(rep *verify.Report, prefix, target, where, envText string, oursRuns, shippedRuns []goroot.TestRun) {
	for i, o := range oursRuns {
		s := shippedRuns[i]
		ok, why := o.Judge()
		r := verify.Result{
			Name: prefix + o.Name, Target: target, Status: verify.PassIf(ok),
			Summary:  fmt.Sprintf("ours: %s in %.1fs; shipped: %s in %.1fs (wall ours/shipped %.2f)", describe(o), o.Seconds, describe(s), s.Seconds, o.Seconds/s.Seconds),
			Proved:   fmt.Sprintf("`%sgo %s` %s", envText, strings.Join(o.Args, " "), where),
			Unproved: "other packages' race tests",
			Figures:  []verify.Figure{verify.Point("wall", "s", verify.Val("ours", o.Seconds), verify.Val("shipped", s.Seconds))},
		}
		if !ok {
			r.Summary = why + "; " + r.Summary
			r.Details = append(r.Details, strings.Split(o.Tail, "\n")...)
		}
		rep.Add(r)
	}
}
