// Package goroot installs race objects into a Go installation, in the
// layout that Go version uses, and runs that installation's own race tests.
package goroot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/gotool"
)

// Slot is one place an object goes in a GOROOT.
type Slot struct {
	GOOS   string
	Syso   string // path relative to GOROOT
	Patch  string // where the applied series is written, relative to GOROOT
	Readme string // the name Go's README line uses, relative to src/runtime/race
}

// RaceDir is the race package inside a GOROOT.
func RaceDir(goroot string) string { return filepath.Join(goroot, "src", "runtime", "race") }

// Slots returns where goos's amd64 object lives in goroot: Go >= 1.20 keeps
// it as internal/amd64v1/race_<os>.syso (and linux has a second copy for
// GOAMD64=v3 in internal/amd64v3, which our v1 object also serves); older
// Go keeps race_<os>_amd64.syso in the race directory.
//
// A target <goos>-v3 (linux-v3, the GOAMD64=v3 object) has the one slot
// internal/amd64v3/race_<goos>.syso, in a Go that has it.
func Slots(goroot, target string) ([]Slot, error) {
	race := RaceDir(goroot)
	if _, err := os.Stat(filepath.Join(race, "race.go")); err != nil {
		return nil, fmt.Errorf("%s is not a GOROOT with the race runtime (no src/runtime/race/race.go)", goroot)
	}
	rel := func(p string) string { return filepath.Join("src", "runtime", "race", p) }
	goos, level, leveled := strings.Cut(target, "-")
	if leveled {
		dir := "internal/amd64" + level
		if _, err := os.Stat(filepath.Join(race, filepath.FromSlash(dir))); err != nil {
			return nil, fmt.Errorf("%s (%s) has no %s: this Go takes no GOAMD64=%s race object; leave %s out (RACE_TARGETS)", goroot, Version(goroot), "src/runtime/race/"+dir, level, target)
		}
		name := dir + "/race_" + goos
		return []Slot{{GOOS: goos, Syso: rel(name + ".syso"), Patch: rel(name + ".patch"), Readme: name + ".syso"}}, nil
	}
	if _, err := os.Stat(filepath.Join(race, "internal", "amd64v1")); err == nil {
		dirs := []string{"internal/amd64v1"}
		if goos == "linux" {
			if _, err := os.Stat(filepath.Join(race, "internal", "amd64v3")); err == nil {
				dirs = append(dirs, "internal/amd64v3")
			}
		}
		var out []Slot
		for _, d := range dirs {
			name := d + "/race_" + goos
			out = append(out, Slot{GOOS: goos, Syso: rel(name + ".syso"), Patch: rel(name + ".patch"), Readme: name + ".syso"})
		}
		return out, nil
	}
	name := "race_" + goos + "_amd64"
	return []Slot{{GOOS: goos, Syso: rel(name + ".syso"), Patch: rel(name + ".patch"), Readme: name + ".syso"}}, nil
}

// Version reads the GOROOT's VERSION file ("go1.26.8"), or "devel".
func Version(goroot string) string {
	data, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "devel"
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(line)
}

// Default is the GOROOT of the go command on PATH.
func Default() (string, error) { return gotool.GOROOT() }
