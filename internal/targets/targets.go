// Package targets is the one table of per-target facts (targets.json): the
// sources and flags of the unity build, and per target its compiler, the
// package that installs it, its -target triple, how test.c smoke-tests the
// object and the compile's relative cost. The target list is derived from it.
package targets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Systems are the operating systems racesyso builds a race object for, in
// the order RACE_TARGETS defaults to. A profile's targets table
// (targets.json in its directory) lists a subset of them.
var Systems = []string{"linux", "darwin", "freebsd", "windows"}

// Known are the target names RACE_TARGETS may give: one per system (its
// GOAMD64=v1 object) and linux-v3, the GOAMD64=v3 linux object. A name is
// <goos> or <goos>-<level>.
var Known = []string{"linux", "darwin", "freebsd", "windows", "linux-v3"}

// GOOSOf is the system of a target name ("linux" for linux-v3).
func GOOSOf(name string) string {
	g, _, _ := strings.Cut(name, "-")
	return g
}

// LevelOf is the GOAMD64 level of a target name's object ("v1" unless the
// name says another).
func LevelOf(name string) string {
	if _, l, ok := strings.Cut(name, "-"); ok {
		return l
	}
	return "v1"
}

// Decode parses a profile's targets table, refusing unknown fields and
// targets outside Systems; file names the table in errors.
func Decode(data []byte, file string) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(s.Targets) == 0 {
		return Spec{}, fmt.Errorf("%s: targets: the table lists no target", file)
	}
	seen := map[string]bool{}
	for i, t := range s.Targets {
		if !slices.Contains(Systems, t.GOOS) {
			return Spec{}, fmt.Errorf("%s: targets[%d].goos: %q is not one of %s", file, i, t.GOOS, strings.Join(Systems, ","))
		}
		if id := t.ID(); !slices.Contains(Known, id) || GOOSOf(id) != t.GOOS || seen[id] {
			return Spec{}, fmt.Errorf("%s: targets[%d].name: %q is not one of %s for goos %s, or is listed twice", file, i, id, strings.Join(Known, ","), t.GOOS)
		}
		seen[t.ID()] = true
		if t.Unsupported == "" && len(t.Compiler.CXX) == 0 {
			return Spec{}, fmt.Errorf("%s: targets[%d].compiler.cxx: %s has no compiler", file, i, t.GOOS)
		}
	}
	if len(s.Sources) == 0 {
		return Spec{}, fmt.Errorf("%s: sources: the table lists no source", file)
	}
	return s, nil
}

// Spec is a profile's targets.json.
type Spec struct {
	// Profile is the source profile the table belongs to (set by its loader).
	Profile string   `json:"-"`
	Comment string   `json:"comment"`
	Sources []string `json:"sources"`
	// SeriesSources are files the patch series adds; the base (pre-split)
	// tree lacks them and is built without them.
	SeriesSources []string `json:"series_sources"`
	Flags         []string `json:"flags"`
	// Targets, in the order RACE_TARGETS defaults to.
	Targets []Target `json:"targets"`
	// CxxModeCheck lists the C/C++-mode sources that must keep compiling.
	CxxModeCheck CxxModeCheck `json:"cxx_mode_check"`
	// ShippedParity is what the profile claims against the objects Go
	// ships; nil claims nothing (the ratios are reported, not judged).
	ShippedParity *Parity `json:"shipped_parity"`
}

// Parity bounds ours/shipped ratios that verify judges.
type Parity struct {
	Comment string `json:"comment"`
	// SyncLeakPeakRSS bounds the geometric mean over BenchmarkSyncLeak's
	// levels of ours' median peak RSS over the shipped object's
	// (goroot.SyncLeakParity).
	SyncLeakPeakRSS float64 `json:"sync_leak_peak_rss"`
}

// Target is one target's facts and its additions to the common lists.
type Target struct {
	// Name is the target's name (RACE_TARGETS, manifest.json): GOOS, or
	// <goos>-<level> for an object of another GOAMD64 level (linux-v3).
	Name string `json:"name"`
	GOOS string `json:"goos"`
	// ReplaceFlags replaces common flags for this target (the v3
	// object's -msse4.2 for -msse3).
	ReplaceFlags map[string]string `json:"replace_flags"`
	Compiler     Compiler          `json:"compiler"`
	Sources      []string          `json:"sources"`
	Flags        []string          `json:"flags"`
	Smoke        SmokeSpec         `json:"smoke"`
	Unsupported  string            `json:"unsupported"`
	// Cost is the compile's relative length (seconds alone, measured with
	// buildTimes); longer compiles start first.
	Cost float64 `json:"cost"`
}

