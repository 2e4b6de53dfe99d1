package history

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/goroot"

	"github.com/racesyso/racesyso/internal/racetest"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/dist"
)

// maxNamed is how many differences a progress line or table row names.
const maxNamed = 8

// FileName is the report the mage target writes into dist/.
const FileName = dist.HistoryFile

// Options say what to prove where.
type Options struct {
	Releases []Release
	// PerP and Base are dist/ directories (objects, manifest.json,
	// racesyso.patch): the per-P objects of every OS, and the base linux
	// object.
	PerP, Base string
	// Work is scratch space: a GOROOT copy and the logs per release.
	Work string
	// Cache is kept between runs: a GOCACHE per release.
	Cache string
	// ModCache is the module cache the toolchains are fetched into and
	// shared from ("" = the go command's GOMODCACHE).
	ModCache string
	// Leak measures the seed's claim in the releases flagged leak.
	Leak      bool
	LeakSizes []int // default racetest.LeakSizes
	LeakReps  int   // default racetest.LeakReps
	// LeakGOMAXPROCS: default LeakGOMAXPROCS; -1 leaves GOMAXPROCS to
	// the runtime's default.
	LeakGOMAXPROCS int
	// Wine runs the windows race tests of the releases flagged windows
	// (nil: not run, and the entry says so).
	Wine *racetest.Wine
	// KeepGOROOT keeps each release's GOROOT copy (removed by default).
	KeepGOROOT bool
	Log        io.Writer // progress, one line per step
	// Runs: suite runs this process made before (verify's goroot stage),
	// taken for the same release and object rather than run again.
	Runs *racetest.Runs
	// Engine runs the suites (zero: RealEngine).
	Engine Engine
}

// Entry is one release's result. The first fields are the table's columns.
type Entry struct {
	Release string `json:"release"`
	Layout  string `json:"layout"`
	Object  string `json:"object"` // "base" or "perp"
	ABI     string `json:"abi"`    // required checks passed, e.g. "4/4 (72 imports)"
	// TestRace is the TestRace cases passed, ours and shipped ("368/368").
	TestRace    string  `json:"testrace"`
	WallOurs    float64 `json:"wall_seconds_ours"`
	WallShipped float64 `json:"wall_seconds_shipped"`
	OK          bool    `json:"ok"`

	Why []string `json:"why,omitempty"` // what failed, when not OK
	// NotRun: TestRace cases the testdata defines that neither run
	// reported (Go 1.23 and 1.24: the testdata binary panics in
	// TestRaceRangeFuncIterator with either object and TestRace, which
	// before 1.25 does not check that the run completed, passes on what
	// ran). Reported; not a difference between the objects.
	NotRun       []string              `json:"testrace_not_run,omitempty"`
	CasesDefined int                   `json:"testrace_cases_defined"`
	Differences  []racetest.Difference `json:"differences,omitempty"`
	Fetch        Toolchain             `json:"fetch"`
	Copy         goroot.CopyResult     `json:"copy"`
	SetupSeconds float64               `json:"setup_seconds"` // fetch + copy + go version
	DataErrors   []string              `json:"data_errors,omitempty"`
	// Adaptation names the edit of the release's runtime ours ran with.
	Adaptation string `json:"adaptation,omitempty"`
	ABIChecks  ABI    `json:"abi_checks"`
	Provenance struct {
		Shipped racetest.Provenance `json:"shipped"`
		Ours    racetest.Provenance `json:"ours"`
	} `json:"provenance"`
	Verdict racetest.Verdict `json:"verdict"`
	// Suites: per package, exit status and tests passed, ours vs shipped.
	Suites  []SuiteSummary `json:"suites"`
	Leak    *racetest.Leak `json:"leak,omitempty"`
	Windows *WindowsResult `json:"windows,omitempty"`
	Seconds float64        `json:"seconds"`
	Runs    string         `json:"runs,omitempty"` // the full runs (every case and test), a JSON file
}

// WindowsResult is the windows race tests of a release under wine64, ours
// (the per-P windows object) against the shipped windows object.
type WindowsResult struct {
	Run        bool   `json:"run"`
	Skipped    string `json:"skipped,omitempty"` // why not run
	Provenance struct {
		Shipped racetest.Provenance `json:"shipped"`
		Ours    racetest.Provenance `json:"ours"`
	} `json:"provenance"`
	TestRace    string           `json:"testrace"` // cases passed, ours/shipped
	WallOurs    float64          `json:"wall_seconds_ours"`
	WallShipped float64          `json:"wall_seconds_shipped"`
	Flaky       []string         `json:"flaky,omitempty"` // ours, passed on a rerun alone
	Verdict     racetest.Verdict `json:"verdict"`
	Suites      []SuiteSummary   `json:"suites"`
	OK          bool             `json:"ok"`

	shippedRun *racetest.ObjectRun // the shipped object's run, for the judge
}

