// Package targets is the one table of per-target facts (targets.json): the
// sources and flags of the unity build, and per target its compiler, the
// package that installs it, its -target triple, how test.c smoke-tests the
// object and the compile's relative cost. The target list is derived from it.
package targets

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed targets.json
var targetsJSON []byte

// llvm19JSON is the llvm-19 profile's table (internal/targets/llvm-19.json),
// in the same schema.
//
//go:embed llvm-19.json
var llvm19JSON []byte

// Profiles are the source profiles (RACESYSO_PROFILE), the default first.
var Profiles = []string{"perp-2016", "llvm-19"}

// DefaultProfile is RACESYSO_PROFILE's default.
const DefaultProfile = "perp-2016"

// CheckProfile refuses an unknown profile name, naming the known ones.
func CheckProfile(name string) error {
	for _, p := range Profiles {
		if p == name {
			return nil
		}
	}
	return fmt.Errorf("RACESYSO_PROFILE: unknown profile %q (choose from %s)", name, strings.Join(Profiles, ","))
}

// LoadProfile parses the targets table of a profile ("" is the default):
// targets.json for perp-2016, llvm-19.json for llvm-19.
func LoadProfile(name string) (Spec, error) {
	if name == "" {
		name = DefaultProfile
	}
	if err := CheckProfile(name); err != nil {
		return Spec{}, err
	}
	raw, file := targetsJSON, "targets.json"
	if name == "llvm-19" {
		raw, file = llvm19JSON, "llvm-19.json"
	}
	var s Spec
	if err := json.Unmarshal(raw, &s); err != nil {
		panic("internal/targets/" + file + ": " + err.Error())
	}
	s.Profile = name
	return s, nil
}

// Spec is targets.json.
type Spec struct {
	// Profile is the source profile the table belongs to (set by Load).
	Profile string   `json:"-"`
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
	Dirs []string `json:"dirs"`
	// Ext is the sources' file name ending (".cc" in 2016, ".cpp" in
	// LLVM 19).
	Ext      string     `json:"ext"`
	Exclude  []string   `json:"exclude"`
	Flags    []string   `json:"flags"`
	Variants [][]string `json:"variants"`
}

// Load parses the embedded targets.json (the default profile's table).
func Load() Spec {
	s, err := LoadProfile(DefaultProfile)
	if err != nil {
		panic(err)
	}
	return s
}

// All is the target list, in the table's order: RACE_TARGETS' default.
func All() []string {
	var out []string
	for _, t := range Load().Targets {
		out = append(out, t.GOOS)
	}
	return out
}

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
