package racetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Packages are the packages whose race tests judge an object, each run as
// its own `go test -race -short -count=1 -v <pkg>` (one after the other:
// each output is one package's, and runs do not compete for the CPUs).
var Packages = []string{"runtime/race", "sync", "sync/atomic"}

// Outcomes of a TestRace case or a test.
const (
	Pass     = "pass"
	Fail     = "FAILED"  // TestRace: expected a race, none reported; or a test failed
	FalsePos = "FAILED+" // TestRace: a race reported where none was expected
	Skip     = "SKIPPED"
)

// Case is one TestRace case (a test of runtime/race/testdata).
type Case struct {
	Name   string `json:"name"`
	Result string `json:"result"`
}

// Test is one `--- PASS/FAIL/SKIP: TestX` line (subtests included).
type Test struct {
	Name   string `json:"name"` // "sync.TestMutex", "runtime/race.TestRace/sub"
	Result string `json:"result"`
}

// SuiteRun is one `go test` of one package.
type SuiteRun struct {
	Package string   `json:"package"`
	Args    []string `json:"args"`
	ExitOK  bool     `json:"exit_ok"`
	Error   string   `json:"error,omitempty"`
	Seconds float64  `json:"seconds"`
	Tests   []Test   `json:"tests"`
	// Cases are TestRace's (runtime/race only).
	Cases []Case `json:"cases,omitempty"`
	// CasesFrom: "testrace" when read from TestRace's own per-case lines,
	// "inner-log" when TestRace failed before printing them and they were
	// recomputed, by TestRace's own rule, from the testdata run's output it
	// dumped (the inner `go test -v` log).
	CasesFrom string `json:"cases_from,omitempty"`
	// Flaky names the cases that passed only when rerun alone (windows
	// under wine).
	Flaky []string `json:"flaky,omitempty"`
	// Summary is TestRace's "Passed N of M tests" line, when printed.
	Summary string `json:"summary,omitempty"`
	Log     string `json:"log,omitempty"` // the full output, saved to this file
}

// ObjectRun is all the race tests of one object in one release.
type ObjectRun struct {
	Object  string     `json:"object"` // "ours" or "shipped"
	Suites  []SuiteRun `json:"suites"`
	Seconds float64    `json:"seconds"`
}

// CasesPassed counts TestRace's passed cases and the cases run, as
// TestRace's "Passed N of M tests" counts them: a SKIPPED case is neither.
func (r ObjectRun) CasesPassed() (passed, total int) {
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if c.Result == Skip {
				continue
			}
			total++
			if c.Result == Pass {
				passed++
			}
		}
	}
	return
}

// Package is the run's suites of one package (runtime/race's are its
// go test and, when its testdata run ended early, the rest of TestRace's
// cases), with their wall time.
func (r ObjectRun) Package(pkg string) ObjectRun {
	out := ObjectRun{Object: r.Object}
	for _, s := range r.Suites {
		if s.Package == pkg {
			out.Suites = append(out.Suites, s)
			out.Seconds += s.Seconds
		}
	}
	return out
}

// Failed names what failed in the run: the tests, and TestRace's cases
// with their verdicts.
func (r ObjectRun) Failed() []string {
	var out []string
	for _, s := range r.Suites {
		for _, t := range s.Tests {
			if t.Result == Fail {
				out = append(out, t.Name)
			}
		}
		for _, c := range s.Cases {
			if c.Result == Fail || c.Result == FalsePos {
				out = append(out, c.Name+" "+c.Result)
			}
		}
	}
	return out
}

// Judge is the run's verdict on its own, as verify's rows hold it: it has
// suites, every go test (or test binary) exited 0, and where runtime/race
// ran, TestRace's cases were read and every case that ran passed. A
// runtime/race run whose cases cannot be read fails: a TestRace that ran
// no case proved nothing. (Judge, the function, holds ours against the
// shipped object's run instead.)
func (r ObjectRun) Judge() (bool, string) {
	passed, total := r.CasesPassed()
	race := false
	for _, s := range r.Suites {
		race = race || s.Package == "runtime/race"
	}
	var bad []string
	for _, s := range r.Suites {
		if !s.ExitOK {
			bad = append(bad, strings.Join(s.Args, " "))
		}
	}
	switch {
	case len(r.Suites) == 0:
		return false, "nothing ran"
	case len(bad) > 0:
		why := "exit status not 0: " + strings.Join(bad, "; ")
		if f := r.Failed(); len(f) > 0 {
			why += " (failed: " + strings.Join(f, ", ") + ")"
		}
		return false, why
	case race && total == 0:
		return false, "TestRace's cases are not in the output"
	case passed != total:
		return false, fmt.Sprintf("TestRace passed %d of %d cases (failed: %s)", passed, total, strings.Join(r.Failed(), ", "))
	}
	return true, "ok"
}

