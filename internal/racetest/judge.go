package racetest

import (
	"fmt"
	"maps"
	"slices"
	"sort"
)

// Difference is one TestRace case or test whose verdict differs between
// the shipped object's run and ours.
type Difference struct {
	Kind    string `json:"kind"` // "case" (TestRace) or "test"
	Name    string `json:"name"`
	Shipped string `json:"shipped"` // a verdict, or "missing" when not run
	Ours    string `json:"ours"`
	// Regression: it passed with the shipped object and not with ours.
	Regression bool `json:"regression"`
	// Expected: the release's data explains it (Why); it does not fail.
	Expected bool   `json:"expected,omitempty"`
	Why      string `json:"why,omitempty"`
}

func (d Difference) String() string {
	tag := "better with ours"
	switch {
	case d.Expected:
		tag = "expected: " + d.Why
	case d.Regression:
		tag = "REGRESSION"
	}
	return fmt.Sprintf("%s %s: shipped %s, ours %s (%s)", d.Kind, d.Name, d.Shipped, d.Ours, tag)
}

// Verdict is the case-by-case judgement of our run against the shipped one.
type Verdict struct {
	OK          bool         `json:"ok"`
	Why         string       `json:"why"`
	Differences []Difference `json:"differences,omitempty"`
}

const missing = "missing"

// Judge compares our run with the shipped object's, case by case and test
// by test, not by exit code: every TestRace case and every test that passes
// with the shipped object must pass with ours (a regression otherwise);
// every difference, either way, is named. A run of ours that passed nothing
// proves nothing and fails, as does a TestRace whose cases were read for
// the shipped object and not for ours. A difference that matches one of
// expected exactly (kind, name, both verdicts) is reported as expected, with
// its reason, and is not a regression; an expected difference that did not
// occur is noted.
func Judge(ours, shipped ObjectRun, expected []Expected) Verdict {
	var v Verdict
	diff := func(kind string, o, s map[string]string) {
		names := map[string]bool{}
		for n := range o {
			names[n] = true
		}
		for n := range s {
			names[n] = true
		}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			ov, oh := o[n]
			sv, sh := s[n]
			if !oh {
				ov = missing
			}
			if !sh {
				sv = missing
			}
			if ov == sv {
				continue
			}
			if sv == Skip && !oh {
				continue // skipped with the shipped object, not run with ours: nothing to compare
			}
			d := Difference{Kind: kind, Name: n, Shipped: sv, Ours: ov, Regression: sv == Pass}
			for _, x := range expected {
				if x.Kind == kind && x.Name == n && x.Shipped == sv && x.Ours == ov {
					d.Expected, d.Why, d.Regression = true, x.Why, false
				}
			}
			v.Differences = append(v.Differences, d)
		}
	}
	oc, sc := casesOf(ours), casesOf(shipped)
	diff("case", oc, sc)
	ot, st := testsOf(ours), testsOf(shipped)
	diff("test", ot, st)
	sort.SliceStable(v.Differences, func(i, j int) bool {
		return v.Differences[i].Regression && !v.Differences[j].Regression
	})
	regressions, expectedSeen := 0, 0
	for _, d := range v.Differences {
		if d.Regression {
			regressions++
		}
		if d.Expected {
			expectedSeen++
		}
	}
	op, _ := ours.CasesPassed()
	sp, _ := shipped.CasesPassed()
	passedTests := 0
	for _, r := range ot {
		if r == Pass {
			passedTests++
		}
	}
	switch {
	case regressions > 0:
		v.Why = fmt.Sprintf("%d regressions: cases or tests that pass with the shipped object fail or are missing with ours", regressions)
	case passedTests == 0:
		v.Why = "no test passed with ours: nothing is proved"
	case len(sc) > 0 && len(oc) == 0:
		v.Why = "TestRace's cases could not be read for ours"
	default:
		v.OK = true
		v.Why = fmt.Sprintf("every case and test passing with the shipped object passes with ours (TestRace %d vs %d cases passed; %d tests passed with ours)", op, sp, passedTests)
		if len(v.Differences) > 0 {
			v.Why += fmt.Sprintf("; %d differences, none a regression (%d expected, named in releases.json)", len(v.Differences), expectedSeen)
		}
	}
	inner := func(r ObjectRun) bool {
		for _, s := range r.Suites {
			if s.CasesFrom == "inner-log" {
				return true
			}
		}
		return false
	}
	switch oi, si := inner(ours), inner(shipped); {
	case oi && si:
		v.Why += "; TestRace's testdata run failed with both objects: its cases were recomputed from the log TestRace dumped"
	case oi:
		v.Why += "; TestRace's testdata run failed with ours only: its cases were recomputed from the log TestRace dumped"
	case si:
		v.Why += "; TestRace's testdata run failed with the shipped object only: its cases were recomputed from the log TestRace dumped"
	}
	if expectedSeen < len(expected) {
		v.Why += fmt.Sprintf("; %d of %d expected differences did not occur", len(expected)-expectedSeen, len(expected))
	}
	return v
}

func casesOf(r ObjectRun) map[string]string {
	m := map[string]string{}
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			m[c.Name] = c.Result
		}
	}
	return m
}

func testsOf(r ObjectRun) map[string]string {
	m := map[string]string{}
	for _, s := range r.Suites {
		for _, t := range s.Tests {
			m[t.Name] = t.Result
		}
	}
	return m
}

// Expected is one explained difference: the test or TestRace case Name
// (as Difference names it) has verdict Shipped with the shipped object and
// Ours with ours.
type Expected struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Shipped string `json:"shipped"`
	Ours    string `json:"ours"`
	Why     string `json:"why"`
}

// Object kinds: which of our objects a release is judged with.
const (
	Base = "base" // the pre-split object (patches up to "# --- end of base ---")
	PerP = "perp" // the per-P object, the whole series
)
