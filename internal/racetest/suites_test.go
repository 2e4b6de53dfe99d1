package racetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go17Output is runtime/race's `go test -v` output in Go 1.6-1.24's form:
// case lines padded to 40 columns by a loop, a long name unpadded, the
// verdicts ".", "FAILED" and "FAILED+", and the summary.
const go17Output = `=== RUN   TestOutput
--- PASS: TestOutput (2.43s)
=== RUN   TestRace

NoRaceAtomicAddInt64                     .
RaceAtomicAddInt64                       .
RaceChanSendLen                          FAILED
NoRaceMapRR                              FAILED+
NoRaceWaitGroupMultipleWaitSomethingVeryLong .
RaceFailingSliceStruct                   FAILED

Passed 3 of 6 tests (50.00%, 1+, 2-)
1 expected failures (0 has not fail)
--- FAIL: TestRace (8.05s)
=== RUN   TestIssue8102
--- PASS: TestIssue8102 (0.00s)
=== RUN   TestSubtests
=== RUN   TestSubtests/a
--- PASS: TestSubtests (0.00s)
    --- PASS: TestSubtests/a (0.00s)
    --- SKIP: TestSubtests/b (0.00s)
FAIL
ok  	runtime/race	11.508s
`

// go125Output is Go 1.25+'s form: %-*s padding and SKIPPED cases; a
// dumped inner line in 1.14+'s indentation (8 spaces, no "/") is not a test
// of the package.
const go125Output = `=== RUN   TestRace
NoRaceAtomicAddInt64                     .
RaceSkipped                              SKIPPED
--- PASS: TestRace (3.00s)
    race_test.go:50: some log
        --- PASS: TestInnerDumped (0.00s)
PASS
`

func TestParseSuiteGo17(t *testing.T) {
	s := ParseSuite("runtime/race", go17Output)
	if s.CasesFrom != "testrace" {
		t.Errorf("CasesFrom %q", s.CasesFrom)
	}
	want := map[string]string{
		"NoRaceAtomicAddInt64": Pass, "RaceAtomicAddInt64": Pass, "RaceChanSendLen": Fail, "NoRaceMapRR": FalsePos,
		"NoRaceWaitGroupMultipleWaitSomethingVeryLong": Pass, "RaceFailingSliceStruct": Fail,
	}
	if len(s.Cases) != len(want) {
		t.Fatalf("cases %v, want %v", s.Cases, want)
	}
	for _, c := range s.Cases {
		if want[c.Name] != c.Result {
			t.Errorf("case %s: %s, want %s", c.Name, c.Result, want[c.Name])
		}
	}
	if p, n, ok := ParseSummary(s.Summary); !ok || p != 3 || n != 6 {
		t.Errorf("summary %q: %d of %d (%v)", s.Summary, p, n, ok)
	}
	tests := map[string]string{}
	for _, x := range s.Tests {
		tests[x.Name] = x.Result
	}
	for name, res := range map[string]string{
		"runtime/race.TestOutput": Pass, "runtime/race.TestRace": Fail, "runtime/race.TestIssue8102": Pass,
		"runtime/race.TestSubtests": Pass, "runtime/race.TestSubtests/a": Pass, "runtime/race.TestSubtests/b": Skip,
	} {
		if tests[name] != res {
			t.Errorf("test %s: %q, want %q", name, tests[name], res)
		}
	}
	if len(tests) != 6 {
		t.Errorf("tests %v", tests)
	}
}

func TestParseSuiteGo125(t *testing.T) {
	s := ParseSuite("runtime/race", go125Output)
	if len(s.Cases) != 2 || s.Cases[1].Result != Skip || s.Cases[0].Result != Pass {
		t.Errorf("cases %v", s.Cases)
	}
	if len(s.Tests) != 1 || s.Tests[0].Name != "runtime/race.TestRace" {
		t.Errorf("tests %v (a dumped inner line must not count)", s.Tests)
	}
}

