package pipeline

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/internal/bench"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/verify"
)

// Bench is the bench stage (mage target `bench`): the race workload
// (internal/bench/suite.json) with dist/'s linux objects installed in a
// copy of the GOROOT against the GOROOT's shipped ones, slot by slot (v1
// with v1, linux-v3 with amd64v3 under GOAMD64=v3), then BenchmarkSyncLeak
// and the limits as verify has them; it writes dist/bench.json and the
// report. Nothing is judged: the figures are a report.
func (c *Context) Bench() error {
	m, err := dist.Read(c.DistDir)
	if err != nil {
		return err
	}
	if _, ok := m.Targets["linux"]; !ok {
		return fmt.Errorf("no linux object in %s: run `RACE_TARGETS=linux,linux-v3 go run mage.go buildSyso` first", c.DistDir)
	}
	if err := m.CheckObjects(c.DistDir); err != nil {
		return err
	}
	suite, err := bench.LoadSuite()
	if err != nil {
		return err
	}
	if c.Config.BenchRuns > 0 {
		suite.Runs = c.Config.BenchRuns
	}
	shipped := c.GOROOT()
	if shipped == "" {
		if shipped, err = goroot.Default(); err != nil {
			return err
		}
	}
	dir := filepath.Join(c.BuildDir, "bench")
	ours := filepath.Join(dir, "goroot")
	fmt.Fprintf(c.Log, "bench: copying %s (%s) to %s\n", shipped, goroot.Version(shipped), ours)
	if _, err := goroot.Copy(shipped, ours); err != nil {
		return err
	}
	linux := []string{"linux"}
	if _, ok := m.Targets["linux-v3"]; ok {
		linux = append(linux, "linux-v3")
	}
	if err := c.installInto(ours, linux); err != nil {
		return err
	}
	v := strings.TrimPrefix(goroot.Version(shipped), "go")
	slots := []bench.Slot{{Name: "linux GOAMD64=v1", Ours: ours, Shipped: shipped}}
	v3 := bench.Slot{Name: "linux GOAMD64=v3", Ours: ours, Shipped: shipped, Env: []string{"GOAMD64=v3"}}
	if _, err := goroot.Slots(shipped, "linux-v3"); err != nil {
		v3.Shipped, v3.NotRun = "", "the GOROOT has no amd64v3 slot: "+err.Error()
	} else if len(linux) == 1 {
		v3.Shipped, v3.NotRun = "", "no linux-v3 object in "+c.DistDir+" (RACE_TARGETS=linux,linux-v3): the v3 slot would hold our v1 object"
	} else if miss := goroot.HostMissingV3(); len(miss) > 0 {
		v3.Shipped, v3.NotRun = "", "this CPU lacks x86-64-v3 ("+strings.Join(miss, ", ")+")"
	}
	slots = append(slots, v3)
	cpus := ""
	if _, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
		cpus = strconv.Itoa(runtime.NumCPU() - 1) // one CPU, the same for both objects
	}
	o := bench.Options{Suite: suite, Slots: slots, Version: v, Work: filepath.Join(c.Config.CacheDir, "bench", c.Profile()),
		GOCACHE: filepath.Join(c.Config.CacheDir, "goroot-judge", "gocache-go"+v), CPUs: cpus, Log: c.Log, Seed: 1}
	fmt.Fprintf(c.Log, "bench: %d packages, %d runs each per object, alternating, pinned to CPU %q (\"\": not pinned)\n", len(suite.Packages), suite.Runs, cpus)
	rep, err := bench.Run(c.ctx(), o)
	if err != nil {
		return err
	}
	var extra verify.Report
	if c.Config.SkipGorootTests {
		fmt.Fprintln(c.Log, "bench: RACESYSO_SKIP_GOROOT_TESTS=1: BenchmarkSyncLeak and the limits were not measured")
	} else {
		c.limits(c.ctx(), shipped, ours, dir, &extra)
		c.syncLeak(c.ctx(), shipped, ours, dir, &extra)
	}
	rep.Extra = extra.Results
	if err := c.ctx().Err(); err != nil {
		return fmt.Errorf("bench interrupted (%v): %s was not written", err, filepath.Join(c.DistDir, bench.FileName))
	}
	rep.Command = "go run mage.go bench"
	if c.Profile() != "" {
		rep.Command = "RACESYSO_PROFILE=" + c.Profile() + " " + rep.Command
	}
	if err := rep.WriteJSON(filepath.Join(c.DistDir, bench.FileName)); err != nil {
		return err
	}
	for _, s := range rep.Slots {
		if s.Slot.NotRun != "" {
			fmt.Fprintf(c.Log, "bench: %s: not run: %s\n", s.Slot.Name, s.Slot.NotRun)
			continue
		}
		fmt.Fprintf(c.Log, "bench: %s: ours/shipped geometric mean %.3f (95%% interval %.3f..%.3f) over %d packages (goal %.2f)\n", s.Slot.Name, s.GeoMean, s.CI[0], s.CI[1], s.Counted, suite.Goal)
	}
	fmt.Fprintf(c.Log, "bench: wrote %s\n", filepath.Join(c.DistDir, bench.FileName))
	os.RemoveAll(ours)
	return c.Report()
}
