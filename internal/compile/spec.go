// Package build compiles the patched compiler-rt tree into one race object
// per target, the way lib/tsan/go/buildgo.sh does (one concatenated
// translation unit, -DSANITIZER_GO), smoke-tests each object with
// compiler-rt's own lib/tsan/go/test.c, and writes the objects atomically to
// dist/ with their manifest. Builds are content-addressed: an object whose
// inputs did not change is not compiled again.
package compile

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed targets.json
var targetsJSON []byte

// Spec is build/targets.json: the per-target source lists and flags.
type Spec struct {
	Sources []string `json:"sources"`
	// SeriesSources are files the patch series adds; the base (pre-split)
	// tree lacks them and is built without them.
	SeriesSources []string              `json:"series_sources"`
	Flags         []string              `json:"flags"`
	Targets       map[string]TargetSpec `json:"targets"`
	// CxxModeCheck lists the C/C++-mode sources that must keep compiling.
	CxxModeCheck CxxModeCheck `json:"cxx_mode_check"`
}

// TargetSpec is one target's additions to the common lists.
type TargetSpec struct {
	Sources     []string  `json:"sources"`
	Flags       []string  `json:"flags"`
	Smoke       SmokeSpec `json:"smoke"`
	Unsupported string    `json:"unsupported"`
	// Cost is the compile's relative length (seconds alone, measured with
	// buildTimes); longer compiles start first.
	Cost float64 `json:"cost"`
}

// SmokeSpec says how test.c is checked against the object: "run" links and
// runs it here, "wine" runs it under wine64, "link" only links it (every
// undefined symbol resolved) because nothing here can run that OS.
type SmokeSpec struct {
	Kind      string   `json:"kind"`
	LinkFlags []string `json:"link_flags"`
	Why       string   `json:"why"`
}

// AllTargets is the default RACE_TARGETS.
var AllTargets = []string{"linux", "darwin", "freebsd", "windows"}

// LoadSpec parses the embedded targets.json.
func LoadSpec() Spec {
	var s Spec
	if err := json.Unmarshal(targetsJSON, &s); err != nil {
		panic("build/targets.json: " + err.Error())
	}
	return s
}

// Target returns goos's sources and flags, or why it cannot be built.
// exists says whether a file (relative to lib/tsan/go) is in the tree, for
// SeriesSources.
func (s Spec) Target(goos string, exists func(string) bool) (sources, flags []string, t TargetSpec, err error) {
	t, ok := s.Targets[goos]
	if !ok {
		return nil, nil, t, fmt.Errorf("unknown target %q: RACE_TARGETS takes %s", goos, strings.Join(AllTargets, ","))
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

// ObjectName is the file name Go's racebuild gives goos's object.
func ObjectName(goos string) string { return "race_" + goos + "_amd64.syso" }

// ParseTargets reads a RACE_TARGETS value ("" means all).
func ParseTargets(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return append([]string{}, AllTargets...), nil
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Split(v, ",") {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		known := false
		for _, a := range AllTargets {
			known = known || a == t
		}
		if !known {
			return nil, fmt.Errorf("RACE_TARGETS: unknown target %q (choose from %s)", t, strings.Join(AllTargets, ","))
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("RACE_TARGETS=%q names no target: give a comma list of %s, or unset it for all four", v, strings.Join(AllTargets, ","))
	}
	return out, nil
}
