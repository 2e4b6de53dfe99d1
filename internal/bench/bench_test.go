package bench

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGOROOT is a GOROOT whose go command "builds" a test binary that logs
// its run to runlog and sleeps as body says, with the packages pkgs.
func fakeGOROOT(t *testing.T, dir, name, body, runlog string, pkgs ...string) string {
	t.Helper()
	root := filepath.Join(dir, name)
	for _, p := range append(pkgs, "runtime/race") {
		os.MkdirAll(filepath.Join(root, "src", filepath.FromSlash(p)), 0o755)
	}
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	bin := "#!/bin/sh\necho " + name + " >> " + runlog + "\n" + body + "\n"
	os.WriteFile(filepath.Join(root, "body"), []byte(bin), 0o644)
	// go test -race -c -o OUT PKG
	goCmd := "#!/bin/sh\ncp \"$GOROOT/body\" \"$5\"; chmod +x \"$5\"\n"
	if err := os.WriteFile(filepath.Join(root, "bin", "go"), []byte(goCmd), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func suite(runs int, pkgs ...string) Suite {
	s := Suite{Runs: runs, SpreadBound: 0.5, Goal: 0.9}
	for _, p := range pkgs {
		s.Packages = append(s.Packages, Package{Pkg: p})
	}
	return s
}

// TestRunAlternatesAndCompares: the two objects alternate run by run, the
// first of each pair swapped every round; a package the GOROOT lacks is
// named and left out; the ratio of the medians and the geometric mean come
// out of what ran.
func TestRunAlternatesAndCompares(t *testing.T) {
	dir := t.TempDir()
	runlog := filepath.Join(dir, "runs.log")
	ours := fakeGOROOT(t, dir, "ours", "sleep 0.05", runlog, "sort")
	shipped := fakeGOROOT(t, dir, "shipped", "sleep 0.10", runlog, "sort")
	o := Options{Suite: suite(4, "sort", "no/such"), Slots: []Slot{{Name: "v1", Ours: ours, Shipped: shipped}}, Version: "1.26.8", Work: filepath.Join(dir, "work"), GOCACHE: filepath.Join(dir, "cache")}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(runlog)
	if got := strings.Join(strings.Fields(string(b)), ","); got != "ours,shipped,ours,shipped,shipped,ours,ours,shipped,shipped,ours" { // a warm-up run of each, then the timed ones
		t.Errorf("run order %s", got)
	}
	s := rep.Slots[0]
	if len(s.Missing) != 1 || s.Missing[0] != "no/such" || len(s.Results) != 1 {
		t.Fatalf("missing %v, results %+v", s.Missing, s.Results)
	}
	r := s.Results[0]
	if len(r.Ours) != 4 || len(r.Shipped) != 4 || r.Ratio < 0.3 || r.Ratio > 0.8 || s.Counted != 1 || math.Abs(s.GeoMean-r.Ratio) > 1e-9 {
		t.Errorf("result %+v, geomean %v", r, s.GeoMean)
	}
}

// TestSlotWithoutShipped: a slot with no shipped object is reported as not
// run, with no results, never as a pass.
func TestSlotWithoutShipped(t *testing.T) {
	rep, err := Run(context.Background(), Options{Suite: suite(1, "sort"), Slots: []Slot{{Name: "v3", Ours: t.TempDir()}}})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Slots[0]
	if s.Slot.NotRun == "" || len(s.Results) != 0 || s.GeoMean != 0 {
		t.Errorf("%+v", s)
	}
}

// TestNoisyIsNotARatio: runs that spread beyond the bound give no ratio
// but say the machine is too loaded; steady ones (the negative control)
// give one.
func TestNoisyIsNotARatio(t *testing.T) {
	for _, tt := range []struct {
		name string
		ours []float64
		ok   bool
	}{
		{"steady", []float64{1.0, 1.02, 0.99, 1.01, 1.0}, true},
		{"noisy", []float64{1.0, 1.6, 0.9, 1.0, 1.4}, false},
		{"one stray run is left out", []float64{1.0, 1.01, 0.99, 1.0, 1.8}, true},
		{"two are not", []float64{1.0, 1.5, 0.99, 1.0, 1.8}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Result{Ours: tt.ours, Shipped: []float64{1, 1, 1, 1, 1}}
			summarize(&r, 0.15)
			if (r.Ratio > 0) != tt.ok || (!tt.ok && !strings.Contains(r.Why, "too noisy")) {
				t.Errorf("%+v", r)
			}
		})
	}
}

// TestGeoMean: the geometric mean of the ratios given; the interval holds
// it and is a point when the runs do not vary; a package without a ratio
// does not count.
func TestGeoMean(t *testing.T) {
	rs := []Result{
		{Ours: []float64{2, 2, 2}, Shipped: []float64{4, 4, 4}, Ratio: 0.5},
		{Ours: []float64{2, 2, 2}, Shipped: []float64{1, 1, 1}, Ratio: 2},
		{Why: "too noisy"},
	}
	gm, ci, n := GeoMean(rs, 1)
	if n != 2 || math.Abs(gm-1) > 1e-9 || math.Abs(ci[0]-1) > 1e-9 || math.Abs(ci[1]-1) > 1e-9 {
		t.Errorf("gm %v ci %v n %d", gm, ci, n)
	}
	rs[0].Ours = []float64{1.5, 2, 2.5}
	gm, ci, _ = GeoMean(rs, 1)
	if !(ci[0] < gm && gm < ci[1]) {
		t.Errorf("interval %v does not hold %v", ci, gm)
	}
}

// TestSuiteData: the workload holds the packages and runtime/race's
// benchmarks, at least 5 runs each.
func TestSuiteData(t *testing.T) {
	s, err := LoadSuite()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range s.Packages {
		have[p.Pkg] = true
	}
	for _, p := range []string{"encoding/json", "compress/flate", "regexp", "math/big", "strconv", "sort", "bytes", "text/template", "net/http", "sync", "runtime/race"} {
		if !have[p] {
			t.Errorf("the suite lacks %s", p)
		}
	}
	if s.Runs < 5 {
		t.Errorf("%d runs", s.Runs)
	}
}
