package report

import (
	"encoding/json"
	"github.com/racesyso/racesyso/internal/racetest"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/history"
	"github.com/racesyso/racesyso/internal/verify"
)

// fixture is a verify report with every kind of figure verify writes (a
// leak table over work, BenchmarkSyncLeak with a bound, single values)
// and a history of two releases.
func fixture() (*verify.Report, *history.Report) {
	v := &verify.Report{OK: false, Passed: 3, Failed: 1, Skipped: 1, Results: []verify.Result{
		{Name: "leak", Target: "/d/race_linux_amd64.syso", Status: verify.Passed, Summary: "base 123 -> 620 MiB, ours 48 -> 59 MiB",
			Figures: []verify.Figure{{Name: "RSS after the BenchmarkSyncLeak pattern", Unit: "MiB", X: "work", Xs: []float64{1, 2, 4, 8},
				Series: []verify.Series{{Name: "base", Values: []float64{122.7, 193.8, 338.3, 619.6}}, {Name: "ours", Values: []float64{47.8, 49.3, 52.5, 58.7}}}}}},
		{Name: "goroot/BenchmarkSyncLeak-vs-shipped", Target: "linux", Status: verify.Passed, Summary: "geometric mean 1.01x",
			Figures: []verify.Figure{{Name: "BenchmarkSyncLeak peak RSS", Unit: "MiB", X: "iterations", Xs: []float64{3000, 6000, 12000, 24000}, Bound: 1.1,
				Series: []verify.Series{{Name: "ours", Values: []float64{386, 514, 644, 687}}, {Name: "shipped", Values: []float64{345, 519, 652, 702}}}}}},
		{Name: "goroot/runtime/race", Target: "linux", Status: verify.Passed, Summary: "ours 11.6 s, shipped 10.4 s",
			Figures: []verify.Figure{verify.Point("wall", "s", verify.Val("ours", 11.625), verify.Val("shipped", 10.375))}},
		{Name: "undefined", Target: "/d/race_darwin_amd64.syso", Status: verify.Failed, Summary: "4 undefined symbols not on the darwin allowlist: a|b <c>"},
		{Name: "goroot/GOAMD64=v3", Target: "linux-v3", Status: verify.Skipped, Summary: "not run: this CPU lacks x86-64-v3"},
	}}
	leak := func(o, s float64) *racetest.Leak {
		return &racetest.Leak{Ours: racetest.LeakSeries{Points: []racetest.LeakPoint{{Iterations: 100, PeakMiB: o}}}, Shipped: racetest.LeakSeries{Points: []racetest.LeakPoint{{Iterations: 100, PeakMiB: s}}}}
	}
	h := &history.Report{OK: true, Seconds: 609, Command: "RACESYSO_HISTORY=ci go run mage.go history", Releases: []history.Entry{
		{Release: "1.6.4", Object: "base", TestRace: "300/300", WallOurs: 20.5, WallShipped: 21, OK: true, Leak: leak(100, 101)},
		{Release: "1.7.6", Object: "perp", TestRace: "320/320", WallOurs: 19.25, WallShipped: 20, OK: true, Leak: leak(75, 100)},
	}}
	return v, h
}

func TestRowsAndRatios(t *testing.T) {
	v, _ := fixture()
	rows := Rows(v)
	if len(rows) != 8+8+2 {
		t.Fatalf("%d rows, want 18 (every value of every figure)", len(rows))
	}
	for _, tt := range []struct {
		key  string
		want float64
		at   string
	}{
		{"0/0/base/3", 619.6, "work 8"},
		{"1/0/shipped/0", 345, "iterations 3000"},
		{"2/0/ours/0", 11.625, ""},
	} {
		var found bool
		for _, r := range rows {
			if r.Key == tt.key {
				found = true
				if r.Value != tt.want || r.At != tt.at {
					t.Errorf("%s: %v at %q, want %v at %q", tt.key, r.Value, r.At, tt.want, tt.at)
				}
			}
		}
		if !found {
			t.Errorf("no row %s", tt.key)
		}
	}
	rs := Ratios(v)
	if len(rs) != 2 { // the leak table has no shipped series
		t.Fatalf("ratios %+v, want the SyncLeak and runtime/race ones", rs)
	}
	gm := math.Pow(386.0/345*514/519*644/652*687/702, 0.25)
	if math.Abs(rs[0].Value-gm) > 1e-12 || rs[0].Bound != 1.1 || math.Abs(rs[1].Value-11.625/10.375) > 1e-12 || rs[1].Bound != 0 {
		t.Errorf("ratios %+v, want %v (bound 1.1) and %v", rs, gm, 11.625/10.375)
	}
}

