package integration_test

import (
	"context"
	"testing"
	"time"

	"github.com/racesyso/racesyso/goruntime"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/racetest"
	"github.com/racesyso/racesyso/internal/testenv"
)

// These tests use objects built from compiler-rt: the base (pre-split)
// object and ours (the whole series). RACESYSO_BASE_OBJECT and
// RACESYSO_PERP_OBJECT name other files instead.

func needCgo(t *testing.T) {
	t.Helper()
	if err := goruntime.HostSupported(); err != nil {
		testenv.Skip(t, "%v", err)
	}
}

func baseObject(t *testing.T) string { return integration.BaseObject(t, "linux") }

func ourObject(t *testing.T) string { return integration.Object(t, "linux") }

func scenarios(t *testing.T, obj string, want goruntime.Interface) {
	needCgo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := goruntime.Run(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Object.Interface != want {
		t.Fatalf("%s: interface %s, want %s", obj, rep.Object.Interface, want)
	}
	for _, r := range rep.Results {
		t.Logf("%-8s pass=%v %s (callbacks %+v)", r.Scenario, r.Pass, r.Why, r.Callbacks)
		if !r.Pass {
			t.Errorf("%s on %s failed: %s\nstderr:\n%s", r.Scenario, obj, r.Why, r.Stderr)
		}
	}
	if len(rep.Results) != len(goruntime.AllScenarios) {
		t.Errorf("got %d results, want %d", len(rep.Results), len(goruntime.AllScenarios))
	}
}

// TestScenariosShipped runs the scenarios on Go's own shipped object, which
// speaks the per-P interface: the harness's reference.
func TestScenariosShipped(t *testing.T) {
	p := goruntime.DefaultPerPObject()
	if err := goruntime.CheckObjectExists(p); err != nil {
		testenv.Skip(t, "the installed Go ships no linux race object: %v", err)
	}
	scenarios(t, p, goruntime.PerP)
}

func TestScenariosBase(t *testing.T) { scenarios(t, baseObject(t), goruntime.Base) }

func TestScenariosOurs(t *testing.T) { scenarios(t, ourObject(t), goruntime.PerP) }

// TestLeakTable runs BenchmarkSyncLeak's pattern on the base object and on
// ours: the base must grow with the work, ours must level off. About 10 s
// and ~650 MiB RSS in the base process, so skipped with -short.
func TestLeakTable(t *testing.T) {
	testenv.SkipIfShort(t, "leak table takes ~10 s and ~650 MiB")
	needCgo(t)
	base, ours := baseObject(t), ourObject(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tab, err := goruntime.RunLeakTable(ctx, base, ours, goruntime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", tab)
	a := tab.Assess()
	t.Logf("%s", a)
	if !a.BaseGrows {
		t.Errorf("base object does not show the sync-object leak")
	}
	if !a.PerPLevelsOff {
		t.Errorf("our per-P object does not level off")
	}
	// Negative controls: both bounds reject the base object's real series,
	// the harness's per-P criterion and verify's BenchmarkSyncLeak bound.
	var basePts []racetest.LeakPoint
	for _, r := range tab.Rows {
		basePts = append(basePts, racetest.LeakPoint{Iterations: r.Work, PeakMiB: r.BaseMiB})
	}
	prev, last := tab.Rows[len(tab.Rows)-2], tab.Rows[len(tab.Rows)-1]
	if ok, step, allowed := goruntime.LevelsOff(prev.BaseMiB, last.BaseMiB); ok {
		t.Errorf("the per-P criterion accepts the base object's series (step %+.1f MiB, allowed %.1f)", step, allowed)
	}
	if ok, summary := racetest.SyncLeakBounded(basePts); ok {
		t.Errorf("the BenchmarkSyncLeak bound accepts the base object's series: %s", summary)
	} else {
		t.Logf("BenchmarkSyncLeak bound on the base object's series: rejected: %s", summary)
	}
}
