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
	for i, t := range s.Targets {
		if !slices.Contains(Systems, t.GOOS) {
			return Spec{}, fmt.Errorf("%s: targets[%d].goos: %q is not one of %s", file, i, t.GOOS, strings.Join(Systems, ","))
		}
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
	GOOS        string    `json:"goos"`
	Compiler    Compiler  `json:"compiler"`
	Sources     []string  `json:"sources"`
	Flags       []string  `json:"flags"`
	Smoke       SmokeSpec `json:"smoke"`
	Unsupported string    `json:"unsupported"`
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

// Get returns goos's entry.
func (s Spec) Get(goos string) (Target, error) {
	for _, t := range s.Targets {
		if t.GOOS == goos {
			return t, nil
		}
	}
	var names []string
	for _, t := range s.Targets {
		names = append(names, t.GOOS)
	}
	return Target{}, fmt.Errorf("unknown target %q: RACE_TARGETS takes %s", goos, strings.Join(names, ","))
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
	flags = append(append([]string{}, s.Flags...), t.Flags...)
	return sources, flags, t, nil
}

// Parse reads a RACE_TARGETS value ("" means all).
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
		known := false
		for _, a := range all {
			known = known || a == t
		}
		if !known {
			return nil, fmt.Errorf("RACE_TARGETS: unknown target %q (choose from %s)", t, strings.Join(all, ","))
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("RACE_TARGETS=%q names no target: give a comma list of %s, or unset it for all four", v, strings.Join(all, ","))
	}
	return out, nil
}
