package profile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/source"
)

// ReadmeLine is one object's line of a GOROOT's src/runtime/race/README.
type ReadmeLine struct {
	Object string // as the README names it: internal/amd64v1/race_linux.syso
	GOOS   string
	Commit string // the LLVM commit
	Patch  string // the patch file the line names, relative to the race directory; "" for none
}

var readmeRe = regexp.MustCompile(`^(\S+\.syso) built with LLVM ([0-9a-f]{40})(?: with patch (\S+))? and Go `)

// amd64Object is the GOOS of an amd64 v1 object's README name (both of
// Go's layouts: internal/amd64v1/race_<goos>.syso, race_<goos>_amd64.syso).
func amd64Object(name string) string {
	if g, ok := strings.CutPrefix(name, "internal/amd64v1/race_"); ok {
		return strings.TrimSuffix(g, ".syso")
	}
	if g, ok := strings.CutPrefix(name, "race_"); ok && strings.HasSuffix(g, "_amd64.syso") {
		return strings.TrimSuffix(g, "_amd64.syso")
	}
	return ""
}

// ReadReadme reads the amd64 objects' lines of a GOROOT's race README.
func ReadReadme(goroot string) (map[string]ReadmeLine, error) {
	file := filepath.Join(goroot, "src", "runtime", "race", "README")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("goroot:%s: %w (give the directory `go env GOROOT` prints)", goroot, err)
	}
	out := map[string]ReadmeLine{}
	for _, l := range strings.Split(string(data), "\n") {
		m := readmeRe.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		if g := amd64Object(m[1]); g != "" {
			out[g] = ReadmeLine{Object: m[1], GOOS: g, Commit: m[2], Patch: m[3]}
		}
	}
	return out, nil
}

// FromGOROOT is the profile that rebuilds what a GOROOT ships: for the
// targets o names, the LLVM commit and .patch file its README gives each
// object, with the tables and the base series (the build patches) of the
// profile of the nearest LLVM release racesyso knows. verify then compares
// each object with the one the GOROOT ships.
func FromGOROOT(root, goroot string, o Options) (*Profile, error) {
	goroot, err := filepath.Abs(goroot)
	if err != nil {
		return nil, err
	}
	lines, err := ReadReadme(goroot)
	if err != nil {
		return nil, err
	}
	// One source per profile: every target's line must name the same
	// commit and the same patch.
	groups := map[string][]string{}
	var first ReadmeLine
	for _, g := range o.Targets {
		l, ok := lines[g]
		if !ok {
			return nil, fmt.Errorf("goroot:%s: src/runtime/race/README has no LLVM line for the %s object (internal/amd64v1/race_%s.syso): leave %s out of RACE_TARGETS", goroot, g, g, g)
		}
		key := l.Commit
		if l.Patch != "" {
			sum, err := fileSum(filepath.Join(goroot, "src", "runtime", "race", l.Patch))
			if err != nil {
				return nil, fmt.Errorf("goroot:%s: the README's line for %s names the patch %s: %w", goroot, l.Object, l.Patch, err)
			}
			key += " with a patch of sha256 " + sum
		}
		if len(groups) == 0 {
			first = l
		}
		groups[key] = append(groups[key], g)
	}
	if len(groups) > 1 {
		var parts []string
		for k, gs := range groups {
			parts = append(parts, strings.Join(gs, ",")+": LLVM "+k)
		}
		sort.Strings(parts)
		return nil, fmt.Errorf("goroot:%s: its objects come from different sources (%s): build one group at a time with RACE_TARGETS", goroot, strings.Join(parts, "; "))
	}
	pin := &source.Pin{Kind: source.KindLLVMProject, URL: source.DefaultLLVMURL, Commit: first.Commit, Paths: source.LLVMPaths}
	if o.LLVMURL != "" {
		pin.URL = o.LLVMURL
	}
	major, err := source.LLVMMajor(source.Options{Pin: *pin, CacheDir: o.CacheDir, Log: io.Discard})
	if err != nil {
		return nil, fmt.Errorf("goroot:%s: its README names LLVM %s: %w", goroot, first.Commit, err)
	}
	base := Nearest(Known(root), major)
	if base == nil {
		return nil, fmt.Errorf("goroot:%s: no profile with an llvm_major in %s to take the tables from", goroot, ProfilesDir(root))
	}
	p := *base
	version := goVersion(goroot)
	p.Name = "goroot-" + version
	p.Comment = "what " + goroot + " ships, rebuilt from its README's LLVM commit and patch"
	p.Source = Source{Kind: source.KindLLVMProject, Git: pin}
	p.Dirs = Dirs{WorkTree: "compiler-rt-" + p.Name, Build: filepath.Join(".build", p.Name), Dist: "dist-" + p.Name}
	p.History = false
	p.BaseSeriesOnly = true
	p.ReferenceGOROOT = goroot
	p.Spec.Profile = p.Name
	p.Extra = nil
	if first.Patch != "" {
		x, err := patch.ReadExtra(filepath.Join(goroot, "src", "runtime", "race", first.Patch))
		if err != nil {
			return nil, err
		}
		p.Extra = append(p.Extra, x)
	}
	known := fmt.Sprintf("LLVM %d", major)
	if major == 0 {
		known = "an LLVM release its tree does not name"
	}
	p.Notes = []string{fmt.Sprintf("profile %s: %s's README names LLVM %s (%s) with patch %q for %s; building it with the tables and build patches (the series' base part) of the nearest profile racesyso knows, %s (LLVM %d)",
		p.Name, goroot, first.Commit, known, first.Patch, strings.Join(o.Targets, ","), base.Name, base.LLVMMajor)}
	if err := p.Apply(Options{LLVMPatch: o.LLVMPatch}); err != nil {
		return nil, err
	}
	return &p, nil
}

// goVersion is the first line of GOROOT/VERSION ("go1.26.8"), or "unknown".
func goVersion(goroot string) string {
	b, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "unknown"
	}
	v, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(v)
}

func fileSum(path string) (string, error) {
	x, err := patch.ReadExtra(path)
	if err != nil {
		return "", err
	}
	return x.SHA256, nil
}
