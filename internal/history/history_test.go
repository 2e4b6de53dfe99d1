package history

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/racetest"
)

func TestTableAndJSON(t *testing.T) {
	rep := &Report{Releases: []Entry{
		{Release: "go1.6.4", Layout: LayoutRaceDir, Object: Base, ABI: "5/5 (30 imports)", TestRace: "342/342 of 342", WallOurs: 18, WallShipped: 22, OK: true,
			Differences: []racetest.Difference{{Kind: "test", Name: "runtime/race.TestOutput", Shipped: racetest.Pass, Ours: racetest.Fail, Expected: true, Why: "report format"}}},
		{Release: "go1.7.6", Layout: LayoutRaceDir, Object: PerP, ABI: "4/4 (33 imports)", TestRace: "341 of 342 / 342 of 343", WallOurs: 23, WallShipped: 30,
			Differences: []racetest.Difference{{Kind: "case", Name: "RaceChanSendLen", Shipped: racetest.Pass, Ours: racetest.Fail, Regression: true}}},
	}}
	tab := rep.Table()
	for _, want := range []string{
		"| release | layout | object | abi | TestRace passed ours/shipped | wall s ours/shipped | ok |",
		"| go1.6.4 | race-dir | base | 5/5 (30 imports) | 342/342 of 342 | 18 / 22 | ok; differs: runtime/race.TestOutput (pass→FAILED, expected) |",
		"| go1.7.6 | race-dir | perp | 4/4 (33 imports) | 341 of 342 / 342 of 343 | 23 / 30 | FAIL; differs: RaceChanSendLen (pass→FAILED) |",
	} {
		if !strings.Contains(tab, want+"\n") {
			t.Errorf("table lacks\n%s\nin\n%s", want, tab)
		}
	}
	b, err := json.Marshal(rep.Releases[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"release", "layout", "object", "abi", "testrace", "wall_seconds_ours", "wall_seconds_shipped", "ok"} {
		if _, ok := m[k]; !ok {
			t.Errorf("history.json entry lacks %q", k)
		}
	}
}

func TestABISummary(t *testing.T) {
	a := ABI{Imports: 33, Checks: []ABICheck{
		{Object: "perp/linux", OK: true, Required: true}, {Object: "perp/darwin", OK: true, Required: true},
		{Object: "perp/freebsd", OK: true, Required: true}, {Object: "perp/windows", OK: false, Required: true},
		{Object: "base/linux", OK: false}, {Object: "shipped/linux", OK: true},
	}}
	if got := a.Summary(); got != "3/4 (33 imports)" {
		t.Errorf("%s", got)
	}
}

func TestSummarizePairsByPackage(t *testing.T) {
	mk := func(tests ...int) racetest.ObjectRun {
		var r racetest.ObjectRun
		for i, pkg := range []string{"runtime/race", "runtime/race", "sync"} {
			s := racetest.SuiteRun{Package: pkg}
			for j := 0; j < tests[i]; j++ {
				s.Tests = append(s.Tests, racetest.Test{Name: "T", Result: racetest.Pass})
			}
			r.Suites = append(r.Suites, s)
		}
		return r
	}
	got := summarize(mk(0, 4, 23), mk(1, 5, 22))
	if len(got) != 3 || got[0].PassedShipped != 1 || got[1].PassedShipped != 5 || got[2].PassedShipped != 22 {
		t.Errorf("%+v", got)
	}
}

// TestRunRefusesAScratchDirInsideAModule: old go commands (1.11-1.15, module
// mode "auto") load the nearest go.mod for what they build in the scratch
// directory, so Run refuses one inside a module, naming it, before it
// fetches or builds anything; one outside passes that check.
func TestRunRefusesAScratchDirInsideAModule(t *testing.T) {
	mod := t.TempDir()
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(mod, ".build", "history")
	_, err := Run(context.Background(), Options{Work: work, Cache: t.TempDir(), PerP: t.TempDir(), Base: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "inside the Go module of "+filepath.Join(mod, "go.mod")) {
		t.Fatalf("Run with the scratch directory in a module: %v", err)
	}
	if got := EnclosingModule(work); got != filepath.Join(mod, "go.mod") {
		t.Errorf("EnclosingModule(%s) = %q", work, got)
	}
	if got := EnclosingModule(t.TempDir()); got != "" {
		t.Errorf("EnclosingModule of a fresh temp dir = %q", got)
	}
	// Outside a module, the next check speaks: no objects.
	_, err = Run(context.Background(), Options{Work: t.TempDir(), Cache: t.TempDir(), PerP: t.TempDir(), Base: t.TempDir()})
	if err == nil || strings.Contains(err.Error(), "inside the Go module") || !strings.Contains(err.Error(), "no per-P") {
		t.Errorf("Run outside a module: %v", err)
	}
}
