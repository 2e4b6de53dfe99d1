package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/racesyso/racesyso/build"
	"github.com/racesyso/racesyso/goroot"
	"github.com/racesyso/racesyso/manifest"
	"github.com/racesyso/racesyso/verify"
)

// VerifyFile is the report verify writes into dist/.
const VerifyFile = build.VerifyFile

// Interface2016 names the Go-facing interface of the 2016 per-P change
// (Go commit caa2147), kept as data in verify/data.
const Interface2016 = "go1.7-perP"

// GOROOT is the Go installation objects are checked against and tested
// in: RACESYSO_GOROOT, or `go env GOROOT` when empty.
func (c *Context) GOROOT() string { return os.Getenv("RACESYSO_GOROOT") }

// Verify runs every check that applies to the objects in dist/, prints the
// table, writes dist/verify.json, records the summary in the manifest and
// fails if any check failed.
func (c *Context) Verify() error {
	m, err := manifest.Read(c.DistDir)
	if err != nil {
		return err
	}
	if len(m.Targets) == 0 {
		return fmt.Errorf("no objects in %s: run `go run mage.go checkout patch buildSyso` first", c.DistDir)
	}
	if err := m.CheckObjects(c.DistDir); err != nil {
		return err
	}
	var objs []verify.Object
	var targets []string
	for goos, t := range m.Targets {
		objs = append(objs, verify.Object{Path: filepath.Join(c.DistDir, t.Object), GOOS: goos})
		targets = append(targets, goos)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].GOOS < objs[j].GOOS })
	sort.Strings(targets)
	fmt.Fprintf(c.Log, "verify: object checks for %v\n", targets)
	rep := verify.Run(objs, verify.Options{GOROOT: c.GOROOT(), Reference: c.referenceObjects(targets)})
	// The 2016 per-P interface, kept as data: what an object of that age
	// must export whatever GOROOT is at hand.
	for _, o := range objs {
		rep.Add(verify.CheckPerP(o))
	}
	if iface, err := verify.NamedInterface(Interface2016); err == nil {
		for _, o := range objs {
			r := verify.CheckABI(o, iface)
			r.Name = "abi/" + Interface2016
			rep.Add(r)
		}
	} else {
		rep.Add(verify.Result{Name: "abi/" + Interface2016, Target: "interface", Summary: err.Error()})
	}
	for _, extra := range verifyStages {
		extra(c, m, &rep)
	}
	fmt.Fprintln(c.Log)
	rep.Table(c.Log)
	if err := rep.WriteJSON(filepath.Join(c.DistDir, VerifyFile)); err != nil {
		return err
	}
	sum := &manifest.VerifySummary{OK: rep.OK, Report: VerifyFile}
	for _, r := range rep.Results {
		if r.OK {
			sum.Passed++
		} else {
			sum.Failed++
		}
	}
	m.Verify = sum
	if err := m.Write(c.DistDir); err != nil {
		return err
	}
	fmt.Fprintf(c.Log, "verify: %d passed, %d failed; wrote %s\n", sum.Passed, sum.Failed, filepath.Join(c.DistDir, VerifyFile))
	if !rep.OK {
		return fmt.Errorf("verify failed: %d of %d checks (see the FAIL rows above and %s)", sum.Failed, sum.Passed+sum.Failed, filepath.Join(c.DistDir, VerifyFile))
	}
	return nil
}

// verifyStages are the checks beyond the object report, each adding its
// results: the cgo harness and Go's own race tests.
var verifyStages []func(*Context, *manifest.Manifest, *verify.Report)

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
			objs = append(objs, verify.Object{Path: p})
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(p, "race_*.syso"))
		for _, m := range matches {
			objs = append(objs, verify.Object{Path: m})
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
	return nil
}
