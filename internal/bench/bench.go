// Package bench measures the cost users pay for a race runtime: the wall
// time of race-instrumented test binaries of std packages (the workload,
// suite.json), built once per object in GOROOT copies and run ours and
// shipped alternating, slot by slot (GOAMD64=v1 with v1, v3 with v3). Per
// package it gives the median and spread of each object's runs and the
// ratio of the medians, overall the geometric mean of the ratios with a
// bootstrap interval. The figures are a report (dist/bench.json, drawn by
// the report), judged nowhere.
package bench

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/racesyso/racesyso/internal/dist"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/racetest"
	"github.com/racesyso/racesyso/internal/verify"
)

//go:embed suite.json
var suiteJSON []byte

// Package is one workload entry: a std package's race test binary and the
// arguments it runs with.
type Package struct {
	Name string   `json:"name,omitempty"` // default Pkg
	Pkg  string   `json:"pkg"`
	Args []string `json:"args"`
}

// Label is the package's name in the report.
func (p Package) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Pkg
}

// Suite is suite.json.
type Suite struct {
	Comment     []string  `json:"comment"`
	Runs        int       `json:"runs"`
	SpreadBound float64   `json:"spread_bound"`
	Goal        float64   `json:"goal"`
	Packages    []Package `json:"packages"`
}

// LoadSuite reads the embedded workload, checked.
func LoadSuite() (Suite, error) {
	var s Suite
	if err := json.Unmarshal(suiteJSON, &s); err != nil {
		return s, fmt.Errorf("internal/bench/suite.json: %w", err)
	}
	if s.Runs < 1 || s.SpreadBound <= 0 || s.Goal <= 0 || len(s.Packages) == 0 {
		return s, fmt.Errorf("internal/bench/suite.json: runs, spread_bound, goal and packages must be set")
	}
	return s, nil
}

// Slot is one comparison: our GOROOT copy (our object installed in the
// slot) against the shipped GOROOT, with the environment that selects the
// slot (GOAMD64=v3).
type Slot struct {
	Name    string   `json:"name"` // "linux (GOAMD64=v1)"
	Ours    string   `json:"-"`    // GOROOT holding our object
	Shipped string   `json:"-"`    // GOROOT holding the shipped one ("": none, the slot is not run)
	Env     []string `json:"env,omitempty"`
	// NotRun says why the slot was not compared (a GOROOT without a
	// shipped object there): never a pass.
	NotRun string `json:"not_run,omitempty"`
}

// Options say what to measure where.
type Options struct {
	Suite   Suite
	Slots   []Slot
	Version string // the GOROOTs' Go release, "1.26.8"
	Work    string // scratch: binaries, GOPATH, TMPDIR
	GOCACHE string
	// CPUs pins every run to this CPU list with taskset ("": not pinned).
	CPUs string
	Log  io.Writer
	// Seed makes the bootstrap repeatable.
	Seed uint64
}

// Result is one package in one slot.
type Result struct {
	Package string    `json:"package"`
	Ours    []float64 `json:"ours_seconds"`
	Shipped []float64 `json:"shipped_seconds"`
	// OursCPU, ShippedCPU are the runs' CPU seconds (user + system), a
	// second view less moved by the machine's other load.
	OursCPU    []float64 `json:"ours_cpu_seconds,omitempty"`
	ShippedCPU []float64 `json:"shipped_cpu_seconds,omitempty"`
	// CPURatio is the ratio of the CPU medians (reported beside Ratio).
	CPURatio float64 `json:"cpu_ratio,omitempty"`
	// MedianOurs, MedianShipped: medians of the runs; Spread*: (max-min)
	// over the median.
	MedianOurs    float64 `json:"median_ours"`
	MedianShipped float64 `json:"median_shipped"`
	SpreadOurs    float64 `json:"spread_ours"`
	SpreadShipped float64 `json:"spread_shipped"`
	// Ratio is MedianOurs/MedianShipped; 0 when not given (Why says).
	Ratio float64 `json:"ratio,omitempty"`
	Why   string  `json:"why,omitempty"`
}

// SlotReport is one slot's results and their summary.
type SlotReport struct {
	Slot    Slot     `json:"slot"`
	Results []Result `json:"results"`
	// GeoMean of the per-package ratios given, with a 95% bootstrap
	// interval (runs resampled within each package).
	GeoMean float64    `json:"geomean,omitempty"`
	CI      [2]float64 `json:"ci95,omitempty"`
	Counted int        `json:"packages_counted"`
	Missing []string   `json:"missing,omitempty"` // packages the GOROOT lacks
}