func TestParseSuiteOtherPackagesHaveNoCases(t *testing.T) {
	s := ParseSuite("sync", "=== RUN   TestMutex\n--- PASS: TestMutex (0.01s)\nRaceLookalike                  .\nok  \tsync\t1s\n")
	if len(s.Cases) != 0 || len(s.Tests) != 1 || s.Tests[0].Name != "sync.TestMutex" {
		t.Errorf("cases %v tests %v", s.Cases, s.Tests)
	}
}

// go16Failed is Go 1.6's TestRace when its testdata run failed: no case
// lines, the inner log dumped by t.Fatalf, tab-indented (Go 1.6-1.13).
const go16Failed = "=== RUN   TestRace\n--- FAIL: TestRace (11.11s)\n" +
	"\trace_test.go:45: Failed to run tests: exit status 1\n" +
	"\t\t=== RUN   TestNoRaceAtomicCrash\n" +
	"\t\t--- PASS: TestNoRaceAtomicCrash (0.00s)\n" +
	"\t\t=== RUN   TestRaceIntRW\n" +
	"\t\t==================\n" +
	"\t\tWARNING: DATA RACE\n" +
	"\t\t--- PASS: TestRaceIntRW (0.00s)\n" +
	"\t\t=== RUN   TestRaceMissed\n" +
	"\t\t--- PASS: TestRaceMissed (0.00s)\n" +
	"\t\t=== RUN   TestNoRaceFalse\n" +
	"\t\tWARNING: DATA RACE\n" +
	"\t\t=== RUN   TestHelper\n" +
	"\t\t--- PASS: TestHelper (0.00s)\n" +
	"\t\t=== RUN   TestNoRaceCgoSync\n" +
	"\t\t==31353==ERROR: ThreadSanitizer failed to allocate 0x2698000 (40468480) bytes at address 175a914de4600 (errno: 12)\n" +
	"\t\t--- FAIL: TestNoRaceCgoSync (1.42s)\n" +
	"\t\t=== RUN   TestNoRaceLast\n" +
	"\t\tfatal error: unexpected signal during runtime execution\n" +
	"=== RUN   TestIssue8102\n--- PASS: TestIssue8102 (0.00s)\nFAIL\n"

func TestCasesFromInnerLog(t *testing.T) {
	s := ParseSuite("runtime/race", go16Failed)
	if s.CasesFrom != "inner-log" {
		t.Fatalf("CasesFrom %q, cases %v", s.CasesFrom, s.Cases)
	}
	want := []Case{
		{"NoRaceAtomicCrash", Pass}, {"RaceIntRW", Pass}, {"RaceMissed", Fail}, {"NoRaceFalse", FalsePos},
		{"NoRaceCgoSync", Pass}, // TestRace's own rule: no DATA RACE, and not the last case
		{"NoRaceLast", Fail},    // the run crashed in it
	}
	if len(s.Cases) != len(want) {
		t.Fatalf("cases %v, want %v", s.Cases, want)
	}
	for i, c := range want {
		if s.Cases[i] != c {
			t.Errorf("case %d: %v, want %v", i, s.Cases[i], c)
		}
	}
	// the dumped inner verdicts are not the package's tests
	for _, x := range s.Tests {
		if strings.Contains(x.Name, "NoRace") || strings.Contains(x.Name, "Helper") {
			t.Errorf("dumped inner test counted: %v", x)
		}
	}
	if len(s.Tests) != 2 {
		t.Errorf("tests %v", s.Tests)
	}
}

func TestCasesFromInnerLogNeedsTheDump(t *testing.T) {
	if cs := CasesFromInnerLog("=== RUN   TestRaceX\nWARNING: DATA RACE\n"); cs != nil {
		t.Errorf("cases read from a log TestRace did not dump: %v", cs)
	}
}

func TestFormatCases(t *testing.T) {
	ours := ObjectRun{Suites: []SuiteRun{{Cases: []Case{{"RaceA", Pass}, {"RaceB", Pass}, {"RaceC", Skip}, {"NoRaceD", FalsePos}}}}}
	shipped := ObjectRun{Suites: []SuiteRun{{Cases: []Case{{"RaceA", Pass}, {"RaceB", Pass}, {"RaceC", Skip}, {"NoRaceD", Pass}}}}}
	if got := FormatCases(ours, shipped); got != "2/3 of 3" {
		t.Errorf("%s (a SKIPPED case is not run, as TestRace counts)", got)
	}
	shipped.Suites[0].Cases = shipped.Suites[0].Cases[:2]
	if got := FormatCases(ours, shipped); got != "2 of 3 / 2 of 2" {
		t.Errorf("%s", got)
	}
}

