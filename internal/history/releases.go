// Package history proves the race objects against the Go of every era: our
// base (pre-split) object in Go 1.6's GOROOT, our per-P object in every Go
// release from 1.7 to today, each next to the object that release shipped.
// For each release (kept as data, releases.json) it fetches the toolchain from
// the Go module proxy (golang.org/toolchain), copies its GOROOT out of the
// module cache, checks the ABI of every object against the release's imports,
// runs Go's own race tests with the shipped object and with ours, judges them
// case by case, and, for the releases of the seed's claim, measures
// BenchmarkSyncLeak's pattern at three work sizes. The suites, their
// parsers, the judge and the leak measurement are internal/racetest's, the
// engine verify's goroot stage uses too; RunRelease's steps take it as
// their Engine.
package history

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/racetest"
)

//go:embed releases.json
var releasesJSON []byte

// Object kinds: which of our objects a release is judged with.
const (
	Base = racetest.Base
	PerP = racetest.PerP
)

// Layouts of the amd64 race objects in a GOROOT.
const (
	// LayoutRaceDir: src/runtime/race/race_<os>_amd64.syso (Go 1.6-1.19).
	LayoutRaceDir = "race-dir"
	// LayoutAMD64v1: src/runtime/race/internal/amd64v1/race_<os>.syso, and
	// internal/amd64v3/race_linux.syso for GOAMD64=v3 (Go 1.20 and later).
	LayoutAMD64v1 = "amd64v1+v3"
)

// TestRace's per-case output formats.
const (
	// FormatPadded: "<Name padded to 40> ." / "FAILED" / "FAILED+", the
	// name padded by a loop (Go 1.6-1.24).
	FormatPadded = "padded"
	// FormatSkipped: the same lines printed with %-*s, plus
	// "<Name> SKIPPED" for a case that called t.Skip (Go 1.25 and later).
	FormatSkipped = "padded+skipped"
)

// Release is one Go release of the list, with the facts about its GOROOT
// that decide how it is set up and run. The facts are data and are checked
// against the fetched GOROOT on every run (Inspect, Release.Check).
type Release struct {
	Version string `json:"version"` // "1.7.6"
	// Last: the last patch release of its minor on the proxy (the full list).
	Last bool `json:"last,omitempty"`
	// CI: in the short list CI runs.
	CI bool `json:"ci,omitempty"`
	// Leak: the seed's claim (BenchmarkSyncLeak's pattern) is measured here.
	Leak bool `json:"leak,omitempty"`
	// Object: which of our objects is installed (base before Go 1.7).
	Object string `json:"object"`
	Layout string `json:"layout"`
	// Shipped lists the GOOSes whose amd64 object the toolchain module
	// carries (golang.org/toolchain zips of Go 1.10-1.19 carry linux's only).
	Shipped []string `json:"shipped"`
	// PrebuiltRace: the module carries pkg/linux_amd64_race (precompiled
	// race-instrumented std, runtime/race.a holding the shipped object).
	PrebuiltRace bool `json:"prebuilt_race"`
	// RebuildRace: the go command of this release does not see a changed
	// .syso (before Go 1.10, a standard package of a release is never stale
	// by content or mtime), so after installing an object runtime/race.a
	// must be removed and reinstalled, or every build links the shipped
	// object from pkg/linux_amd64_race.
	RebuildRace bool `json:"rebuild_race"`
	// SyncLeak: runtime/race has BenchmarkSyncLeak (Go 1.7 and later).
	SyncLeak bool `json:"sync_leak"`
	// BenchtimeX: -test.benchtime takes "Nx" (Go 1.12 and later).
	BenchtimeX bool `json:"benchtime_x"`
	// TestRaceFormat is FormatPadded or FormatSkipped.
	TestRaceFormat string `json:"testrace_format"`
	// TestGoFromPATH: runtime/race's TestOutput (and, before 1.8, TestRace)
	// runs `go` from PATH rather than GOROOT/bin/go (Go 1.6, 1.7).
	TestGoFromPATH bool `json:"test_go_from_path,omitempty"`
	// AllTestsComplete: TestRace requires its testdata run to print "ALL
	// TESTS COMPLETE" (Go 1.25 and later).
	AllTestsComplete bool `json:"all_tests_complete,omitempty"`
	// Windows: Go's windows race tests are cross-built with MinGW and run
	// under wine64 with our windows object and the shipped one.
	Windows bool `json:"windows,omitempty"`
	// Adapt names the Adaptation of the release's runtime that ours is run
	// with (empty: none): go1.6-base-abi for Go 1.6.
	Adapt string `json:"adapt,omitempty"`
	// Expected lists the differences between the shipped object's run and
	// ours that are explained, each with its reason: they are reported as
	// expected and do not fail the release; any other regression does.
	Expected []racetest.Expected `json:"expected,omitempty"`
	Note     string              `json:"note,omitempty"`
}

