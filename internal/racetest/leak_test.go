package racetest

import (
	"context"
	"strings"
	"testing"
)

func series(obj string, mib ...float64) LeakSeries {
	s := LeakSeries{Object: obj, Provenance: Provenance{Want: obj, Got: obj}}
	for i, m := range mib {
		s.Points = append(s.Points, LeakPoint{Iterations: 50 << i, PeakMiB: m, NsPerOp: 1000})
	}
	return s
}

// The figures are measured ones (VmHWM): Go 1.6.4 with the
// base object and the shipped one, Go 1.7.6 with per-P objects.
func TestJudgeLeak(t *testing.T) {
	for _, tt := range []struct {
		name     string
		object   string
		ours     LeakSeries
		shipped  LeakSeries
		judged   bool
		ok       bool
		contains string
	}{
		{"base grows", Base, series("ours", 635, 1092, 1967), series("shipped", 634, 1079, 1952), true, true, "grows with the work: 8.8 MiB per iteration"},
		{"base that levels off fails", Base, series("ours", 635, 1092, 1300), series("shipped", 634, 1079, 1952), true, false, "does not grow"},
		{"per-P levels off, 1.22x shipped at 200 fails", PerP, series("ours", 170, 215, 298), series("shipped", 207, 209, 245), true, false, "200x: peak RSS 298 vs 245 MiB (1.22x)"},
		{"per-P levels off, within 1.1x", PerP, series("ours", 170, 215, 260), series("shipped", 207, 209, 245), true, true, "levels off: 0.5 MiB per iteration"},
		{"per-P that grows fails", PerP, series("ours", 240, 500, 800), series("shipped", 240, 500, 800), true, false, "ours (per-P) grows: 3.0 MiB per iteration"},
		{"above 1.1x shipped fails when judged", PerP, series("ours", 240, 300, 340), series("shipped", 200, 250, 300), true, false, "above 1.1x"},
		{"above 1.1x shipped is reported elsewhere", PerP, series("ours", 240, 300, 340), series("shipped", 200, 250, 300), false, true, "1.13x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &Leak{Ours: tt.ours, Shipped: tt.shipped, Judged: tt.judged}
			l.Ours.Provenance.Want, l.Ours.Provenance.Got = "ours", "ours"
			l.Shipped.Provenance.Want, l.Shipped.Provenance.Got = "shipped", "shipped"
			JudgeLeak(l, tt.object)
			why := strings.Join(l.Why, "\n")
			if l.OK != tt.ok || !strings.Contains(why, tt.contains) {
				t.Errorf("ok=%v, want %v; why:\n%s\n(want it to say %q)", l.OK, tt.ok, why, tt.contains)
			}
		})
	}
}

func TestJudgeLeakNeedsProvenanceAndDoubling(t *testing.T) {
	l := &Leak{Ours: series("ours", 240, 300, 340), Shipped: series("shipped", 310, 350, 410), Judged: true}
	l.Ours.Provenance.Got = "shipped"
	if JudgeLeak(l, PerP); l.OK {
		t.Errorf("a binary linking the wrong object was judged: %v", l.Why)
	}
	l = &Leak{Ours: series("ours", 240, 300), Shipped: series("shipped", 310, 350)}
	l.Ours.Points[1].Iterations, l.Shipped.Points[1].Iterations = 75, 75
	if JudgeLeak(l, PerP); l.OK {
		t.Errorf("a last size that does not double was accepted: %v", l.Why)
	}
}

func TestLeakPointSummary(t *testing.T) {
	for _, tt := range []struct {
		name      string
		samples   []LeakSample
		rss, nsOp float64
	}{
		{"odd: the middle one", []LeakSample{{PeakMiB: 900, NsPerOp: 30}, {PeakMiB: 800, NsPerOp: 50}, {PeakMiB: 1000, NsPerOp: 40}}, 900, 30},
		// A remeasured size has an even count (5 + 5): the mean of the two
		// middle ones, as goroot.Median takes it (the upper middle was 1000).
		{"even: the two middle ones' mean", []LeakSample{{PeakMiB: 900, NsPerOp: 30}, {PeakMiB: 800, NsPerOp: 50}, {PeakMiB: 1000, NsPerOp: 40}, {PeakMiB: 1100, NsPerOp: 35}}, 950, 30},
		{"none", nil, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := LeakPoint{Samples: tt.samples}
			p.summarize()
			if p.PeakMiB != tt.rss || p.NsPerOp != tt.nsOp {
				t.Errorf("median RSS %v (want %v), fastest ns/op %v (want %v)", p.PeakMiB, tt.rss, p.NsPerOp, tt.nsOp)
			}
		})
	}
}

