package racetest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/gotool"
)

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

// SyncLeakParityReps is how many times SyncLeakPair runs each object at
// each level when the ratio of the two is judged: one run per level moved
// by up to 13% between runs of the same object (llvm-19 at 6000x).
const SyncLeakParityReps = 3

// SyncLeakPair builds runtime/race's test binary with each GOROOT's
// toolchain (ours in dir, shipped in dir/shipped) and runs Go's own BenchmarkSyncLeak (G=1000 goroutines,
// S=1000-word slices, H=10 held) at each -benchtime, reps times, the two
// objects alternating run by run and the first of each pair swapped every
// round, so that a change of the machine's load falls on both. The peak RSS
// is the process's own (RunPeak; not the rusage of the finished child,
// which a vfork'ed child inherits from its parent); each point is the
// median of its runs. A failed build or run ends that object's series with
// the error; the other goes on.
func SyncLeakPair(ctx context.Context, ours, shipped, dir string, iterations []int, reps int) (op, sp []LeakPoint, oerr, serr error) {
	if reps < 1 {
		reps = 1
	}
	type side struct {
		goroot, bin string
		pts         []LeakPoint
		err         error
	}
	sides := []*side{{goroot: ours, bin: filepath.Join(dir, "race.test")}, {goroot: shipped, bin: filepath.Join(dir, "shipped", "race.test")}}
	for _, s := range sides {
		if err := os.MkdirAll(filepath.Dir(s.bin), 0o755); err != nil {
			s.err = err
			continue
		}
		if out, err := goCommand(ctx, s.goroot, nil, "test", "-race", "-c", "-o", s.bin, "runtime/race"); err != nil {
			s.err = fmt.Errorf("building runtime/race's test binary with %s: %v\n%s", s.goroot, err, Tail(out, 2000))
		}
	}
	for _, n := range iterations {
		pts := make([]LeakPoint, len(sides))
		for round := 0; round < reps; round++ {
			for k := range sides {
				i := k
				if round%2 == 1 {
					i = len(sides) - 1 - k
				}
				s := sides[i]
				if s.err != nil {
					continue
				}
				cmd := exec.CommandContext(ctx, s.bin, "-test.run=^$", "-test.bench=^BenchmarkSyncLeak$", fmt.Sprintf("-test.benchtime=%dx", n))
				cmd.Dir = filepath.Join(s.goroot, "src", "runtime", "race")
				t0 := time.Now()
				out, peak, err := goroot.RunPeak(cmd)
				if err != nil {
					s.err = fmt.Errorf("BenchmarkSyncLeak -benchtime=%dx with %s: %v\n%s", n, s.goroot, err, Tail(string(out), 2000))
					continue
				}
				pts[i].Samples = append(pts[i].Samples, LeakSample{PeakMiB: peak, Seconds: time.Since(t0).Seconds()})
			}
		}
		for i, s := range sides {
			if s.err == nil {
				pts[i].Iterations = n
				pts[i].summarize()
				s.pts = append(s.pts, pts[i])
			}
		}
	}
	return sides[0].pts, sides[1].pts, sides[0].err, sides[1].err
}

// Median is the middle value of xs (the mean of the two middle ones for an
// even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// SyncLeakLevelSlack is how far above the parity bound one level's ratio
// may be when the series as a whole is within it: the peak RSS of runs of
// one object at one level spreads by up to 15% (llvm-19, 2026-12-04: ours
// 438-506 MiB at 6000x, shipped 341-403 at 3000x), so a median of 3 can be
// off by about 10% on its own. A level above bound+slack fails whatever the
// others show.
const SyncLeakLevelSlack = 0.15

// SyncLeakParity judges ours against the shipped object's BenchmarkSyncLeak
// series: within when the geometric mean over the levels of ours' median
// peak RSS over the shipped object's is at most max, and no single level is
// above max+SyncLeakLevelSlack. A level measured for one object and not the
// other cannot be judged and fails.
func SyncLeakParity(op, sp []LeakPoint, max float64) (bool, string) {
	if len(op) == 0 || len(op) != len(sp) {
		return false, fmt.Sprintf("cannot compare: %d levels of ours, %d of the shipped object", len(op), len(sp))
	}
	worst, at, logSum := 0.0, 0, 0.0
	var ratios []string
	for i, o := range op {
		s := sp[i]
		if o.Iterations != s.Iterations || o.PeakMiB <= 0 || s.PeakMiB <= 0 {
			return false, fmt.Sprintf("cannot compare level %d: ours %dx %.0f MiB, shipped %dx %.0f MiB", i, o.Iterations, o.PeakMiB, s.Iterations, s.PeakMiB)
		}
		r := o.PeakMiB / s.PeakMiB
		ratios = append(ratios, fmt.Sprintf("%.2f", r))
		logSum += math.Log(r)
		if r > worst {
			worst, at = r, o.Iterations
		}
	}
	gm := math.Exp(logSum / float64(len(op)))
	levelCap := max + SyncLeakLevelSlack
	ok := gm <= max && worst <= levelCap
	verdict := "within"
	switch {
	case gm > max:
		verdict = fmt.Sprintf("above: the series is %.2fx, more than %.2fx", gm, max)
	case worst > levelCap:
		verdict = fmt.Sprintf("above: one level is %.2fx, more than %.2fx (bound %.2f + slack %.2f)", worst, levelCap, max, SyncLeakLevelSlack)
	}
	return ok, fmt.Sprintf("peak RSS ours/shipped %s at %d..%d iterations (medians of %d runs each): geometric mean %.2fx (bound %.2fx), worst level %.2fx at %d (bound %.2fx): %s",
		strings.Join(ratios, ", "), op[0].Iterations, op[len(op)-1].Iterations, len(op[0].Samples), gm, max, worst, at, levelCap, verdict)
}

func goCommand(ctx context.Context, goroot string, env []string, args ...string) (string, error) {
	cmd := gotool.Command(ctx, goroot, "", args...)
	cmd.Env = append(cmd.Env, env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}