// FormatCases is the table's TestRace column: "368/368 of 368" (ours and
// shipped passed, of the cases both ran), or "340 of 342 / 368 of 368".
func FormatCases(ours, shipped ObjectRun) string {
	op, ot := ours.CasesPassed()
	sp, st := shipped.CasesPassed()
	if ot == st {
		return fmt.Sprintf("%d/%d of %d", op, sp, ot)
	}
	return fmt.Sprintf("%d of %d / %d of %d", op, ot, sp, st)
}

// RunRaceTests runs Packages' race tests with the release's go command. On
// Go 1.10 and later a build of the same test binaries, and of TestRace's
// testdata, comes first and is not timed (the per-release GOCACHE then holds
// both objects' builds, and the wall times compare the tests, not the
// compiles; TestOutput's small programs still build in the timed run). Logs
// go to logDir.
func (e *Env) RunRaceTests(ctx context.Context, object, logDir string) (ObjectRun, error) {
	run := ObjectRun{Object: object}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return run, err
	}
	if AtLeast(e.Version, 1, 10) {
		args := append([]string{"test", "-race", "-short", "-count=1", "-run=^$"}, Packages...)
		if out, err := e.Go(ctx, "", args...); err != nil {
			return run, fmt.Errorf("building the race tests (go %s): %v\n%s", strings.Join(args, " "), err, Tail(out, 3000))
		}
		// TestRace's own build of the testdata, and the std it imports
		// beyond the packages' (net/http, os/exec...).
		raceDir := filepath.Join(e.GOROOT, "src", "runtime", "race")
		files, _ := filepath.Glob(filepath.Join(raceDir, "testdata", "*_test.go"))
		exe := filepath.Join(e.TmpDir, "testdata.test")
		defer os.Remove(exe)
		args = []string{"test", "-race", "-c", "-o", exe}
		for _, f := range files {
			args = append(args, "./testdata/"+filepath.Base(f))
		}
		if out, err := e.Go(ctx, raceDir, args...); err != nil {
			return run, fmt.Errorf("building TestRace's testdata (go %s): %v\n%s", strings.Join(args, " "), err, Tail(out, 3000))
		}
	}
	for _, pkg := range Packages {
		args := []string{"test", "-race", "-short", "-count=1", "-v", pkg}
		t0 := time.Now()
		out, err := e.Go(ctx, "", args...)
		s := ParseSuite(pkg, out)
		s.Args, s.ExitOK, s.Seconds = args, err == nil, time.Since(t0).Seconds()
		if err != nil {
			s.Error = err.Error()
		}
		s.Log = filepath.Join(logDir, strings.ReplaceAll(pkg, "/", "_")+".log")
		if werr := os.WriteFile(s.Log, []byte(out), 0o644); werr != nil {
			return run, werr
		}
		run.Seconds += s.Seconds
		run.Suites = append(run.Suites, s)
		e.logf("%s (%s): exit ok=%v, %d tests, %d TestRace cases, %.0fs", pkg, object, s.ExitOK, len(s.Tests), len(s.Cases), s.Seconds)
		if ctx.Err() != nil {
			return run, ctx.Err()
		}
		if pkg == "runtime/race" && AtLeast(e.Version, 1, 20) {
			rest, err := e.RestOfTestRace(ctx, s.Cases, logDir)
			if err != nil {
				return run, err
			}
			if rest != nil {
				run.Seconds += rest.Seconds
				run.Suites = append(run.Suites, *rest)
			}
		}
	}
	return run, nil
}