func TestLeakSizesDouble(t *testing.T) {
	for i := 1; i < len(LeakSizes); i++ {
		if LeakSizes[i] != 2*LeakSizes[i-1] {
			t.Errorf("LeakSizes %v: each size must double the one before", LeakSizes)
		}
	}
	if len(LeakSizes) != 3 {
		t.Errorf("three work sizes, have %v", LeakSizes)
	}
}

func TestLeakProgramIsTheBenchmarksBody(t *testing.T) {
	for _, s := range []string{"G = 1000", "S = 1000", "H = 10", "atomic.AddUint32(&a[rand.Intn(len(a))], 1)", "hold[rand.Intn(len(hold))] = a"} {
		if !strings.Contains(string(leakProgram), s) {
			t.Errorf("leakprog lacks %q", s)
		}
	}
}

func TestLeakOutputParse(t *testing.T) {
	m := leakRe.FindStringSubmatch("leakprog: 200 iterations, 34932506 ns/op, VmHWM 278596 kB\n")
	if m == nil || m[1] != "200" || m[2] != "34932506" || m[3] != "278596" {
		t.Errorf("%q", m)
	}
	for _, s := range []string{"ioutil.ReadFile(\"/proc/self/status\")", "VmHWM"} {
		if !strings.Contains(string(leakProgram), s) {
			t.Errorf("leakprog lacks %q: it must read its own peak RSS", s)
		}
	}
}

func TestLeakRate(t *testing.T) {
	if LeakRateMiB < 7.6 || LeakRateMiB > 7.7 {
		t.Errorf("LeakRateMiB %v, want 1000 x 1000 x 8 bytes = 7.63 MiB", LeakRateMiB)
	}
	if r := series("ours", 635, 1092, 1967).Rate(); r < 8.7 || r > 8.8 {
		t.Errorf("rate %v", r)
	}
}

// TestConfirmLeak: a size at which ours is above the bound is measured
// again; a ratio made by load (ours' first runs slow) goes away with the
// fastest of all runs, a real one (ours always 1.3x the RSS, or always
// slower) stays and still fails. Sizes within the bound are not run again.
func TestConfirmLeak(t *testing.T) {
	for _, tt := range []struct {
		name       string
		ours       func(run int) LeakSample // ours' samples, by run number of the re-measure
		ok         bool
		remeasured []int
	}{
		{"load made it", func(int) LeakSample { return LeakSample{PeakMiB: 250, NsPerOp: 1000} }, true, []int{200}},
		{"really slower", func(int) LeakSample { return LeakSample{PeakMiB: 250, NsPerOp: 1300} }, false, []int{200}},
		{"really bigger", func(int) LeakSample { return LeakSample{PeakMiB: 290, NsPerOp: 1000} }, false, []int{200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &Leak{Ours: series("ours", 170, 215, 250), Shipped: series("shipped", 207, 209, 245), Judged: true}
			l.Ours.Points[2].NsPerOp = 1250 // the first runs at 200: slow
			for _, s := range []*LeakSeries{&l.Ours, &l.Shipped} {
				for i := range s.Points {
					p := &s.Points[i]
					for k := 0; k < LeakReps; k++ {
						p.Samples = append(p.Samples, LeakSample{PeakMiB: p.PeakMiB, NsPerOp: p.NsPerOp})
					}
				}
			}
			JudgeLeak(l, PerP)
			if l.OK {
				t.Fatalf("the first measurement must fail: %v", l.Why)
			}
			runs := map[string]int{}
			defer func(f func(context.Context, string, int, []string) (LeakSample, error)) { runLeak = f }(runLeak)
			runLeak = func(_ context.Context, bin string, n int, _ []string) (LeakSample, error) {
				if n != 200 {
					t.Errorf("size %d measured again: it was within the bound", n)
				}
				runs[bin]++
				if bin == "shipped" {
					return LeakSample{PeakMiB: 245, NsPerOp: 1000}, nil
				}
				return tt.ours(runs[bin]), nil
			}
			sizes, err := ConfirmLeak(context.Background(), l, "ours", "shipped", LeakReps, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			JudgeLeak(l, PerP)
			if l.OK != tt.ok || len(sizes) != len(tt.remeasured) || sizes[0] != tt.remeasured[0] || runs["ours"] != LeakReps || runs["shipped"] != LeakReps {
				t.Errorf("ok=%v (want %v), remeasured %v (want %v), runs %v; why:\n%s", l.OK, tt.ok, sizes, tt.remeasured, runs, strings.Join(l.Why, "\n"))
			}
			if got := len(l.Ours.Points[2].Samples); got != 2*LeakReps {
				t.Errorf("200x has %d samples, want the first %d and %d more", got, LeakReps, LeakReps)
			}
		})
	}
}
