package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/verify"
)

// VerifyFile is the report verify writes into dist/.
const VerifyFile = dist.VerifyFile

// Interface2016 names the Go-facing interface of the 2016 per-P change
// (Go commit caa2147), kept as data in verify/data.
const Interface2016 = "go1.7-perP"

// GOROOT is the Go installation objects are checked against and tested
// in: RACESYSO_GOROOT, or `go env GOROOT` when empty.
func (c *Context) GOROOT() string {
	if c.Config.GOROOT == "" && c.Prof != nil && c.Prof.ReferenceGOROOT != "" {
		return c.Prof.ReferenceGOROOT // goroot:<GOROOT>: held against what it ships
	}
	return c.Config.GOROOT
}

// VerifyStage is one stage of verify: it checks the objects the manifest
// lists and adds a result per check to the report, passed, failed, or
// skipped with the reason it could not run.
type VerifyStage struct {
	Name string
	Run  func(c *Context, m *dist.Manifest, rep *verify.Report)
}

// VerifyStages are verify's stages, in the order they run.
var VerifyStages = []VerifyStage{
	{"objects", objectChecks},         // format, abi, imports, glibc floor, instruction set
	{"interface-2016", interface2016}, // the per-P shape and the 2016 per-P interface
	{"harness", harnessChecks},        // the cgo harness and the leak table (linux)
	{"goroot", goJudge},               // Go's own race tests, BenchmarkSyncLeak, limits
	{"history", historyStage},         // Go's releases 1.6 to 1.26 (RACESYSO_HISTORY), dist/history.json
}

// Verify runs VerifyStages on the objects in dist/.
func (c *Context) Verify() error { return c.VerifyWith(VerifyStages) }

// VerifyWith runs stages in order on the objects in dist/, prints the table
// (and the skipped checks, loudly), writes dist/verify.json, records the
// summary in the manifest, and fails if any check failed. Skipped checks do
// not fail verify, but they leave it incomplete: release refuses it.
func (c *Context) VerifyWith(stages []VerifyStage) error {
	m, err := dist.Read(c.DistDir)
	if err != nil {
		return err
	}
	if len(m.Targets) == 0 {
		return fmt.Errorf("no objects in %s: run `go run mage.go checkout patch buildSyso` first", c.DistDir)
	}
	if m.ProfileName() != c.Profile() {
		return fmt.Errorf("%s holds objects of the profile %s, not %s (RACESYSO_PROFILE): each profile has its own dist directory; run `go run mage.go clean buildSyso` with RACESYSO_PROFILE=%s", c.DistDir, m.ProfileName(), c.Profile(), c.Profile())
	}
	if err := m.CheckObjects(c.DistDir); err != nil {
		return err
	}
	rep := verify.NewReport()
	prog := c.loadProgress(c.progressKey(m, stages))
	for i, st := range stages {
		if results, ok := prog.done(st.Name); ok {
			fmt.Fprintf(c.Log, "verify: [%d/%d] %s: finished by the interrupted verify; its %d results are kept\n", i+1, len(stages), st.Name, len(results))
			for _, r := range results {
				rep.Add(r)
			}
			continue
		}
		fmt.Fprintf(c.Log, "verify: [%d/%d] %s\n", i+1, len(stages), st.Name)
		part := verify.NewReport()
		st.Run(c, m, &part)
		if err := c.ctx().Err(); err != nil {
			// The stage's results are those of commands that were stopped.
			return fmt.Errorf("verify interrupted in its %s stage (%v): nothing in %s was changed; the %d stages finished before it are saved in %s, and the next `go run mage.go verify` goes on from %s", st.Name, err, c.DistDir, len(prog.Stages), c.progressPath(), st.Name)
		}
		for _, r := range part.Results {
			rep.Add(r)
		}
		if err := c.saveProgress(prog, st.Name, part.Results); err != nil {
			return err
		}
	}
	fmt.Fprintln(c.Log)
	rep.Table(c.Log)
	if err := rep.WriteJSON(filepath.Join(c.DistDir, VerifyFile)); err != nil {
		return err
	}
	m.Verify = &dist.VerifySummary{OK: rep.OK, Passed: rep.Passed, Failed: rep.Failed, Skipped: rep.Skipped, Report: VerifyFile}
	if err := m.Write(c.DistDir); err != nil {
		return err
	}
	c.dropProgress()
	fmt.Fprintf(c.Log, "verify: %d passed, %d failed, %d skipped; wrote %s\n", rep.Passed, rep.Failed, rep.Skipped, filepath.Join(c.DistDir, VerifyFile))
	if err := c.Report(); err != nil {
		return err
	}
	if !rep.OK {
		return fmt.Errorf("verify failed: %d of %d checks (see the FAIL rows above and %s)", rep.Failed, len(rep.Results), filepath.Join(c.DistDir, VerifyFile))
	}
	return nil
}