// RestOfTestRace runs the TestRace cases the testdata defines and the run
// did not report, when its testdata run ended early (Go 1.23 and 1.24: the
// testdata binary panics in TestRaceRangeFuncIterator, "range function
// continued iteration after loop body panic", with Go's own object too, and
// TestRace passes on the cases that ran). They run as TestRace runs them
// (go test -race -v of testdata/*_test.go, GOMAXPROCS=1 and its GORACE)
// with -run naming them (go test -run/-skip, Go 1.20+); the case a run ends
// in is skipped, up to 5 times. Nil when nothing is missing.
func (e *Env) RestOfTestRace(ctx context.Context, read []Case, logDir string) (*SuiteRun, error) {
	defined, err := TestdataCases(e.GOROOT)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range read {
		seen[c.Name] = true
	}
	var missing []string
	for _, n := range defined {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	raceDir := filepath.Join(e.GOROOT, "src", "runtime", "race")
	files, _ := filepath.Glob(filepath.Join(raceDir, "testdata", "*_test.go"))
	s := &SuiteRun{Package: "runtime/race", CasesFrom: "rest-of-testdata"}
	t0 := time.Now()
	var logs strings.Builder
	for try := 0; try < 5 && len(missing) > 0; try++ {
		args := []string{"test", "-race", "-v", "-count=1", "-run=^Test(" + strings.Join(missing, "|") + ")$"}
		for _, f := range files {
			args = append(args, "./testdata/"+filepath.Base(f))
		}
		cmd := e.Command(ctx, raceDir, args...)
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1", "GORACE=suppress_equal_stacks=0 suppress_equal_addresses=0")
		out, _ := cmd.CombinedOutput()
		logs.Write(out)
		cs := ProcessLog(strings.Split(string(out), "\n"))
		if len(cs) == 0 {
			break
		}
		for _, c := range cs {
			addCase(&s.Cases, map[string]int{}, c.Name, c.Result)
			seen[c.Name] = true
		}
		missing = missing[:0]
		for _, n := range defined {
			if !seen[n] {
				missing = append(missing, n)
			}
		}
		s.Args = args
	}
	s.Seconds = time.Since(t0).Seconds()
	s.ExitOK = true
	s.Log = filepath.Join(logDir, "runtime_race_rest_of_testdata.log")
	return s, os.WriteFile(s.Log, []byte(logs.String()), 0o644)
}

var (
	// TestRace's per-case line: the case name (its Test prefix cut), padded
	// to 40 columns (or not at all when longer), one space, the verdict.
	caseRe = regexp.MustCompile(`^((?:No)?Race\S*)\s+(\.|FAILED\+?|SKIPPED)\s*$`)
	// A test's verdict; subtests are indented by four spaces per level.
	testRe    = regexp.MustCompile(`^((?:    )*)--- (PASS|FAIL|SKIP): (\S+)`)
	summaryRe = regexp.MustCompile(`^Passed (\d+) of (\d+) tests`)
	// The testdata run's "=== RUN   TestX" lines, as TestRace reads them.
	innerRunRe = regexp.MustCompile(`^\s*=== RUN\s+Test(\S+)\s*$`)
)

// ParseSuite reads one package's `go test -v` output: its tests' verdicts
// and, for runtime/race, TestRace's cases. A test line inside a test's log
// (TestRace dumps the testdata run's own output when it fails) is not the
// package's: subtests are indented and have a "/" in their name, dumped
// lines are indented by a tab (Go 1.6-1.13) or have no "/" (Go 1.14+).
func ParseSuite(pkg, out string) SuiteRun {
	s := SuiteRun{Package: pkg}
	seenTest := map[string]int{}
	seenCase := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if m := testRe.FindStringSubmatch(line); m != nil {
			name := m[3]
			if (m[1] == "") == strings.Contains(name, "/") {
				continue // a dumped line, or not a subtest
			}
			res := map[string]string{"PASS": Pass, "FAIL": Fail, "SKIP": Skip}[m[2]]
			addResult(&s.Tests, seenTest, pkg+"."+name, res)
			continue
		}
		if pkg == "runtime/race" {
			if m := caseRe.FindStringSubmatch(line); m != nil {
				res := m[2]
				if res == "." {
					res = Pass
				}
				addCase(&s.Cases, seenCase, m[1], res)
				continue
			}
			if summaryRe.MatchString(line) {
				s.Summary = strings.TrimSpace(line)
			}
		}
	}
	if len(s.Cases) > 0 {
		s.CasesFrom = "testrace"
	} else if pkg == "runtime/race" {
		if cs := CasesFromInnerLog(out); len(cs) > 0 {
			s.Cases, s.CasesFrom = cs, "inner-log"
		}
	}
	return s
}

// addResult records a verdict; a name seen twice keeps its worst verdict.
func addResult(list *[]Test, seen map[string]int, name, res string) {
	if i, ok := seen[name]; ok {
		if (*list)[i].Result == Pass {
			(*list)[i].Result = res
		}
		return
	}
	seen[name] = len(*list)
	*list = append(*list, Test{Name: name, Result: res})
}

func addCase(list *[]Case, seen map[string]int, name, res string) {
	if i, ok := seen[name]; ok {
		if (*list)[i].Result == Pass {
			(*list)[i].Result = res
		}
		return
	}
	seen[name] = len(*list)
	*list = append(*list, Case{Name: name, Result: res})
}