func TestTestdataCasesAndNotRun(t *testing.T) {
	gr := t.TempDir()
	td := filepath.Join(gr, "src", "runtime", "race", "testdata")
	os.MkdirAll(td, 0o755)
	os.WriteFile(filepath.Join(td, "a_test.go"), []byte("func TestRaceA(t *testing.T) {}\nfunc TestNoRaceB(t *testing.T) {}\nfunc helper() {}\n"), 0o644)
	os.WriteFile(filepath.Join(td, "b_test.go"), []byte("func TestRaceC(t *testing.T) {}\nfunc TestOther(t *testing.T) {}\n"), 0o644)
	defined, err := TestdataCases(gr)
	if err != nil || strings.Join(defined, ",") != "RaceA,NoRaceB,RaceC" {
		t.Fatalf("%v %v", defined, err)
	}
	ours := ObjectRun{Suites: []SuiteRun{{Cases: []Case{{"RaceA", Pass}}}}}
	shipped := ObjectRun{Suites: []SuiteRun{{Cases: []Case{{"RaceA", Pass}, {"NoRaceB", Skip}}}}}
	if got := NotRun(defined, ours, shipped); strings.Join(got, ",") != "RaceC" {
		t.Errorf("%v", got)
	}
}

// TestObjectRunJudge: a run passes on its own only when every suite
// exited 0 and, where runtime/race ran, TestRace's cases were read and all
// passed; each failing form is rejected and named.
func TestObjectRunJudge(t *testing.T) {
	race := func(exit bool, cases ...Case) SuiteRun {
		return SuiteRun{Package: "runtime/race", Args: []string{"test", "runtime/race"}, ExitOK: exit, Cases: cases}
	}
	sync := SuiteRun{Package: "sync", Args: []string{"test", "sync"}, ExitOK: true, Tests: []Test{{"sync.TestMutex", Pass}}}
	for _, tt := range []struct {
		name string
		run  ObjectRun
		ok   bool
		want string
	}{
		{"all cases", ObjectRun{Suites: []SuiteRun{race(true, Case{"RaceA", Pass}, Case{"NoRaceB", Pass}), sync}}, true, "ok"},
		{"a skipped case is not run", ObjectRun{Suites: []SuiteRun{race(true, Case{"RaceA", Pass}, Case{"RaceS", Skip})}}, true, "ok"},
		{"cases not read", ObjectRun{Suites: []SuiteRun{race(true), sync}}, false, "not in the output"},
		{"a case failed", ObjectRun{Suites: []SuiteRun{race(true, Case{"RaceA", Pass}, Case{"NoRaceB", FalsePos})}}, false, "passed 1 of 2 cases (failed: NoRaceB FAILED+)"},
		{"go test failed", ObjectRun{Suites: []SuiteRun{race(false, Case{"RaceA", Pass})}}, false, "exit status not 0: test runtime/race"},
		{"a suite without cases", ObjectRun{Suites: []SuiteRun{sync}}, true, "ok"},
		{"nothing", ObjectRun{}, false, "nothing ran"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if ok, why := tt.run.Judge(); ok != tt.ok || !strings.Contains(why, tt.want) {
				t.Errorf("Judge = %v, %q; want %v, %q", ok, why, tt.ok, tt.want)
			}
		})
	}
	two := ObjectRun{Suites: []SuiteRun{race(true, Case{"RaceA", Pass}), {Package: "runtime/race", Seconds: 2, CasesFrom: "rest-of-testdata"}, {Package: "sync", Seconds: 3}}}
	if p := two.Package("runtime/race"); len(p.Suites) != 2 || p.Seconds != 2 {
		t.Errorf("Package(runtime/race) = %+v", p)
	}
}