// Data is releases.json.
type Data struct {
	Comment  []string  `json:"comment"`
	Releases []Release `json:"releases"`
}

// Releases returns the embedded release list, in version order.
func Releases() ([]Release, error) {
	var d Data
	if err := json.Unmarshal(releasesJSON, &d); err != nil {
		return nil, fmt.Errorf("releases.json: %w", err)
	}
	rs := d.Releases
	for _, r := range rs {
		if _, err := racetest.ParseVersion(r.Version); err != nil {
			return nil, fmt.Errorf("releases.json: %w", err)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return racetest.Less(rs[i].Version, rs[j].Version) })
	return rs, nil
}

// Select picks releases: "ci" (the CI list), "full" (the last patch release
// of every minor), "all" (every entry), or a comma list of versions, each of
// which must be in the data ("1.7.6,1.26.8", a "go" prefix allowed).
func Select(rs []Release, list string) ([]Release, error) {
	var out []Release
	switch list {
	case "ci", "":
		for _, r := range rs {
			if r.CI {
				out = append(out, r)
			}
		}
	case "full":
		for _, r := range rs {
			if r.Last {
				out = append(out, r)
			}
		}
	case "all":
		out = append(out, rs...)
	default:
		byVersion := map[string]Release{}
		for _, r := range rs {
			byVersion[r.Version] = r
		}
		for _, v := range strings.Split(list, ",") {
			v = strings.TrimPrefix(strings.TrimSpace(v), "go")
			r, ok := byVersion[v]
			if !ok {
				return nil, fmt.Errorf("go%s is not in releases.json (add it with its facts: see Inspect)", v)
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("release list %q selects nothing", list)
	}
	return out, nil
}

// ToolchainModule is the proxy's module version of a release's linux/amd64
// toolchain: golang.org/toolchain@v0.0.1-go1.7.6.linux-amd64.
func ToolchainModule(version string) string {
	return "golang.org/toolchain@v0.0.1-go" + version + ".linux-amd64"
}

// Facts are what Inspect reads from a GOROOT: the release facts that can be
// seen in its files. RebuildRace, Object and the list flags are not facts
// of the files and are not inspected.
type Facts struct {
	Version          string
	Layout           string
	Shipped          []string
	PrebuiltRace     bool
	SyncLeak         bool
	BenchtimeX       bool
	TestRaceFormat   string
	TestGoFromPATH   bool
	AllTestsComplete bool
}

// Inspect reads the facts of a GOROOT.
func Inspect(goroot string) (Facts, error) {
	race := filepath.Join(goroot, "src", "runtime", "race")
	raceTest, err := os.ReadFile(filepath.Join(race, "race_test.go"))
	if err != nil {
		return Facts{}, fmt.Errorf("%s: not a GOROOT with runtime/race's tests: %w", goroot, err)
	}
	ver, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return Facts{}, err
	}
	f := Facts{Version: strings.TrimPrefix(strings.TrimSpace(strings.SplitN(string(ver), "\n", 2)[0]), "go")}
	if st, err := os.Stat(filepath.Join(race, "internal", "amd64v1")); err == nil && st.IsDir() {
		f.Layout = LayoutAMD64v1
		m, _ := filepath.Glob(filepath.Join(race, "internal", "amd64v1", "race_*.syso"))
		for _, p := range m {
			f.Shipped = append(f.Shipped, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "race_"), ".syso"))
		}
	} else {
		f.Layout = LayoutRaceDir
		m, _ := filepath.Glob(filepath.Join(race, "race_*_amd64.syso"))
		for _, p := range m {
			f.Shipped = append(f.Shipped, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "race_"), "_amd64.syso"))
		}
	}
	sort.Strings(f.Shipped)
	_, err = os.Stat(filepath.Join(goroot, "pkg", "linux_amd64_race", "runtime", "race.a"))
	f.PrebuiltRace = err == nil
	src := string(raceTest)
	f.SyncLeak = strings.Contains(src, "func BenchmarkSyncLeak(")
	f.AllTestsComplete = strings.Contains(src, `"ALL TESTS COMPLETE"`)
	f.TestRaceFormat = FormatPadded
	if strings.Contains(src, "SKIPPED") {
		f.TestRaceFormat = FormatSkipped
	}
	if out, err := os.ReadFile(filepath.Join(race, "output_test.go")); err == nil {
		f.TestGoFromPATH = strings.Contains(string(out), `exec.Command("go"`)
	}
	if bench, err := os.ReadFile(filepath.Join(goroot, "src", "testing", "benchmark.go")); err == nil {
		f.BenchtimeX = strings.Contains(string(bench), `strings.HasSuffix(s, "x")`)
	}
	return f, nil
}