func TestNum(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{{619.6, "619.6"}, {345, "345"}, {1.0049, "1.005"}, {0.0001, "0"}, {-0.0001, "0"}, {24000, "24000"}, {math.NaN(), "NaN"}} {
		if got := Num(tt.v); got != tt.want {
			t.Errorf("Num(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	v, h := fixture()
	for _, tt := range []struct {
		name    string
		files   map[string]any
		raw     map[string]string
		wantErr string
		verify  bool
		history bool
	}{
		{"both", map[string]any{dist.VerifyFile: v, history.FileName: h}, nil, "", true, true},
		{"verify only", map[string]any{dist.VerifyFile: v}, nil, "", true, false},
		{"history only", map[string]any{history.FileName: h}, nil, "", false, true},
		{"neither", nil, nil, "run `go run mage.go verify`", false, false},
		{"malformed", nil, map[string]string{dist.VerifyFile: "{"}, "verify.json is not a report racesyso wrote", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, x := range tt.files {
				b, _ := json.Marshal(x)
				os.WriteFile(filepath.Join(dir, name), b, 0o644)
			}
			for name, s := range tt.raw {
				os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644)
			}
			in, err := Load(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (in.Verify != nil) != tt.verify || (in.History != nil) != tt.history {
				t.Errorf("verify %v history %v", in.Verify != nil, in.History != nil)
			}
		})
	}
}

// TestWriteIsWholeAndEscaped: the page and the Markdown are written, the
// page has one inline SVG per plot and no reference to anything outside
// it, and a summary's markup is escaped, not interpreted.
func TestWriteIsWholeAndEscaped(t *testing.T) {
	v, h := fixture()
	dir := t.TempDir()
	if err := Write(dir, Input{Title: "fixture", Verify: v, History: h}); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	plots, _ := Plots(v, h)
	if len(plots) != 4 { // leak, SyncLeak, ratios, history
		t.Errorf("%d plots, want 4", len(plots))
	}
	if n := strings.Count(string(page), "<svg"); n != len(plots) {
		t.Errorf("%d inline SVGs for %d plots", n, len(plots))
	}
	for _, bad := range []string{"http://", "https://", "<script", "src="} {
		if bad == "http://" {
			// SVG's own namespace URIs are names, not fetches.
			if strings.Count(string(page), bad) != strings.Count(string(page), "http://www.w3.org/") {
				t.Errorf("the page refers to something outside it (%s)", bad)
			}
			continue
		}
		if strings.Contains(string(page), bad) {
			t.Errorf("the page has %q", bad)
		}
	}
	if strings.Contains(string(page), "a|b <c>") || !strings.Contains(string(page), "a|b &lt;c&gt;") {
		t.Error("a summary's markup is not escaped")
	}
	if !strings.Contains(string(md), `a\|b <c>`) || !strings.Contains(string(md), "| goroot/runtime/race: wall | 1.12 | reported |") {
		t.Errorf("markdown:\n%s", md)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files in dir, want the two reports and nothing else", len(entries))
	}
}

// TestBenchRows: a bench slot that was not run is one row saying so, with
// no ratio, never a pass; a measured slot gives its packages and its
// geometric mean, which carries the goal as its bound in the plot.
func TestBenchRows(t *testing.T) {
	b := benchFixture()
	rows := BenchRows(b)
	var notRun, gm *BenchRow
	for i := range rows {
		switch {
		case rows[i].Package == "(slot)":
			notRun = &rows[i]
		case rows[i].Package == "geometric mean":
			gm = &rows[i]
		}
	}
	if notRun == nil || notRun.Ratio != 0 || !strings.HasPrefix(notRun.Why, "not run: ") {
		t.Errorf("the slot not run: %+v", notRun)
	}
	if gm == nil || gm.Ratio != 0.949 || !strings.Contains(gm.Why, "over 1 packages") {
		t.Errorf("the geometric mean: %+v", gm)
	}
	bounded := 0
	for _, r := range benchRatios(b) {
		if r.Bound == b.Goal {
			bounded++
		}
	}
	if bounded != 1 {
		t.Errorf("%d ratios carry the goal, want the one geometric mean", bounded)
	}
}
