package history

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/verify"
)

// Install puts our linux object from objDir (a dist/ directory: objects,
// manifest.json, racesyso.patch) into the release's GOROOT copy with
// goroot.Install, which knows the layouts of every release (race-dir before
// Go 1.20, internal/amd64v1 and amd64v3 from 1.20), then makes the release's
// go command link it: before Go 1.10 the go command never finds a standard
// package of a release stale, whatever its .syso holds, so the precompiled
// pkg/linux_amd64_race/runtime/race.a (holding the shipped object) is
// removed and reinstalled from the source tree.
func (e *Env) Install(ctx context.Context, objDir string, goos []string, log io.Writer) error {
	if err := goroot.Install(goroot.InstallOptions{
		GOROOT: e.GOROOT, From: objDir, GOOS: goos, Log: log,
		Missing: func(object, _, gr string) ([]string, error) { return verify.MissingSymbols(object, gr) },
	}); err != nil {
		return err
	}
	for _, g := range goos {
		if g == "linux" && e.Release.RebuildRace {
			return e.RebuildRaceArchive(ctx)
		}
	}
	return nil
}

// RebuildRaceArchive removes the precompiled runtime/race.a of the race
// build and installs it again from the GOROOT's sources (and .syso).
func (e *Env) RebuildRaceArchive(ctx context.Context) error {
	a := filepath.Join(e.GOROOT, "pkg", "linux_amd64_race", "runtime", "race.a")
	if err := os.Remove(a); err != nil && !os.IsNotExist(err) {
		return err
	}
	if out, err := e.Go(ctx, "", "install", "-race", "runtime/race"); err != nil {
		return fmt.Errorf("go install -race runtime/race in %s: %v\n%s", e.GOROOT, err, out)
	}
	if _, err := os.Stat(a); err != nil {
		return fmt.Errorf("go install -race runtime/race did not write %s: %w", a, err)
	}
	return nil
}

// Provenance says which object a race binary built with a GOROOT links:
// the global symbols that only one of two candidate objects defines are
// looked up in the binary's symbol table.
type Provenance struct {
	Want string `json:"want"` // the object the binary must link: "ours" or "shipped"
	Got  string `json:"got"`  // "ours", "shipped" or "unknown"
	// OursOnly, ShippedOnly: how many of the symbols only that object
	// defines are in the binary.
	OursOnly    int `json:"ours_only"`
	ShippedOnly int `json:"shipped_only"`
}

// OK reports whether the binary links the object it must.
func (p Provenance) OK() bool { return p.Got == p.Want }

func (p Provenance) String() string {
	return fmt.Sprintf("links %s (want %s; %d of ours' own symbols, %d of shipped's)", p.Got, p.Want, p.OursOnly, p.ShippedOnly)
}

// ClassifyBinary decides from symbol sets: ours when the binary has some of
// ours' own symbols and none of shipped's, and the reverse.
func ClassifyBinary(binary, ours, shipped map[string]bool) Provenance {
	var p Provenance
	for s := range ours {
		if !shipped[s] && binary[s] {
			p.OursOnly++
		}
	}
	for s := range shipped {
		if !ours[s] && binary[s] {
			p.ShippedOnly++
		}
	}
	switch {
	case p.OursOnly > 0 && p.ShippedOnly == 0:
		p.Got = "ours"
	case p.ShippedOnly > 0 && p.OursOnly == 0:
		p.Got = "shipped"
	default:
		p.Got = "unknown"
	}
	return p
}

// racyProgram is built outside GOROOT, as runtime/race's TestOutput and any
// user builds its programs: with a GOROOT package named on the command line
// older go commands would decide staleness differently.
const racyProgram = `package main

import "fmt"

func main() {
	x := 0
	done := make(chan bool)
	go func() { x = 1; done <- true }()
	x = 2
	<-done
	fmt.Println(x)
}
`

// CheckProvenance builds a small race program outside GOROOT with the
// release's go command and tells which of the two objects it links.
func (e *Env) CheckProvenance(ctx context.Context, want, oursObj, shippedObj string) (Provenance, error) {
	dir, err := os.MkdirTemp(e.TmpDir, "provenance-")
	if err != nil {
		return Provenance{}, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "racy.go"), []byte(racyProgram), 0o644); err != nil {
		return Provenance{}, err
	}
	bin := filepath.Join(dir, "racy")
	if out, err := e.Go(ctx, dir, "build", "-race", "-o", bin, "racy.go"); err != nil {
		return Provenance{}, fmt.Errorf("go build -race in %s: %v\n%s", e.GOROOT, err, out)
	}
	return BinaryProvenance(bin, want, oursObj, shippedObj)
}

func objectSymbols(path string) (map[string]bool, error) {
	syms, err := verify.ReadSymbols(path)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, s := range syms.Defined {
		m[s] = true
	}
	return m, nil
}

func elfSymbols(path string) (map[string]bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := map[string]bool{}
	for _, s := range syms {
		m[s.Name] = true
	}
	return m, nil
}

// ShippedObject is the path of the release's own linux object in a GOROOT
// (its backup once ours is installed), copied by SaveShipped before any
// install so the provenance check and the ABI table can read it.
func ShippedObject(gr, goos string) (string, error) {
	slots, err := goroot.Slots(gr, goos)
	if err != nil {
		return "", err
	}
	p := filepath.Join(gr, slots[0].Syso)
	if _, err := os.Stat(p + goroot.BackupSuffix); err == nil {
		return p + goroot.BackupSuffix, nil
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s ships no %s object (%s)", goroot.Version(gr), goos, slots[0].Syso)
	}
	return p, nil
}

// ObjectsIn lists dir's race_<goos>_amd64.syso objects by GOOS.
func ObjectsIn(dir string) map[string]string {
	m, _ := filepath.Glob(filepath.Join(dir, "race_*_amd64.syso"))
	out := map[string]string{}
	for _, p := range m {
		out[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "race_"), "_amd64.syso")] = p
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