// Compiler is how a target's compiler is run and where it comes from.
type Compiler struct {
	Name    string   `json:"name"`    // what it is: "clang", "zig", ...
	CXX     []string `json:"cxx"`     // argv prefix that compiles C++
	CC      []string `json:"cc"`      // argv prefix that compiles and links C (the smoke test)
	Version []string `json:"version"` // argv that prints its version
	Install string   `json:"install"` // the command that installs it, by package name
	Triple  string   `json:"triple"`  // -target for cross compilers, empty for native ones
}

// SmokeSpec says how test.c is checked against the object: "run" links and
// runs it here, "wine" runs it under wine64, "link" only links it (every
// undefined symbol resolved) because nothing here can run that OS.
type SmokeSpec struct {
	Kind      string   `json:"kind"`
	LinkFlags []string `json:"link_flags"`
	Why       string   `json:"why"`
}

// CxxModeCheck is which C/C++-mode sources must keep compiling with the
// series applied, and how they are syntax-checked.
type CxxModeCheck struct {
	Comment    string   `json:"comment"`
	ExcludeWhy string   `json:"exclude_why"`
	Dirs       []string `json:"dirs"`
	// Ext is the sources' file name ending (".cc" in 2016, ".cpp" in
	// LLVM 19).
	Ext      string     `json:"ext"`
	Exclude  []string   `json:"exclude"`
	Flags    []string   `json:"flags"`
	Variants [][]string `json:"variants"`
}

// All is the target list, in the table's order: RACE_TARGETS' default.
func All() []string { return append([]string{}, Systems...) }

// ID is the target's name: Name, or GOOS when the table gives none.
func (t Target) ID() string {
	if t.Name != "" {
		return t.Name
	}
	return t.GOOS
}

// IDs are the table's target names, in its order: RACE_TARGETS' default.
func (s Spec) IDs() []string {
	var out []string
	for _, t := range s.Targets {
		out = append(out, t.ID())
	}
	return out
}

// Get returns the entry of the target name.
func (s Spec) Get(name string) (Target, error) {
	for _, t := range s.Targets {
		if t.ID() == name {
			return t, nil
		}
	}
	return Target{}, fmt.Errorf("unknown target %q: this profile's RACE_TARGETS takes %s", name, strings.Join(s.IDs(), ","))
}

// Build returns goos's sources and flags, or why it cannot be built.
// exists says whether a file (relative to lib/tsan/go) is in the tree, for
// SeriesSources.
func (s Spec) Build(goos string, exists func(string) bool) (sources, flags []string, t Target, err error) {
	t, err = s.Get(goos)
	if err != nil {
		return nil, nil, t, err
	}
	if t.Unsupported != "" {
		return nil, nil, t, fmt.Errorf("%s", t.Unsupported)
	}
	sources = append([]string{}, s.Sources...)
	for _, f := range s.SeriesSources {
		if exists(f) {
			sources = append(sources, f)
		}
	}
	sources = append(sources, t.Sources...)
	for _, f := range s.Flags {
		if r, ok := t.ReplaceFlags[f]; ok {
			f = r
		}
		flags = append(flags, f)
	}
	flags = append(flags, t.Flags...)
	return sources, flags, t, nil
}

// Parse reads a RACE_TARGETS value of Known names ("" means the four
// systems; a profile's run takes its table's names instead).
func Parse(v string) ([]string, error) {
	all := All()
	if strings.TrimSpace(v) == "" {
		return all, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Split(v, ",") {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		if !slices.Contains(Known, t) {
			return nil, fmt.Errorf("RACE_TARGETS: unknown target %q (choose from %s)", t, strings.Join(Known, ","))
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("RACE_TARGETS=%q names no target: give a comma list of %s, or unset it for all of the profile's", v, strings.Join(Known, ","))
	}
	return out, nil
}
