package verify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// DefaultGlibcFloor is the oldest glibc a linux race object may require
// unless Options.GlibcFloor says otherwise.
const DefaultGlibcFloor = "2.17"

// glibcNone marks table entries that are not provided by glibc.
const glibcNone = "none"

// GlibcTable returns data/glibc.txt: symbol -> first x86_64 glibc version
// that provides it, or "none" for symbols from the linker or libgcc.
func GlibcTable() (map[string]string, error) {
	lines, err := readData("glibc.txt")
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(lines))
	for _, l := range lines {
		if len(l.Fields) != 2 {
			return nil, fmt.Errorf("data/glibc.txt:%d: want \"symbol version\"", l.Line)
		}
		if v := l.Fields[1]; v != glibcNone {
			if _, err := parseVersion(v); err != nil {
				return nil, fmt.Errorf("data/glibc.txt:%d: %w", l.Line, err)
			}
		}
		m[l.Fields[0]] = l.Fields[1]
	}
	return m, nil
}

// CheckGlibc computes the oldest glibc that provides every undefined
// symbol of the linux object obj and fails if it is newer than floor
// (DefaultGlibcFloor if empty). Symbols missing from the table are
// reported as unproved, not as failures.
func CheckGlibc(obj Object, floor string) Result {
	r := Result{Name: "glibc", Target: obj.Path}
	if floor == "" {
		floor = DefaultGlibcFloor
	}
	floorV, err := parseVersion(floor)
	if err != nil {
		return r.fail("bad glibc floor: " + err.Error())
	}
	table, err := GlibcTable()
	if err != nil {
		return r.fail(err.Error())
	}
	syms, err := ReadSymbols(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	need, needV := "2.2.5", []int{2, 2, 5}
	var unknown, notGlibc, setters []string
	for _, s := range syms.Undefined {
		v, ok := table[s]
		switch {
		case !ok:
			unknown = append(unknown, s)
		case v == glibcNone:
			notGlibc = append(notGlibc, s)
		default:
			pv, _ := parseVersion(v)
			switch c := compareVersions(pv, needV); {
			case c > 0:
				need, needV, setters = v, pv, []string{s}
			case c == 0:
				setters = append(setters, s)
			}
		}
	}
	sort.Strings(setters)
	// List every symbol above the floor so a failure names its causes.
	var above []string
	for _, s := range syms.Undefined {
		if v, ok := table[s]; ok && v != glibcNone {
			if pv, _ := parseVersion(v); compareVersions(pv, floorV) > 0 {
				above = append(above, s+"@GLIBC_"+v)
			}
		}
	}
	r.Details = append(r.Details, fmt.Sprintf("requires glibc %s, set by %s", need, strings.Join(setters, ", ")))
	for _, s := range above {
		r.Details = append(r.Details, "above floor "+floor+": "+s)
	}
	if len(notGlibc) > 0 {
		r.Details = append(r.Details, "info: not from glibc: "+strings.Join(notGlibc, ", "))
	}
	r.Unproved = "the symbol version the final link binds: linking on glibc >= 2.34 binds pthread_*/dl* to GLIBC_2.34"
	if len(unknown) > 0 {
		r.Unproved = fmt.Sprintf("glibc version of %d symbols not in data/glibc.txt: %s; also %s",
			len(unknown), strings.Join(unknown, ", "), r.Unproved)
	}
	if compareVersions(needV, floorV) > 0 {
		return r.fail(fmt.Sprintf("requires glibc %s, above floor %s: %s", need, floor, strings.Join(above, ", ")))
	}
	if len(unknown) > 0 {
		// An import with no known glibc version could need any glibc: the
		// floor is not proved. Add it to data/glibc.txt with the version
		// that introduced it.
		return r.fail(fmt.Sprintf("%d imports have no glibc version in data/glibc.txt (add them): %s", len(unknown), strings.Join(unknown, ", ")))
	}
	r.Status = Passed
	r.Summary = fmt.Sprintf("requires glibc %s (floor %s)", need, floor)
	r.Proved = "every undefined symbol exists in glibc " + floor
	return r
}

// parseVersion parses a dotted version such as "2.2.5".
func parseVersion(s string) ([]int, error) {
	parts := strings.Split(s, ".")
	v := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad version %q", s)
		}
		v[i] = n
	}
	return v, nil
}

// compareVersions returns -1, 0 or +1; missing components count as zero.
func compareVersions(a, b []int) int {
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
