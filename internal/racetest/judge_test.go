package racetest

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func run(object string, cases map[string]string, tests map[string]string) ObjectRun {
	s := SuiteRun{Package: "runtime/race"}
	for _, n := range slices.Sorted(maps.Keys(cases)) {
		s.Cases = append(s.Cases, Case{Name: n, Result: cases[n]})
	}
	for _, n := range slices.Sorted(maps.Keys(tests)) {
		s.Tests = append(s.Tests, Test{Name: n, Result: tests[n]})
	}
	return ObjectRun{Object: object, Suites: []SuiteRun{s}}
}

func TestJudgeSame(t *testing.T) {
	c := map[string]string{"RaceA": Pass, "NoRaceB": Pass, "RaceC": Fail}
	tt := map[string]string{"runtime/race.TestRace": Fail, "sync.TestMutex": Pass}
	v := Judge(run("ours", c, tt), run("shipped", c, tt), nil)
	if !v.OK || len(v.Differences) != 0 {
		t.Errorf("%+v", v)
	}
}

func TestJudgeRegressions(t *testing.T) {
	shipped := run("shipped", map[string]string{"RaceA": Pass, "NoRaceB": Pass, "RaceC": Pass},
		map[string]string{"sync.TestMutex": Pass, "sync.TestOnce": Pass})
	ours := run("ours", map[string]string{"RaceA": Pass, "NoRaceB": FalsePos},
		map[string]string{"sync.TestMutex": Fail, "sync.TestOnce": Pass})
	v := Judge(ours, shipped, nil)
	if v.OK {
		t.Fatalf("judged ok: %+v", v)
	}
	got := map[string]Difference{}
	for _, d := range v.Differences {
		got[d.Name] = d
	}
	for name, want := range map[string]string{"NoRaceB": FalsePos, "RaceC": missing, "sync.TestMutex": Fail} {
		d, ok := got[name]
		if !ok || !d.Regression || d.Ours != want || d.Shipped != Pass {
			t.Errorf("%s: %+v, want a regression to %s", name, d, want)
		}
	}
	if !strings.Contains(v.Why, "3 regressions") {
		t.Errorf("why: %s", v.Why)
	}
}

func TestJudgeBetterIsNamedNotFailed(t *testing.T) {
	shipped := run("shipped", map[string]string{"RaceA": Fail, "RaceB": Pass}, map[string]string{"x.TestY": Skip, "x.TestZ": Pass})
	ours := run("ours", map[string]string{"RaceA": Pass, "RaceB": Pass}, map[string]string{"x.TestZ": Pass})
	v := Judge(ours, shipped, nil)
	if !v.OK || len(v.Differences) != 1 || v.Differences[0].Name != "RaceA" || v.Differences[0].Regression {
		t.Errorf("%+v", v)
	}
}

func TestJudgeExpected(t *testing.T) {
	shipped := run("shipped", map[string]string{"RaceA": Pass}, map[string]string{"runtime/race.TestOutput": Pass, "sync.TestMutex": Pass})
	ours := run("ours", map[string]string{"RaceA": Pass}, map[string]string{"runtime/race.TestOutput": Fail, "sync.TestMutex": Pass})
	exp := []Expected{{Kind: "test", Name: "runtime/race.TestOutput", Shipped: Pass, Ours: Fail, Why: "report format"}}
	v := Judge(ours, shipped, exp)
	if !v.OK || len(v.Differences) != 1 || !v.Differences[0].Expected || v.Differences[0].Regression {
		t.Errorf("%+v", v)
	}
	// An expected difference matches exactly: another verdict is a regression.
	ours = run("ours", map[string]string{"RaceA": Pass}, map[string]string{"sync.TestMutex": Pass})
	if v := Judge(ours, shipped, exp); v.OK {
		t.Errorf("a missing TestOutput was tolerated as the expected FAILED: %+v", v)
	}
	// One that did not occur is noted.
	if v := Judge(shipped, shipped, exp); !v.OK || !strings.Contains(v.Why, "did not occur") {
		t.Errorf("%+v", v)
	}
}

func TestJudgeNothingProved(t *testing.T) {
	shipped := run("shipped", map[string]string{"RaceA": Fail}, map[string]string{"x.TestY": Fail})
	ours := run("ours", nil, nil)
	if v := Judge(ours, shipped, nil); v.OK {
		t.Errorf("a run of ours that passed nothing was judged ok: %+v", v)
	}
	ours = run("ours", nil, map[string]string{"x.TestY": Pass})
	if v := Judge(ours, shipped, nil); v.OK || !strings.Contains(v.Why, "could not be read") {
		t.Errorf("cases read for shipped only: %+v", v)
	}
}
