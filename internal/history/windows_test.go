package history

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