// Check compares the release's data with the facts of its GOROOT and lists
// every disagreement.
func (r Release) Check(f Facts) []string {
	var bad []string
	ck := func(what string, data, seen any) {
		if fmt.Sprint(data) != fmt.Sprint(seen) {
			bad = append(bad, fmt.Sprintf("%s: releases.json says %v, the GOROOT has %v", what, data, seen))
		}
	}
	ck("version", r.Version, f.Version)
	ck("layout", r.Layout, f.Layout)
	ck("shipped", r.Shipped, f.Shipped)
	ck("prebuilt_race", r.PrebuiltRace, f.PrebuiltRace)
	ck("sync_leak", r.SyncLeak, f.SyncLeak)
	ck("benchtime_x", r.BenchtimeX, f.BenchtimeX)
	ck("testrace_format", r.TestRaceFormat, f.TestRaceFormat)
	ck("test_go_from_path", r.TestGoFromPATH, f.TestGoFromPATH)
	ck("all_tests_complete", r.AllTestsComplete, f.AllTestsComplete)
	return bad
}

// Validate checks the data's own rules: the object is base before Go 1.7
// and per-P from 1.7; a release with a prebuilt race archive before Go 1.10
// must rebuild it (and none other needs to); at most one Last per minor; the
// CI list holds 1.6, 1.7, a release in between the eras and the newest
// minor; the leak releases are 1.6 (base), 1.7 and the newest minor.
func Validate(rs []Release) []string {
	var bad []string
	last := map[string]string{}
	var ci []string
	newest := ""
	for _, r := range rs {
		want := PerP
		if !racetest.AtLeast(r.Version, 1, 7) {
			want = Base
		}
		if r.Object != want {
			bad = append(bad, fmt.Sprintf("go%s: object %q, want %q", r.Version, r.Object, want))
		}
		if wantRebuild := r.PrebuiltRace && !racetest.AtLeast(r.Version, 1, 10); r.RebuildRace != wantRebuild {
			bad = append(bad, fmt.Sprintf("go%s: rebuild_race %v, want %v (prebuilt race archive and the go command before 1.10)", r.Version, r.RebuildRace, wantRebuild))
		}
		if _, ok := Adaptations[r.Adapt]; r.Adapt != "" && !ok {
			bad = append(bad, fmt.Sprintf("go%s: unknown adaptation %q", r.Version, r.Adapt))
		}
		if (r.Object == Base) != (r.Adapt == "go1.6-base-abi") {
			bad = append(bad, fmt.Sprintf("go%s: the base object runs in Go 1.6 only with adaptation go1.6-base-abi (object %s, adapt %q)", r.Version, r.Object, r.Adapt))
		}
		if r.Leak && !r.CI {
			bad = append(bad, fmt.Sprintf("go%s: a leak release must be in the CI list", r.Version))
		}
		if r.Last {
			if prev, ok := last[racetest.MinorOf(r.Version)]; ok {
				bad = append(bad, fmt.Sprintf("go%s and go%s are both the last of %s", prev, r.Version, racetest.MinorOf(r.Version)))
			}
			last[racetest.MinorOf(r.Version)] = r.Version
		}
		if r.CI {
			ci = append(ci, r.Version)
		}
		if newest == "" || racetest.Less(newest, r.Version) {
			newest = r.Version
		}
	}
	for m := 6; newest != "" && racetest.AtLeast(newest, 1, m); m++ {
		if _, ok := last[fmt.Sprintf("1.%d", m)]; !ok {
			bad = append(bad, fmt.Sprintf("no last patch release of 1.%d", m))
		}
	}
	hasMinor := func(minor string) bool {
		for _, v := range ci {
			if racetest.MinorOf(v) == minor {
				return true
			}
		}
		return false
	}
	between := false
	for _, v := range ci {
		if racetest.AtLeast(v, 1, 8) && racetest.MinorOf(v) != racetest.MinorOf(newest) {
			between = true
		}
	}
	if !hasMinor("1.6") || !hasMinor("1.7") || !hasMinor(racetest.MinorOf(newest)) || !between {
		bad = append(bad, fmt.Sprintf("the CI list %v must hold 1.6, 1.7, a release in between and %s", ci, racetest.MinorOf(newest)))
	}
	return bad
}