// Report is dist/bench.json.
type Report struct {
	Command string       `json:"command"`
	Started time.Time    `json:"started"`
	Seconds float64      `json:"seconds"`
	Version string       `json:"go_version"`
	CPUs    string       `json:"cpus,omitempty"`
	Runs    int          `json:"runs"`
	Goal    float64      `json:"goal"`
	Slots   []SlotReport `json:"slots"`
	// Extra are further measurements (BenchmarkSyncLeak, the limits) as
	// verify has them.
	Extra []verify.Result `json:"extra,omitempty"`
}

// FileName is the report in dist/.
const FileName = dist.BenchFile

// Run measures every slot.
func Run(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{Started: time.Now(), Version: o.Version, CPUs: o.CPUs, Runs: o.Suite.Runs, Goal: o.Suite.Goal}
	for _, s := range o.Slots {
		sr, err := runSlot(ctx, o, s)
		if err != nil {
			return rep, err
		}
		rep.Slots = append(rep.Slots, sr)
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

func (o Options) logf(f string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "bench: "+f+"\n", a...)
	}
}

func runSlot(ctx context.Context, o Options, s Slot) (SlotReport, error) {
	sr := SlotReport{Slot: s}
	if s.Shipped == "" {
		if sr.Slot.NotRun == "" {
			sr.Slot.NotRun = "no shipped object in this slot: nothing to compare"
		}
		o.logf("%s: not run: %s", s.Name, sr.Slot.NotRun)
		return sr, nil
	}
	envs := map[string]*racetest.Env{}
	for side, root := range map[string]string{"ours": s.Ours, "shipped": s.Shipped} {
		e, err := racetest.NewEnv(o.Version, root, filepath.Join(o.Work, "env-"+side), o.GOCACHE)
		if err != nil {
			return sr, err
		}
		e.Extra = s.Env
		envs[side] = e
	}
	slotDir := filepath.Join(o.Work, strings.NewReplacer(" ", "_", "(", "", ")", "", "=", "-").Replace(s.Name))
	for i, p := range o.Suite.Packages {
		if _, err := os.Stat(filepath.Join(s.Shipped, "src", filepath.FromSlash(p.Pkg))); err != nil {
			sr.Missing = append(sr.Missing, p.Pkg)
			o.logf("%s: %s is not in %s: left out, the run goes on without it", s.Name, p.Pkg, s.Shipped)
			continue
		}
		bins := map[string]string{}
		var berr error
		for _, side := range []string{"ours", "shipped"} {
			bin := filepath.Join(slotDir, side, strings.ReplaceAll(p.Label(), "/", "_")+".test")
			os.MkdirAll(filepath.Dir(bin), 0o755)
			if out, err := envs[side].Go(ctx, "", "test", "-race", "-c", "-o", bin, p.Pkg); err != nil {
				berr = fmt.Errorf("go test -race -c %s with the %s GOROOT: %v\n%s", p.Pkg, side, err, racetest.Tail(out, 2000))
				break
			}
			bins[side] = bin
		}
		r := Result{Package: p.Label()}
		if berr != nil {
			r.Why = berr.Error()
			sr.Results = append(sr.Results, r)
			continue
		}
		// One untimed run of each binary first: the page cache, the
		// binary's own first-run costs.
		for _, side := range []string{"ours", "shipped"} {
			if _, _, err := timeRun(ctx, o.CPUs, envs[side], bins[side], filepath.Join(envs[side].GOROOT, "src", filepath.FromSlash(p.Pkg)), p.Args); err != nil {
				r.Why = fmt.Sprintf("%s warm-up run: %v", side, err)
			}
		}
		for run := 0; run < o.Suite.Runs && r.Why == ""; run++ {
			order := []string{"ours", "shipped"}
			if run%2 == 1 {
				order = []string{"shipped", "ours"}
			}
			for _, side := range order {
				secs, cpu, err := timeRun(ctx, o.CPUs, envs[side], bins[side], filepath.Join(envs[side].GOROOT, "src", filepath.FromSlash(p.Pkg)), p.Args)
				if err != nil {
					r.Why = fmt.Sprintf("%s run %d: %v", side, run+1, err)
					break
				}
				if side == "ours" {
					r.Ours, r.OursCPU = append(r.Ours, secs), append(r.OursCPU, cpu)
				} else {
					r.Shipped, r.ShippedCPU = append(r.Shipped, secs), append(r.ShippedCPU, cpu)
				}
			}
		}
		summarize(&r, o.Suite.SpreadBound)
		o.logf("%s: [%d/%d] %s: ours %.2fs (spread %.0f%%), shipped %.2fs (spread %.0f%%): %s", s.Name, i+1, len(o.Suite.Packages), r.Package,
			r.MedianOurs, 100*r.SpreadOurs, r.MedianShipped, 100*r.SpreadShipped, ratioText(r))
		sr.Results = append(sr.Results, r)
		if ctx.Err() != nil {
			return sr, ctx.Err()
		}
	}
	sr.GeoMean, sr.CI, sr.Counted = GeoMean(sr.Results, o.Seed)
	o.logf("%s: geometric mean ours/shipped %.3f (95%% interval %.3f..%.3f) over %d packages", s.Name, sr.GeoMean, sr.CI[0], sr.CI[1], sr.Counted)
	return sr, nil
}

