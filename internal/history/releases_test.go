package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/racetest"
)

func TestReleasesData(t *testing.T) {
	rs, err := Releases()
	if err != nil {
		t.Fatal(err)
	}
	if bad := Validate(rs); len(bad) > 0 {
		t.Errorf("releases.json:\n%s", strings.Join(bad, "\n"))
	}
	full, err := Select(rs, "full")
	if err != nil {
		t.Fatal(err)
	}
	var minors []string
	for _, r := range full {
		minors = append(minors, racetest.MinorOf(r.Version))
	}
	want := "1.6 1.7 1.8 1.9 1.10 1.11 1.12 1.13 1.14 1.15 1.16 1.17 1.18 1.19 1.20 1.21 1.22 1.23 1.24 1.25 1.26"
	if got := strings.Join(minors, " "); got != want {
		t.Errorf("the full list covers %s, want %s", got, want)
	}
	ci, err := Select(rs, "ci")
	if err != nil {
		t.Fatal(err)
	}
	var civ []string
	for _, r := range ci {
		civ = append(civ, r.Version)
	}
	if got := strings.Join(civ, ","); got != "1.6.4,1.7.6,1.12.17,1.26.8" {
		t.Errorf("CI list %s", got)
	}
	// The facts that follow from the version.
	for _, r := range rs {
		v := r.Version
		check := func(what string, got, want bool) {
			if got != want {
				t.Errorf("go%s: %s is %v, want %v", v, what, got, want)
			}
		}
		check("layout amd64v1+v3", r.Layout == LayoutAMD64v1, racetest.AtLeast(v, 1, 20))
		check("prebuilt_race", r.PrebuiltRace, !racetest.AtLeast(v, 1, 20))
		check("sync_leak", r.SyncLeak, racetest.AtLeast(v, 1, 7))
		check("benchtime_x", r.BenchtimeX, racetest.AtLeast(v, 1, 12))
		check("testrace_format skipped", r.TestRaceFormat == FormatSkipped, racetest.AtLeast(v, 1, 25))
		check("test_go_from_path", r.TestGoFromPATH, !racetest.AtLeast(v, 1, 8))
		if !strings.Contains(strings.Join(r.Shipped, ","), "linux") {
			t.Errorf("go%s ships no linux object", v)
		}
	}
}

func TestSelect(t *testing.T) {
	rs, _ := Releases()
	got, err := Select(rs, "go1.7.6, 1.26.8")
	if err != nil || len(got) != 2 || got[0].Version != "1.7.6" || got[1].Version != "1.26.8" {
		t.Errorf("%v %v", got, err)
	}
	if _, err := Select(rs, "1.7.5"); err == nil {
		t.Error("a version not in the data was selected")
	}
	all, _ := Select(rs, "all")
	if len(all) != len(rs) {
		t.Errorf("all: %d of %d", len(all), len(rs))
	}
}

func TestVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		less bool
	}{{"1.6.4", "1.7.6", true}, {"1.9.7", "1.10.8", true}, {"1.26.8", "1.26.11", true}, {"1.8", "1.8.1", true}, {"1.10.8", "1.9.7", false}} {
		if racetest.Less(tt.a, tt.b) != tt.less {
			t.Errorf("Less(%s, %s) = %v", tt.a, tt.b, !tt.less)
		}
	}
	if !racetest.AtLeast("1.10.8", 1, 10) || racetest.AtLeast("1.9.7", 1, 10) || !racetest.AtLeast("go1.26.8", 1, 7) {
		t.Error("AtLeast")
	}
	if _, err := racetest.ParseVersion("1.7rc1"); err == nil {
		t.Error("a pre-release parsed")
	}
	if ToolchainModule("1.7.6") != "golang.org/toolchain@v0.0.1-go1.7.6.linux-amd64" {
		t.Error(ToolchainModule("1.7.6"))
	}
}

func TestValidateCatchesBadData(t *testing.T) {
	rs, _ := Releases()
	var bad []Release
	for _, r := range rs {
		switch r.Version {
		case "1.7.6":
			r.Object = Base // the per-P change shipped in 1.7
		case "1.9.7":
			r.RebuildRace = false // would link the shipped object silently
		case "1.12.17":
			r.CI = false // no release between the eras in CI
		case "1.13.15":
			continue // a minor missing from the full list
		}
		bad = append(bad, r)
	}
	msgs := strings.Join(Validate(bad), "\n")
	for _, want := range []string{"go1.7.6: object", "go1.9.7: rebuild_race", "no last patch release of 1.13", "the CI list"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("Validate did not say %q:\n%s", want, msgs)
		}
	}
}

// fakeGOROOT writes the files Inspect reads, in the layout of go1.x.
func fakeGOROOT(t *testing.T, version string, amd64v1 bool) string {
	t.Helper()
	gr := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(gr, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("VERSION", "go"+version+"\ntime 2016-01-01\n")
	write("src/runtime/race/race.go", "package race\n")
	write("src/runtime/race/race_test.go", "func BenchmarkSyncLeak(b *testing.B) {}\n")
	write("src/runtime/race/output_test.go", `cmd := exec.Command("go", "run")`)
	write("src/testing/benchmark.go", "func f(s string) {}\n")
	if amd64v1 {
		write("src/runtime/race/internal/amd64v1/race_linux.syso", "x")
		write("src/runtime/race/internal/amd64v1/race_windows.syso", "x")
		write("src/runtime/race/internal/amd64v3/race_linux.syso", "x")
	} else {
		write("src/runtime/race/race_linux_amd64.syso", "x")
		write("src/runtime/race/race_darwin_amd64.syso", "x")
		write("pkg/linux_amd64_race/runtime/race.a", "x")
	}
	return gr
}

func TestInspectAndCheck(t *testing.T) {
	f, err := Inspect(fakeGOROOT(t, "1.7.6", false))
	if err != nil {
		t.Fatal(err)
	}
	r := Release{Version: "1.7.6", Object: PerP, Layout: LayoutRaceDir, Shipped: []string{"darwin", "linux"}, PrebuiltRace: true,
		RebuildRace: true, SyncLeak: true, TestRaceFormat: FormatPadded, TestGoFromPATH: true}
	if bad := r.Check(f); len(bad) > 0 {
		t.Errorf("%v (facts %+v)", bad, f)
	}
	f, _ = Inspect(fakeGOROOT(t, "1.20.14", true))
	if f.Layout != LayoutAMD64v1 || strings.Join(f.Shipped, ",") != "linux,windows" || f.PrebuiltRace {
		t.Errorf("%+v", f)
	}
	if bad := r.Check(f); len(bad) < 4 {
		t.Errorf("the 1.7.6 data checked against a 1.20 GOROOT found only %v", bad)
	}
}
