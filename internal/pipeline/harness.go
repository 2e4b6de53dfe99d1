package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/goruntime"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/verify"
)

// harnessChecks plays the Go runtime's side against the linux object with
// the cgo harness (race, no race, getProc, free from GC context) and runs
// the BenchmarkSyncLeak pattern against the base object and ours.
func harnessChecks(c *Context, m *dist.Manifest, rep *verify.Report) {
	t, ok := m.Targets["linux"]
	if !ok {
		rep.Add(verify.Skip("harness", "linux", "not run: no linux object in dist/ (the harness runs linux objects only; build with RACE_TARGETS including linux)"))
		return
	}
	obj := filepath.Join(c.DistDir, t.Object)
	ctx, cancel := context.WithTimeout(c.ctx(), 15*time.Minute)
	defer cancel()
	fmt.Fprintf(c.Log, "verify: harness scenarios on %s\n", t.Object)
	hr, err := goruntime.Run(ctx, obj)
	if err != nil {
		rep.Add(verify.Result{Name: "harness", Target: obj, Summary: "harness failed: " + err.Error()})
		return
	}
	for _, r := range hr.Results {
		rep.Add(verify.Result{
			Name: "harness/" + string(r.Scenario), Target: obj, Status: verify.PassIf(r.Pass),
			Summary:  fmt.Sprintf("%s interface: %s", hr.Object.Interface, r.Why),
			Proved:   "the object behaves as the Go runtime expects for this scenario, driven through its C API by a cgo program",
			Unproved: "the real Go runtime's calling pattern (see the goroot checks)",
		})
	}
	fmt.Fprintln(c.Log, "verify: building the base (pre-split) object for the leak comparison")
	base, err := c.BuildBaseObject("linux")
	if err != nil {
		rep.Add(verify.Result{Name: "leak", Target: obj, Summary: err.Error()})
		return
	}
	fmt.Fprintln(c.Log, "verify: leak table (BenchmarkSyncLeak pattern), base vs ours")
	tab, err := goruntime.RunLeakTable(ctx, base, obj, goruntime.Options{})
	if err != nil {
		rep.Add(verify.Result{Name: "leak", Target: obj, Summary: err.Error()})
		return
	}
	fmt.Fprintln(c.Log, tab)
	a := tab.Assess()
	first, last := tab.Rows[0], tab.Rows[len(tab.Rows)-1]
	rep.Add(verify.Result{
		Name: "leak", Target: obj, Status: verify.PassIf(a.OK()),
		Summary: fmt.Sprintf("RSS from %dx to %dx work: base %.0f -> %.0f MiB, ours %.0f -> %.0f MiB (base grows: %v, ours levels off: %v)",
			first.Work, last.Work, first.BaseMiB, last.BaseMiB, first.PerPMiB, last.PerPMiB, a.BaseGrows, a.PerPLevelsOff),
		Proved:   "sync objects of memory freed with no goroutine at hand (GC) are reclaimed, where the base object leaks them (Go issue 14533)",
		Unproved: "the real Go GC's pattern; see BenchmarkSyncLeak in the goroot checks",
		Details:  strings.Split(strings.TrimSpace(tab.String()+"\n"+a.String()), "\n"),
		Figures:  []verify.Figure{leakFigure(tab)},
	})
}

// leakFigure is the leak table's RSS per level of work, the base
// (pre-split) object next to ours.
func leakFigure(tab *goruntime.LeakTable) verify.Figure {
	f := verify.Figure{Name: "RSS after the BenchmarkSyncLeak pattern", Unit: "MiB", X: "iterations per goroutine"}
	base, ours := verify.Series{Name: "base"}, verify.Series{Name: "ours"}
	for _, r := range tab.Rows {
		f.Xs = append(f.Xs, float64(r.Iterations))
		base.Values = append(base.Values, r.BaseMiB)
		ours.Values = append(ours.Values, r.PerPMiB)
	}
	f.Series = []verify.Series{base, ours}
	return f
}
