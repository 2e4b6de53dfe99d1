package goruntime

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
)

// Leak assessment thresholds, chosen from the leak table that
// `go run mage.go verify` prints (check "leak"; README, "The leak the per-P
// change fixes"), DefaultLeakParams, levels 1,2,4,8 = 50k..400k allocations:
//
//	work  base (pre-split)  ours (per-P)
//	1x    122.7 MiB         56.4 MiB
//	2x    193.8 MiB         58.0 MiB
//	4x    338.3 MiB         61.1 MiB
//	8x    619.6 MiB         67.3 MiB
//
// The per-P criterion applied to the base column rejects it (the negative
// control in TestAssess and TestLeakTable).
const (
	// BaseMinGrowthMiB: the base object must grow at least this much from
	// the smallest to the largest work level (measured: +497 MiB).
	BaseMinGrowthMiB = 128
	// MonotoneToleranceMiB: each base level must be at least the previous
	// level minus this (RSS noise; measured steps are +70..+280 MiB).
	MonotoneToleranceMiB = 8
	// PerPLastStepMaxMiB and PerPLastStepMaxFraction: the per-P object
	// levels off if its growth from the second-largest to the largest level
	// is at most max(PerPLastStepMaxMiB, PerPLastStepMaxFraction × RSS at
	// the second-largest level) (measured: +6.2 MiB from 61.1 MiB). The
	// slack covers shadow pages still being touched and the larger
	// per-object footprint of a 2016 runtime; the base object's last step
	// is ~9× the allowance.
	PerPLastStepMaxMiB      = 32
	PerPLastStepMaxFraction = 0.10
)

// LeakRow is one work level of the leak table.
type LeakRow struct {
	Work       int     // multiple of LeakParams.Iters
	Iterations int     // iterations per goroutine done so far
	BaseMiB    float64 // RSS of the base-object process after this level
	PerPMiB    float64 // RSS of the per-P-object process after this level
	BaseSec    float64 // cumulative seconds
	PerPSec    float64
}

// LeakTable is the leak scenario for a base and a per-P object side by side.
type LeakTable struct {
	Params     LeakParams
	BaseObject string
	PerPObject string
	Base, PerP Result
	Rows       []LeakRow
}

// RunLeakTable runs the leak scenario against both objects (sequentially)
// and tabulates RSS per work level.
func RunLeakTable(ctx context.Context, baseObject, perpObject string, opts Options) (*LeakTable, error) {
	if opts.Leak.G == 0 {
		opts.Leak = DefaultLeakParams()
	}
	t := &LeakTable{Params: opts.Leak, BaseObject: baseObject, PerPObject: perpObject}
	for _, x := range []struct {
		path  string
		want  Interface
		where *Result
	}{{baseObject, Base, &t.Base}, {perpObject, PerP, &t.PerP}} {
		rep, err := RunWith(ctx, x.path, opts, Leak)
		if err != nil {
			return nil, err
		}
		if rep.Object.Interface != x.want {
			return nil, fmt.Errorf("%s has the %s interface, want %s", x.path, rep.Object.Interface, x.want)
		}
		r, _ := rep.Get(Leak)
		if !r.Pass {
			return nil, fmt.Errorf("leak scenario on %s failed: %s", x.path, r.Why)
		}
		*x.where = r
	}
	if len(t.Base.Levels) != len(t.PerP.Levels) {
		return nil, fmt.Errorf("level count mismatch: %d vs %d", len(t.Base.Levels), len(t.PerP.Levels))
	}
	for i, b := range t.Base.Levels {
		p := t.PerP.Levels[i]
		t.Rows = append(t.Rows, LeakRow{Work: b.Work, Iterations: b.Iterations,
			BaseMiB: b.RSSMiB(), PerPMiB: p.RSSMiB(), BaseSec: b.Seconds, PerPSec: p.Seconds})
	}
	return t, nil
}

