package verify

import (
	"fmt"
	"strings"
)

// Allowlist returns the undefined symbols a GOOS's race object of Go's
// may import, mapped to the reason each is allowed (data/undefined_<goos>.txt).
func Allowlist(goos string) (map[string]string, error) { return AllowlistFor("", goos) }

// AllowlistFor is the allowlist in file (a profile's undefined_<goos>.txt),
// or Go's for goos when file is empty.
func AllowlistFor(file, goos string) (map[string]string, error) {
	name := "data/undefined_" + goos + ".txt"
	var lines []dataLine
	var err error
	if file == "" {
		lines, err = readData("undefined_" + goos + ".txt")
	} else {
		name = file
		lines, err = readFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("no undefined-symbol allowlist for %q: %w", goos, err)
	}
	m := make(map[string]string, len(lines))
	for _, l := range lines {
		if len(l.Fields) != 1 || l.Comment == "" {
			return nil, fmt.Errorf("%s:%d: want \"symbol  # reason\"", name, l.Line)
		}
		m[l.Fields[0]] = l.Comment
	}
	return m, nil
}

// CheckUndefined verifies that every symbol obj leaves undefined is on the
// allowlist for its GOOS. Unlisted imports (C++ runtime, compiler helpers,
// glibc-private or too-new libc functions) fail the check.
func CheckUndefined(obj Object) Result {
	r := Result{Name: "undefined", Target: obj.Path}
	allow, err := AllowlistFor(obj.Allowlist, obj.GOOS)
	if err != nil {
		return r.fail(err.Error())
	}
	syms, err := ReadSymbols(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	var bad []string
	for _, s := range syms.Undefined {
		if _, ok := allow[s]; !ok {
			bad = append(bad, s)
			r.Details = append(r.Details, "not allowlisted: "+s)
		}
	}
	r.Unproved = "that the target's libraries provide every allowed symbol in the version the link will find"
	if len(bad) > 0 {
		return r.fail(fmt.Sprintf("%d undefined symbols not on the %s allowlist: %s", len(bad), obj.GOOS, strings.Join(bad, ", ")))
	}
	r.Status = Passed
	r.Summary = fmt.Sprintf("all %d undefined symbols are allowlisted for %s", len(syms.Undefined), obj.GOOS)
	r.Proved = "the object imports nothing beyond the reviewed " + obj.GOOS + " allowlist"
	return r
}

// DiffUndefined compares the undefined symbols of obj with those of a
// reference object (typically GOROOT's shipped object for the same GOOS).
// The result is informational: it fails only if a file cannot be read.
func DiffUndefined(obj Object, refPath string) Result {
	r := Result{Name: "undefined-diff", Target: obj.Path}
	syms, err := ReadSymbols(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	ref, err := ReadSymbols(refPath)
	if err != nil {
		return r.fail(err.Error())
	}
	have, had := toSet(syms.Undefined), toSet(ref.Undefined)
	var added, removed []string
	for _, s := range syms.Undefined {
		if !had[s] {
			added = append(added, s)
			r.Details = append(r.Details, "added: "+s)
		}
	}
	for _, s := range ref.Undefined {
		if !have[s] {
			removed = append(removed, s)
			r.Details = append(r.Details, "removed: "+s)
		}
	}
	r.Status = Passed
	r.Summary = fmt.Sprintf("vs %s: +%d -%d undefined symbols", refPath, len(added), len(removed))
	r.Proved = "the listed differences in imported symbols from the reference object"
	return r
}