// CasesFromInnerLog recomputes TestRace's cases from the testdata run's
// output, which TestRace prints (t.Fatalf "Failed to run tests") when that
// run failed, e.g. crashed part-way. Only the dump is read: the indented
// lines after "Failed to run tests".
func CasesFromInnerLog(out string) []Case {
	_, dump, ok := strings.Cut(out, "Failed to run tests")
	if !ok {
		return nil
	}
	var lines []string
	for i, line := range strings.Split(dump, "\n") {
		if i > 0 && line != "" && line[0] != ' ' && line[0] != '\t' {
			break // the dump (indented by t.Fatalf) is over
		}
		lines = append(lines, line)
	}
	return ProcessLog(lines)
}

// ProcessLog applies TestRace's rule to the testdata run's `-v` output:
// every "=== RUN   Test<Name>" starts a case whose log runs to the next; a
// Race* case passes when its log reports a DATA RACE (or the runtime's
// "fatal error: concurrent map" access), a NoRace* case when it does not; a
// case whose log says "--- SKIP:" before any race is SKIPPED (processLog
// in race_test.go; the skip rule is Go 1.25's, and no earlier testdata case
// skips). The last case fails when its log holds a crash (another fatal
// error, a panic, a sanitizer ERROR): the run did not finish it.
func ProcessLog(lines []string) []Case {
	var cases []Case
	seen := map[string]int{}
	name, race, skipped, crashed := "", false, false, false
	flush := func(last bool) {
		if !strings.HasPrefix(name, "Race") && !strings.HasPrefix(name, "NoRace") {
			return
		}
		expRace := strings.HasPrefix(name, "Race")
		res := Pass
		switch {
		case last && crashed:
			res = Fail
		case skipped:
			res = Skip
		case expRace && !race:
			res = Fail
		case !expRace && race:
			res = FalsePos
		}
		addCase(&cases, seen, name, res)
	}
	for _, line := range lines {
		if m := innerRunRe.FindStringSubmatch(line); m != nil {
			flush(false)
			name, race, skipped, crashed = m[1], false, false, false
			continue
		}
		switch {
		case strings.Contains(line, "DATA RACE") || strings.Contains(line, "fatal error: concurrent map"):
			race = true
		case strings.Contains(line, "--- SKIP:") && !race:
			skipped = true
		case strings.Contains(line, "fatal error:") || strings.Contains(line, "panic:") || strings.Contains(line, "FATAL:") || strings.Contains(line, "ERROR:"):
			crashed = true
		}
	}
	flush(true)
	return cases
}

// TestdataComplete reports whether a testdata run's output shows that it
// ran to its end, as the release's TestRace holds it: where its
// race_test.go requires "ALL TESTS COMPLETE" (Go 1.25 and later), that
// line; elsewhere a final PASS or FAIL line of the test binary. The run's
// exit status is no verdict: a race reported in a test fails it.
func TestdataComplete(goroot, out string) bool {
	src, _ := os.ReadFile(filepath.Join(goroot, "src", "runtime", "race", "race_test.go"))
	if strings.Contains(string(src), "ALL TESTS COMPLETE") {
		return strings.Contains(out, "ALL TESTS COMPLETE")
	}
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(out, "\r\n", "\n")), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	return last == "PASS" || last == "FAIL" || strings.HasPrefix(last, "exit status")
}

// ParseSummary reads "Passed N of M tests".
func ParseSummary(s string) (passed, total int, ok bool) {
	m := summaryRe.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	passed, _ = strconv.Atoi(m[1])
	total, _ = strconv.Atoi(m[2])
	return passed, total, true
}

var testdataCaseRe = regexp.MustCompile(`(?m)^func Test((?:No)?Race\w*)\(`)

// TestdataCases lists the TestRace cases runtime/race/testdata defines
// (its Test(No)Race* functions, whatever their build tags).
func TestdataCases(goroot string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(goroot, "src", "runtime", "race", "testdata", "*_test.go"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, m := range testdataCaseRe.FindAllStringSubmatch(string(b), -1) {
			names = append(names, m[1])
		}
	}
	return names, nil
}

// NotRun lists the cases of defined that neither run read.
func NotRun(defined []string, runs ...ObjectRun) []string {
	read := map[string]bool{}
	for _, r := range runs {
		for n := range casesOf(r) {
			read[n] = true
		}
	}
	var out []string
	for _, n := range defined {
		if !read[n] {
			out = append(out, n)
		}
	}
	return out
}

// Tail is the last n bytes of s, marked as cut when longer.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