// objectsOf lists the manifest's objects and target names, sorted by name.
func (c *Context) objectsOf(m *dist.Manifest) ([]verify.Object, []string) {
	var objs []verify.Object
	var names []string
	for goos, t := range m.Targets {
		g := targets.GOOSOf(goos)
		objs = append(objs, verify.Object{Path: filepath.Join(c.DistDir, t.Object), GOOS: g, Target: goos, Level: targets.LevelOf(goos), Ours: true, Allowlist: c.Prof.AllowlistFile(g)})
		names = append(names, goos)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Target < objs[j].Target })
	sort.Strings(names)
	return objs, names
}

// objectChecks are the checks of the object files themselves, against the
// GOROOT's interface and its shipped objects.
func objectChecks(c *Context, m *dist.Manifest, rep *verify.Report) {
	objs, targets := c.objectsOf(m)
	fmt.Fprintf(c.Log, "verify: object checks for %v\n", targets)
	for _, r := range verify.Run(objs, verify.Options{GOROOT: c.GOROOT(), Reference: c.referenceObjects(targets)}).Results {
		rep.Add(r)
	}
}

// interface2016 checks the per-P shape and the Go-facing interface of the
// 2016 per-P change, kept as data: what an object of that age must export
// whatever GOROOT is at hand.
func interface2016(c *Context, m *dist.Manifest, rep *verify.Report) {
	objs, _ := c.objectsOf(m)
	for _, o := range objs {
		rep.Add(verify.CheckPerP(o))
	}
	iface, err := verify.NamedInterface(Interface2016)
	if err != nil {
		rep.Add(verify.Result{Name: "abi/" + Interface2016, Target: "interface", Status: verify.Failed, Summary: err.Error()})
		return
	}
	for _, o := range objs {
		r := verify.CheckABI(o, iface)
		r.Name = "abi/" + Interface2016
		rep.Add(r)
	}
}

// referenceObjects are the GOROOT's shipped objects (the backup, where an
// install of ours replaced them), for the undefined-symbol diff.
func (c *Context) referenceObjects(targets []string) map[string]string {
	root := c.GOROOT()
	if root == "" {
		var err error
		if root, err = goroot.Default(); err != nil {
			return nil
		}
	}
	refs := map[string]string{}
	for _, goos := range targets {
		slots, err := goroot.Slots(root, goos)
		if err != nil || len(slots) == 0 {
			continue
		}
		p := filepath.Join(root, slots[0].Syso)
		if _, err := os.Stat(p + goroot.BackupSuffix); err == nil {
			p += goroot.BackupSuffix
		}
		if _, err := os.Stat(p); err == nil {
			refs[goos] = p
		}
	}
	return refs
}

// VerifyObjects runs the object checks (format, ABI, per-P shape, imports,
// glibc floor, instruction set) on any race objects: files, or directories
// whose race_*.syso files are taken (a GOROOT's
// src/runtime/race/internal/amd64v1, say). It prints the table and writes
// nothing.
func (c *Context) VerifyObjects(paths []string) error {
	var objs []verify.Object
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			objs = append(objs, verify.Object{Path: p, Allowlist: c.allowlistOf(filepath.Dir(p), p)})
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(p, "race_*.syso"))
		for _, m := range matches {
			objs = append(objs, verify.Object{Path: m, Allowlist: c.allowlistOf(p, m)})
		}
	}
	if len(objs) == 0 {
		return fmt.Errorf("no race_*.syso objects in %v", paths)
	}
	rep := verify.Run(objs, verify.Options{GOROOT: c.GOROOT()})
	for _, o := range objs {
		rep.Add(verify.CheckPerP(o))
	}
	rep.Table(c.Log)
	if !rep.OK {
		return fmt.Errorf("verify failed: see the FAIL rows above")
	}
	if rep.Skipped > 0 {
		fmt.Fprintf(c.Log, "verifyObjects: %d checks were skipped (see above): nothing is proved for them\n", rep.Skipped)
	}
	return nil
}

// ReferenceObjects are the GOROOT's shipped objects for targets, which
// undefined-diff compares against.
func (c *Context) ReferenceObjects(targets []string) map[string]string {
	return c.referenceObjects(targets)
}

// allowlistOf is the allowlist an object of a dist directory is held to:
// that of the profile its manifest names. An object without a manifest (a
// GOROOT's) gets Go's ("").
func (c *Context) allowlistOf(dir, obj string) string {
	m, err := dist.Read(dir)
	if err != nil || m == nil {
		return ""
	}
	p, err := profile.Load(c.Root, m.ProfileName(), profile.Options{})
	if err != nil {
		return ""
	}
	return p.AllowlistFile(verify.GOOSOf(obj))
}
