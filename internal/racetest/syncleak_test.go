package racetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// TestSyncLeakParity: the ratio judge accepts ours within the bound at every
// level and rejects one level above it (its negative controls), and refuses
// series it cannot compare.
func TestSyncLeakParity(t *testing.T) {
	series := func(mib ...float64) []LeakPoint {
		var pts []LeakPoint
		for i, m := range mib {
			pts = append(pts, LeakPoint{Iterations: 3000 << i, PeakMiB: m, Samples: []LeakSample{{PeakMiB: m}, {PeakMiB: m}, {PeakMiB: m}}})
		}
		return pts
	}
	shipped := series(375, 452, 627, 691)
	for _, tt := range []struct {
		name    string
		op, sp  []LeakPoint
		ok      bool
		want    string
		wantNot string
	}{
		{"equal", shipped, shipped, true, "geometric mean 1.00x (bound 1.10x), worst level 1.00x at 3000 (bound 1.25x): within", ""},
		{"an earlier run, 1.04/1.00/1.03/1.08", series(390, 452, 646, 746), shipped, true, "1.04, 1.00, 1.03, 1.08", ""},
		{"smaller than shipped", series(300, 400, 500, 600), shipped, true, "within", ""},
		{"one run per level, 1.13x at 6000 (2026-12-04)", series(400, 509, 617, 678), shipped, true, "worst level 1.13x at 6000 (bound 1.25x): within", ""},
		{"medians of 3, 1.13x at 12000 (2026-12-04)", series(385, 441, 620, 682), series(403, 479, 549, 674), true, "0.96, 0.92, 1.13, 1.01", ""},
		{"just inside: every level 1.10x", series(412, 497, 689, 760), shipped, true, "geometric mean 1.10x", ""},
		{"negative control: every level 1.11x", series(416, 502, 696, 767), shipped, false, "above: the series is 1.11x", ""},
		{"negative control: every level 1.13x", series(424, 511, 709, 781), shipped, false, "the series is 1.13x", ""},
		{"negative control: one level 1.30x, the rest equal", series(375, 588, 627, 691), shipped, false, "one level is 1.30x, more than 1.25x", ""},
		{"negative control: a leak (2016 runtime's 1.6x)", series(646, 722, 1086, 1051), shipped, false, "above", ""},
		{"medians of 3 named", shipped, shipped, true, "medians of 3 runs", ""},
		{"levels missing", series(375, 452), shipped, false, "2 levels of ours, 4 of the shipped", ""},
		{"nothing measured", nil, nil, false, "cannot compare", ""},
		{"a zero peak", series(375, 0, 627, 691), shipped, false, "cannot compare level 1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, sum := SyncLeakParity(tt.op, tt.sp, 1.1)
			if ok != tt.ok || !strings.Contains(sum, tt.want) {
				t.Errorf("SyncLeakParity = %v, %q; want %v, %q", ok, sum, tt.ok, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0}, {[]float64{5}, 5}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{400, 509, 450}, 450},
	} {
		if got := Median(tt.xs); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

// TestSyncLeakPairAlternates: with stand-in GOROOTs whose go command "builds"
// a race.test that logs its run, the two objects alternate run by run with
// the first of each pair swapped every round, each point is the median of
// its runs, and a GOROOT whose build fails ends only its own series, named.
func TestSyncLeakPairAlternates(t *testing.T) {
	dir := t.TempDir()
	runlog := filepath.Join(dir, "runs.log")
	fake := func(name string, buildOK bool) string {
		root := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(root, "src", "runtime", "race"), 0o755); err != nil {
			t.Fatal(err)
		}
		build := "echo 'cannot build' >&2; exit 1"
		if buildOK {
			// test -race -c -o BIN runtime/race: BIN logs GOROOT-name and
			// its benchtime, and lives long enough for a VmHWM reading.
			build = `out=$5; printf '#!/bin/sh\necho %s $3 >> ` + runlog + `\nsleep 0.05\n' > "$out"; chmod +x "$out"`
			build = fmt.Sprintf(build, name)
		}
		script := "#!/bin/sh\n" + build + "\n"
		if err := os.WriteFile(filepath.Join(root, "bin", "go"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return root
	}
	ours, shipped := fake("ours", true), fake("shipped", true)
	op, sp, oerr, serr := SyncLeakPair(context.Background(), ours, shipped, filepath.Join(dir, "work"), []int{10, 20}, 3)
	if oerr != nil || serr != nil {
		t.Fatalf("errors: ours %v, shipped %v", oerr, serr)
	}
	b, _ := os.ReadFile(runlog)
	want := strings.Join([]string{
		"ours -test.benchtime=10x", "shipped -test.benchtime=10x", "shipped -test.benchtime=10x", "ours -test.benchtime=10x", "ours -test.benchtime=10x", "shipped -test.benchtime=10x",
		"ours -test.benchtime=20x", "shipped -test.benchtime=20x", "shipped -test.benchtime=20x", "ours -test.benchtime=20x", "ours -test.benchtime=20x", "shipped -test.benchtime=20x",
	}, "\n") + "\n"
	if string(b) != want {
		t.Errorf("run order:\n%s\nwant:\n%s", b, want)
	}
	for _, pts := range [][]LeakPoint{op, sp} {
		if len(pts) != 2 || pts[1].Iterations != 20 || len(pts[0].Samples) != 3 || pts[0].PeakMiB != Median(pts[0].Peaks()) || pts[0].PeakMiB <= 0 {
			t.Errorf("points %+v: want 2 levels of 3 samples each, PeakMiB their median", pts)
		}
	}

	os.Remove(runlog)
	broken := fake("broken", false)
	op, sp, oerr, serr = SyncLeakPair(context.Background(), broken, shipped, filepath.Join(dir, "work2"), []int{10}, 1)
	if oerr == nil || !strings.Contains(oerr.Error(), "building runtime/race's test binary with "+broken) || !strings.Contains(oerr.Error(), "cannot build") || len(op) != 0 {
		t.Errorf("a GOROOT that cannot build: ours %v, %v; want its error, named", op, oerr)
	}
	if serr != nil || len(sp) != 1 {
		t.Errorf("the other series must go on: shipped %v, %v", sp, serr)
	}
}
