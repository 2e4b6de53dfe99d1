package goroot

import (
	"strings"
	"testing"
)

// TestSyncLeakBoundedRejectsGrowth: the bound accepts series that level off
// and rejects growing ones (its negative controls), and refuses series it
// cannot judge.
func TestSyncLeakBoundedRejectsGrowth(t *testing.T) {
	series := func(mib ...float64) []LeakPoint {
		var pts []LeakPoint
		for i, m := range mib {
			pts = append(pts, LeakPoint{Iterations: 3000 << i, PeakMiB: m})
		}
		return pts
	}
	for _, tt := range []struct {
		name string
		pts  []LeakPoint
		ok   bool
		want string
	}{
		{"ours, README figures (levels off)", series(646, 722, 1086, 1051), true, "-3%"},
		{"shipped, README figures (still filling its ceilings)", series(402, 494, 561, 713), true, "+27%"},
		{"just inside the bound", series(100, 135), true, "+35%"},
		{"negative control: a leak proportional to the work", series(100, 200, 400, 800), false, "+100%"},
		{"negative control: a leak over a fixed base", series(300, 400, 600, 1000), false, "+67%"},
		{"negative control: just outside the bound", series(100, 136), false, "+36%"},
		{"one level", series(100), false, "at least 2"},
		{"last level does not double", []LeakPoint{{Iterations: 3000, PeakMiB: 100}, {Iterations: 4000, PeakMiB: 101}}, false, "must double"},
		{"no RSS read", series(0, 0), false, "no peak RSS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, summary := SyncLeakBounded(tt.pts)
			if ok != tt.ok || !strings.Contains(summary, tt.want) {
				t.Errorf("SyncLeakBounded = %v, %q; want %v, %q", ok, summary, tt.ok, tt.want)
			}
		})
	}
}

// TestRunJudge: a runtime/race run passes only when go test passed and
// TestRace's cases were counted and all passed.
func TestRunJudge(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  TestRun
		ok   bool
		want string
	}{
		{"all cases", TestRun{OK: true, Cases: true, Passed: 368, Total: 368}, true, "ok"},
		{"count not read", TestRun{OK: true, Cases: true}, false, "not in the output"},
		{"a case failed", TestRun{OK: true, Cases: true, Passed: 367, Total: 368}, false, "367 of 368"},
		{"go test failed", TestRun{OK: false, Cases: true, Passed: 368, Total: 368}, false, "go test failed"},
		{"suite without cases", TestRun{OK: true}, true, "ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if ok, why := tt.run.Judge(); ok != tt.ok || !strings.Contains(why, tt.want) {
				t.Errorf("Judge = %v, %q; want %v, %q", ok, why, tt.ok, tt.want)
			}
		})
	}
}