// SuiteSummary is one package's run with both objects.
type SuiteSummary struct {
	Package        string  `json:"package"`
	ExitOurs       bool    `json:"exit_ok_ours"`
	ExitShipped    bool    `json:"exit_ok_shipped"`
	PassedOurs     int     `json:"tests_passed_ours"`
	PassedShipped  int     `json:"tests_passed_shipped"`
	SecondsOurs    float64 `json:"seconds_ours"`
	SecondsShipped float64 `json:"seconds_shipped"`
	CasesFrom      string  `json:"cases_from,omitempty"`
}

// Report is dist/history.json.
type Report struct {
	Command  string            `json:"command,omitempty"`
	Started  time.Time         `json:"started"`
	Seconds  float64           `json:"seconds"`
	Objects  map[string]string `json:"objects"` // "perp/linux" -> sha256
	Releases []Entry           `json:"releases"`
	OK       bool              `json:"ok"`
}

// Run proves the objects in every release of o.Releases, one after the
// other, and returns the report (OK when every release is).
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(o.LeakSizes) == 0 {
		o.LeakSizes = racetest.LeakSizes
	}
	if o.LeakReps == 0 {
		o.LeakReps = racetest.LeakReps
	}
	if o.LeakGOMAXPROCS == 0 {
		o.LeakGOMAXPROCS = racetest.LeakGOMAXPROCS
	}
	// Commands run in other directories: every path must be absolute.
	for _, p := range []*string{&o.PerP, &o.Base, &o.Work, &o.Cache, &o.ModCache} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if o.Wine != nil {
		w := *o.Wine
		if w.Prefix == "" {
			w.Prefix = filepath.Join(o.Cache, "wineprefix")
		}
		abs, err := filepath.Abs(w.Prefix)
		if err != nil {
			return nil, err
		}
		w.Prefix, o.Wine = abs, &w
	}
	if o.Work == "" || o.Cache == "" {
		return nil, fmt.Errorf("history: Options.Work and Options.Cache are required")
	}
	if mod := EnclosingModule(o.Work); mod != "" {
		return nil, fmt.Errorf("history: the scratch directory %s is inside the Go module of %s: the go commands of Go 1.11 to 1.15 would load that go.mod for the programs built there (and for runtime/race's TestOutput, which runs go in TMPDIR); put it outside any module (RACESYSO_CACHE)", o.Work, mod)
	}
	rep := &Report{Started: time.Now(), Objects: map[string]string{}, OK: true}
	perp := ObjectsIn(o.PerP)
	for _, goos := range []string{"darwin", "freebsd", "linux", "windows"} {
		if perp[goos] == "" {
			return nil, fmt.Errorf("no per-P %s object (race_%s_amd64.syso) in %s", goos, goos, o.PerP)
		}
	}
	base := ObjectsIn(o.Base)["linux"]
	if base == "" {
		return nil, fmt.Errorf("no base linux object in %s", o.Base)
	}
	for goos, p := range perp {
		rep.Objects["perp/"+goos] = racetest.FileSHA(p)
	}
	rep.Objects["base/linux"] = racetest.FileSHA(base)
	for i, r := range o.Releases {
		logf(o.Log, "history: [%d/%d] go%s (%s object, layout %s)", i+1, len(o.Releases), r.Version, r.Object, r.Layout)
		e := RunRelease(ctx, r, o)
		logf(o.Log, "history: go%s: %s", r.Version, e.Line())
		rep.Releases = append(rep.Releases, e)
		rep.OK = rep.OK && e.OK
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

// EnclosingModule is the go.mod in dir or the nearest parent that has one
// ("" when none).
func EnclosingModule(dir string) string {
	for d := filepath.Clean(dir); ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "go.mod")
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// Line is the entry as one progress line.
func (e Entry) Line() string {
	s := fmt.Sprintf("ok=%v abi %s, TestRace %s, wall %.0fs/%.0fs (ours/shipped), setup %.1fs", e.OK, e.ABI, e.TestRace, e.WallOurs, e.WallShipped, e.SetupSeconds)
	if len(e.Differences) > 0 {
		var ds []string
		for i, d := range e.Differences {
			if i == maxNamed {
				ds = append(ds, fmt.Sprintf("and %d more (see the report)", len(e.Differences)-maxNamed))
				break
			}
			ds = append(ds, d.String())
		}
		s += "; differences: " + strings.Join(ds, "; ")
	}
	if len(e.Why) > 0 {
		s += "; " + strings.Join(e.Why, "; ")
	}
	return s
}

func logf(w io.Writer, f string, a ...any) { fmt.Fprintf(w, f+"\n", a...) }

func logRun(step func(string, ...any), r racetest.ObjectRun) {
	p, t := r.CasesPassed()
	var parts []string
	for _, s := range r.Suites {
		parts = append(parts, fmt.Sprintf("%s exit ok=%v, %d tests passed, %.0fs", s.Package, s.ExitOK, countPassed(s.Tests), s.Seconds))
	}
	step("%s: TestRace %d of %d cases passed; %s", r.Object, p, t, strings.Join(parts, "; "))
}

// summarize pairs the runs' suites: the i-th suite of a package in ours
// with the i-th of that package in shipped's.
func summarize(ours, shipped racetest.ObjectRun) []SuiteSummary {
	var out []SuiteSummary
	nth := map[string]int{}
	for _, s := range ours.Suites {
		var ss racetest.SuiteRun
		k := 0
		for _, x := range shipped.Suites {
			if x.Package == s.Package {
				if k == nth[s.Package] {
					ss = x
				}
				k++
			}
		}
		nth[s.Package]++
		out = append(out, SuiteSummary{Package: s.Package, ExitOurs: s.ExitOK, ExitShipped: ss.ExitOK,
			PassedOurs: countPassed(s.Tests), PassedShipped: countPassed(ss.Tests), SecondsOurs: s.Seconds, SecondsShipped: ss.Seconds,
			CasesFrom: s.CasesFrom + "/" + ss.CasesFrom})
	}
	return out
}

func countPassed(ts []racetest.Test) int {
	n := 0
	for _, t := range ts {
		if t.Result == racetest.Pass {
			n++
		}
	}
	return n
}

// WriteJSON writes the report atomically.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}

// Table is the report as README's markdown table: one row per release.
func (rep *Report) Table() string {
	var b strings.Builder
	b.WriteString("| release | layout | object | abi | TestRace passed ours/shipped | wall s ours/shipped | ok |\n")
	b.WriteString("| --- | --- | --- | --- | ---: | ---: | --- |\n")
	for _, e := range rep.Releases {
		ok := "ok"
		if !e.OK {
			ok = "FAIL"
		}
		if len(e.NotRun) > 0 {
			ok += fmt.Sprintf("; TestRace: %d of %d testdata cases ran with neither", len(e.NotRun), e.CasesDefined)
		}
		if len(e.Differences) > 0 {
			var names []string
			for i, d := range e.Differences {
				if i == maxNamed {
					names = append(names, fmt.Sprintf("%d more", len(e.Differences)-maxNamed))
					break
				}
				n := d.Name + " (" + d.Shipped + "→" + d.Ours
				if d.Expected {
					n += ", expected"
				}
				names = append(names, n+")")
			}
			ok += "; differs: " + strings.Join(names, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.0f / %.0f | %s |\n", e.Release, e.Layout, e.Object, e.ABI, e.TestRace, e.WallOurs, e.WallShipped, ok)
	}
	return b.String()
}

// LeakTable is the leak measurements as a markdown table.
func (rep *Report) LeakTable() string {
	var b strings.Builder
	b.WriteString("| release | iterations | ours peak MiB | shipped peak MiB | ours ns/op | shipped ns/op | RSS ratio | ns ratio |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, e := range rep.Releases {
		if e.Leak == nil {
			continue
		}
		for i, o := range e.Leak.Ours.Points {
			if i >= len(e.Leak.Shipped.Points) {
				break
			}
			s := e.Leak.Shipped.Points[i]
			fmt.Fprintf(&b, "| %s (%s) | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |\n", e.Release, e.Leak.Ours.Object, o.Iterations,
				o.PeakMiB, s.PeakMiB, o.NsPerOp, s.NsPerOp, racetest.Ratio(o.PeakMiB, s.PeakMiB), racetest.Ratio(o.NsPerOp, s.NsPerOp))
		}
	}
	return b.String()
}