// Fprint prints the table side by side.
func (t *LeakTable) Fprint(w io.Writer) {
	p := t.Params
	fmt.Fprintf(w, "BenchmarkSyncLeak pattern: G=%d H=%d S=%d, level 1 = %d iterations/goroutine\n", p.G, p.H, p.S, p.Iters)
	fmt.Fprintf(w, "  base:  %s\n  per-P: %s\n", t.BaseObject, t.PerPObject)
	fmt.Fprintf(w, "%6s %10s %12s %12s %9s %9s\n", "work", "allocs", "base MiB", "per-P MiB", "base s", "per-P s")
	for _, r := range t.Rows {
		fmt.Fprintf(w, "%5dx %10d %12.1f %12.1f %9.2f %9.2f\n", r.Work, r.Iterations*p.G, r.BaseMiB, r.PerPMiB, r.BaseSec, r.PerPSec)
	}
}

// String returns the printed table.
func (t *LeakTable) String() string {
	var b strings.Builder
	t.Fprint(&b)
	return b.String()
}

// Assessment is the verdict on a leak table.
type Assessment struct {
	BaseGrows     bool
	PerPLevelsOff bool
	Reasons       []string
}

// OK reports whether both criteria hold.
func (a Assessment) OK() bool { return a.BaseGrows && a.PerPLevelsOff }

func (a Assessment) String() string {
	return fmt.Sprintf("base grows: %v; per-P levels off: %v\n  %s", a.BaseGrows, a.PerPLevelsOff, strings.Join(a.Reasons, "\n  "))
}

// Assess applies the criteria documented at the threshold constants:
// the base object grows (largest ≥ smallest + BaseMinGrowthMiB, and each
// level ≥ previous − MonotoneToleranceMiB) and the per-P object levels off
// (last step ≤ max(PerPLastStepMaxMiB, PerPLastStepMaxFraction × previous)).
func (t *LeakTable) Assess() Assessment {
	var a Assessment
	n := len(t.Rows)
	if n < 3 {
		a.Reasons = append(a.Reasons, fmt.Sprintf("need at least 3 work levels, have %d", n))
		return a
	}
	first, last, prev := t.Rows[0], t.Rows[n-1], t.Rows[n-2]

	growth := last.BaseMiB - first.BaseMiB
	monotone := true
	for i := 1; i < n; i++ {
		if t.Rows[i].BaseMiB < t.Rows[i-1].BaseMiB-MonotoneToleranceMiB {
			monotone = false
			a.Reasons = append(a.Reasons, fmt.Sprintf("base RSS fell from %.1f to %.1f MiB at %dx", t.Rows[i-1].BaseMiB, t.Rows[i].BaseMiB, t.Rows[i].Work))
		}
	}
	a.BaseGrows = growth >= BaseMinGrowthMiB && monotone
	a.Reasons = append(a.Reasons, fmt.Sprintf("base: %.1f -> %.1f MiB (+%.1f, need >= +%d), monotone within %d MiB: %v",
		first.BaseMiB, last.BaseMiB, growth, BaseMinGrowthMiB, MonotoneToleranceMiB, monotone))

	var step, allowed float64
	a.PerPLevelsOff, step, allowed = LevelsOff(prev.PerPMiB, last.PerPMiB)
	a.Reasons = append(a.Reasons, fmt.Sprintf("per-P: %dx -> %dx %.1f -> %.1f MiB (%+.1f, allowed <= %.1f); base same step %+.1f",
		prev.Work, last.Work, prev.PerPMiB, last.PerPMiB, step, allowed, last.BaseMiB-prev.BaseMiB))
	return a
}

// LevelsOff is the per-P criterion on one series' last two levels: the step
// from prev to last MiB is at most max(PerPLastStepMaxMiB,
// PerPLastStepMaxFraction × prev). It returns the step and the allowance.
func LevelsOff(prevMiB, lastMiB float64) (ok bool, step, allowed float64) {
	step = lastMiB - prevMiB
	allowed = math.Max(PerPLastStepMaxMiB, PerPLastStepMaxFraction*prevMiB)
	return step <= allowed, step, allowed
}
