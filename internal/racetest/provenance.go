package racetest

import (
	"context"
	"debug/elf"
	"debug/pe"
	"fmt"
	"os"
	"path/filepath"

	"github.com/racesyso/racesyso/internal/verify"
)

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
	return ProvenanceOf(ELFSymbols, bin, want, oursObj, shippedObj)
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

// ELFSymbols reads a linux binary's symbol names.
func ELFSymbols(path string) (map[string]bool, error) {
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

// Symbols reads the symbol names of a built binary (ELFSymbols,
// PESymbols).
type Symbols func(path string) (map[string]bool, error)

// ProvenanceOf tells which of two objects (oursObj, shippedObj) the built
// binary bin links, reading its symbols with read: the one provenance
// check of every race binary the engine builds, linux or windows.
func ProvenanceOf(read Symbols, bin, want, oursObj, shippedObj string) (Provenance, error) {
	bs, err := read(bin)
	if err != nil {
		return Provenance{}, err
	}
	os1, err := objectSymbols(oursObj)
	if err != nil {
		return Provenance{}, err
	}
	ss, err := objectSymbols(shippedObj)
	if err != nil {
		return Provenance{}, err
	}
	p := ClassifyBinary(bs, os1, ss)
	p.Want = want
	return p, nil
}

// PESymbols reads a PE binary's COFF symbol names.
func PESymbols(path string) (map[string]bool, error) {
	f, err := pe.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]bool{}
	for _, s := range f.Symbols {
		m[s.Name] = true
	}
	return m, nil
}
