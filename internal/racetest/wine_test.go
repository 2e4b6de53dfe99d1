package racetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWindowsRaceTests(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"race_test.go":         "func TestRace(t *testing.T) {}\nfunc TestIssue8102(t *testing.T) {}\nfunc BenchmarkSyncLeak(b *testing.B) {}\n",
		"output_test.go":       "func TestOutput(t *testing.T) {}\n",
		"race_unix_test.go":    "func TestNonGoMemory(t *testing.T) {}\n",
		"race_linux_test.go":   "func TestAtomicMmap(t *testing.T) {}\n",
		"race_windows_test.go": "func TestAtomicWindows(t *testing.T) {}\n",
		"syso_test.go":         "func TestIssue37485(t *testing.T) {}\n",
		"sched_test.go":        "func TestRandomScheduling(t *testing.T) {}\n",
	}
	for name, src := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
	}
	names, err := windowsRaceTests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "TestAtomicWindows,TestIssue8102,TestRandomScheduling" {
		t.Errorf("%s", got)
	}
}

// A testdata run's raw `-v` log, as the windows run reads it under wine.
func TestProcessLogRaw(t *testing.T) {
	log := "=== RUN   TestNoRaceA\n--- PASS: TestNoRaceA (0.00s)\n=== RUN   TestRaceB\n==================\nWARNING: DATA RACE\n" +
		"--- PASS: TestRaceB (0.00s)\n=== RUN   TestRaceC\n--- PASS: TestRaceC (0.00s)\n=== RUN   TestHelper\n--- PASS: TestHelper (0.00s)\nPASS\n"
	cs := ProcessLog(strings.Split(log, "\n"))
	want := []Case{{"NoRaceA", Pass}, {"RaceB", Pass}, {"RaceC", Fail}}
	if len(cs) != len(want) {
		t.Fatalf("%v", cs)
	}
	for i := range want {
		if cs[i] != want[i] {
			t.Errorf("%v, want %v", cs[i], want[i])
		}
	}
}

// TestProcessLogRules: TestRace's rule for a skip (Go 1.25's), the
// runtime's concurrent-map error as a race, and a crash of the last case.
func TestProcessLogRules(t *testing.T) {
	for _, tt := range []struct {
		name, log string
		want      []Case
	}{
		{"a skip before any race", "=== RUN   TestRaceIter\n    rangefunc_test.go:66: #72925\n--- SKIP: TestRaceIter (0.00s)\n=== RUN   TestNoRaceX\n--- PASS: TestNoRaceX\n", []Case{{"RaceIter", Skip}, {"NoRaceX", Pass}}},
		{"a race before a skip counts", "=== RUN   TestRaceY\nWARNING: DATA RACE\n--- SKIP: TestRaceY\n", []Case{{"RaceY", Pass}}},
		{"concurrent map access is a race", "=== RUN   TestRaceMap\nfatal error: concurrent map writes\n=== RUN   TestNoRaceZ\n", []Case{{"RaceMap", Pass}, {"NoRaceZ", Pass}}},
		{"a crash fails the last case", "=== RUN   TestNoRaceA\n--- PASS: TestNoRaceA\n=== RUN   TestRaceB\nWARNING: DATA RACE\npanic: boom\n", []Case{{"NoRaceA", Pass}, {"RaceB", Fail}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ProcessLog(strings.Split(tt.log, "\n"))
			if len(got) != len(tt.want) {
				t.Fatalf("%v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("%v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestTestdataComplete: a release whose TestRace wants "ALL TESTS
// COMPLETE" needs it; an older one needs the binary's last verdict line.
func TestTestdataComplete(t *testing.T) {
	for _, tt := range []struct {
		name, raceTest, out string
		want                bool
	}{
		{"1.25+ complete", `"ALL TESTS COMPLETE"`, "=== RUN   TestRaceA\nALL TESTS COMPLETE\nFAIL\n", true},
		{"1.25+ cut short", `"ALL TESTS COMPLETE"`, "=== RUN   TestRaceA\npanic: x\n", false},
		{"older complete", `no such line`, "=== RUN   TestRaceA\r\n--- FAIL: TestRaceA\r\nFAIL\r\n", true},
		{"older cut short", `no such line`, "=== RUN   TestRaceA\nWARNING: DATA RACE\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "src", "runtime", "race")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "race_test.go"), []byte(tt.raceTest), 0o644)
			if got := TestdataComplete(root, tt.out); got != tt.want {
				t.Errorf("TestdataComplete = %v, want %v", got, tt.want)
			}
		})
	}
}
