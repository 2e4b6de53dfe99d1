package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/gotool"
)

// Interface is the set of __tsan_* symbols a Go runtime imports from its
// race object.
type Interface struct {
	// Name describes where the set came from: a GOROOT path or the name
	// of an embedded interface such as "go1.7-perP".
	Name    string
	Symbols []string
}

// Directive and reference patterns in the runtime sources.
var (
	importStaticRE = regexp.MustCompile(`^//go:cgo_import_static\s+(__tsan_\w+)\s*$`)
	linknameRE     = regexp.MustCompile(`^//go:linkname\s+\S+\s+(__tsan_\w+)\s*$`)
	asmRefRE       = regexp.MustCompile(`\b(__tsan_\w+)\(SB\)`)
)

// GorootInterface extracts the __tsan_* symbols the runtime in goroot
// imports: the //go:cgo_import_static and //go:linkname directives of
// src/runtime/race.go and the (SB) references in src/runtime/race_amd64.s.
// An empty goroot means `go env GOROOT`.
func GorootInterface(goroot string) (Interface, error) {
	if goroot == "" {
		var err error
		if goroot, err = gotool.GOROOT(); err != nil {
			return Interface{}, err
		}
	}
	set := map[string]bool{}
	rt := filepath.Join(goroot, "src", "runtime")
	goSrc, err := os.ReadFile(filepath.Join(rt, "race.go"))
	if err != nil {
		return Interface{}, err
	}
	for line := range strings.Lines(string(goSrc)) {
		line = strings.TrimSpace(line)
		for _, re := range []*regexp.Regexp{importStaticRE, linknameRE} {
			if m := re.FindStringSubmatch(line); m != nil {
				set[m[1]] = true
			}
		}
	}
	asmSrc, err := os.ReadFile(filepath.Join(rt, "race_amd64.s"))
	if err != nil {
		return Interface{}, err
	}
	for line := range strings.Lines(string(asmSrc)) {
		code, _, _ := strings.Cut(line, "//") // comments mention symbols too
		for _, m := range asmRefRE.FindAllStringSubmatch(code, -1) {
			set[m[1]] = true
		}
	}
	if len(set) == 0 {
		return Interface{}, fmt.Errorf("%s: no __tsan_* imports found in race.go/race_amd64.s", goroot)
	}
	return Interface{Name: "GOROOT " + goroot, Symbols: sortedKeys(set)}, nil
}

// NamedInterface returns an embedded interface, data/iface_<name>.txt.
// "go1.7-perP" is the interface of the 2016 per-P change (Go caa2147).
func NamedInterface(name string) (Interface, error) {
	lines, err := readData("iface_" + name + ".txt")
	if err != nil {
		return Interface{}, fmt.Errorf("unknown interface %q: %w", name, err)
	}
	var syms []string
	for _, l := range lines {
		syms = append(syms, l.Fields[0])
	}
	sort.Strings(syms)
	return Interface{Name: name, Symbols: syms}, nil
}

// CheckABI verifies that obj defines every symbol of iface. Missing symbols
// fail the check; __tsan_* symbols the object exports beyond iface are
// listed as information.
func CheckABI(obj Object, iface Interface) Result {
	r := Result{Name: "abi", Target: obj.Path}
	syms, err := ReadSymbols(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	wanted := toSet(iface.Symbols)
	missing := iface.missingFrom(syms)
	var extra []string
	for _, s := range syms.Defined {
		if strings.HasPrefix(s, "__tsan_") && !wanted[s] {
			extra = append(extra, s)
		}
	}
	r.Unproved = "signatures and semantics: only symbol names are compared"
	for _, s := range missing {
		r.Details = append(r.Details, "missing: "+s)
	}
	if len(extra) > 0 {
		r.Details = append(r.Details, fmt.Sprintf("info: %d extra exported __tsan_* symbols not imported by %s (e.g. %s)",
			len(extra), iface.Name, strings.Join(extra[:min(len(extra), 5)], ", ")))
	}
	if len(missing) > 0 {
		return r.fail(fmt.Sprintf("missing %d of %d symbols of %s: %s",
			len(missing), len(iface.Symbols), iface.Name, strings.Join(missing, ", ")))
	}
	r.Status = Passed
	r.Summary = fmt.Sprintf("defines all %d __tsan_* symbols of %s (%d extra)", len(iface.Symbols), iface.Name, len(extra))
	r.Proved = "every __tsan_* symbol the runtime imports is defined by the object"
	return r
}

func toSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// missingFrom lists the symbols of iface that syms does not define.
func (iface Interface) missingFrom(syms Symbols) []string {
	defined := toSet(syms.Defined)
	var missing []string
	for _, s := range iface.Symbols {
		if !defined[s] {
			missing = append(missing, s)
		}
	}
	return missing
}

// MissingSymbols returns the __tsan_* symbols that goroot's runtime imports
// and the object at path does not define (empty goroot: `go env GOROOT`).
func MissingSymbols(path, goroot string) ([]string, error) {
	iface, err := GorootInterface(goroot)
	if err != nil {
		return nil, err
	}
	syms, err := ReadSymbols(path)
	if err != nil {
		return nil, err
	}
	return iface.missingFrom(syms), nil
}