func ratioText(r Result) string {
	if r.Ratio == 0 {
		return r.Why
	}
	return fmt.Sprintf("ours/shipped %.3f (CPU time %.3f)", r.Ratio, r.CPURatio)
}

// timeRun runs bin once in dir (pinned to cpus with taskset when set) and
// returns its wall time and CPU time (user + system); a failing run is an
// error.
func timeRun(ctx context.Context, cpus string, e *racetest.Env, bin, dir string, args []string) (wall, cpu float64, err error) {
	argv := append([]string{bin}, args...)
	if cpus != "" {
		argv = append([]string{"taskset", "-c", cpus}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, e.Environ()
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(t0).Seconds()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, racetest.Tail(string(out), 1500))
	}
	cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return wall, cpu, nil
}

// summarize sets the medians, spreads and ratio; a package whose runs
// spread by more than bound is too noisy to give a ratio: it says so.
func summarize(r *Result, bound float64) {
	r.MedianOurs, r.SpreadOurs = racetest.Median(r.Ours), spread(r.Ours)
	r.MedianShipped, r.SpreadShipped = racetest.Median(r.Shipped), spread(r.Shipped)
	switch {
	case r.Why != "":
	case len(r.Ours) == 0 || len(r.Shipped) == 0 || r.MedianShipped <= 0:
		r.Why = "no runs"
	case r.SpreadOurs > bound || r.SpreadShipped > bound:
		r.Why = fmt.Sprintf("too noisy to compare: the runs spread by %.0f%% (ours) and %.0f%% (shipped) of their medians, more than %.0f%%: the machine is too loaded to measure", 100*r.SpreadOurs, 100*r.SpreadShipped, 100*bound)
	default:
		r.Ratio = r.MedianOurs / r.MedianShipped
	}
	if c := racetest.Median(r.ShippedCPU); c > 0 && r.Ratio > 0 {
		r.CPURatio = racetest.Median(r.OursCPU) / c
	}
}

// spread is the range of the runs over their median, with the fastest and
// the slowest run left out when there are at least 5 (one stray run, a
// burst of other load, does not make a package unmeasurable; two do).
func spread(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := racetest.Median(s)
	if m <= 0 {
		return 0
	}
	if len(s) >= 5 {
		s = s[1 : len(s)-1]
	}
	return (s[len(s)-1] - s[0]) / m
}

// BootstrapIterations is how many resamples give the interval.
const BootstrapIterations = 2000

// GeoMean is the geometric mean of the ratios given, with a 95%
// percentile bootstrap interval: each resample draws every package's runs
// of each object with replacement and takes the geometric mean of the
// resampled medians' ratios.
func GeoMean(rs []Result, seed uint64) (float64, [2]float64, int) {
	var used []Result
	logSum := 0.0
	for _, r := range rs {
		if r.Ratio > 0 {
			used = append(used, r)
			logSum += math.Log(r.Ratio)
		}
	}
	if len(used) == 0 {
		return 0, [2]float64{}, 0
	}
	gm := math.Exp(logSum / float64(len(used)))
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	draw := func(xs []float64) float64 {
		s := make([]float64, len(xs))
		for i := range s {
			s[i] = xs[rng.IntN(len(xs))]
		}
		return racetest.Median(s)
	}
	means := make([]float64, BootstrapIterations)
	for b := range means {
		ls := 0.0
		for _, r := range used {
			ls += math.Log(draw(r.Ours) / draw(r.Shipped))
		}
		means[b] = math.Exp(ls / float64(len(used)))
	}
	sort.Float64s(means)
	return gm, [2]float64{means[BootstrapIterations*25/1000], means[BootstrapIterations*975/1000-1]}, len(used)
}

// WriteJSON writes the report atomically.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}
