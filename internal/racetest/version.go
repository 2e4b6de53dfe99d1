package racetest

import (
	"fmt"
	"regexp"
	"strconv"
)

// Version is a parsed Go release version.
type Version struct{ Major, Minor, Patch int }

var versionRe = regexp.MustCompile(`^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?$`)

// ParseVersion parses "1.7.6", "go1.7.6" or "1.8" (patch 0).
func ParseVersion(s string) (Version, error) {
	m := versionRe.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a Go release version (want 1.N.P)", s)
	}
	var v Version
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		v.Patch, _ = strconv.Atoi(m[3])
	}
	return v, nil
}

// Less orders two release versions (unparsable ones last, by string).
func Less(a, b string) bool {
	va, ea := ParseVersion(a)
	vb, eb := ParseVersion(b)
	if ea != nil || eb != nil {
		return ea == nil || (eb != nil && a < b)
	}
	if va.Major != vb.Major {
		return va.Major < vb.Major
	}
	if va.Minor != vb.Minor {
		return va.Minor < vb.Minor
	}
	return va.Patch < vb.Patch
}

// AtLeast reports whether version v is at least major.minor.
func AtLeast(v string, major, minor int) bool {
	pv, err := ParseVersion(v)
	if err != nil {
		return false
	}
	return pv.Major > major || (pv.Major == major && pv.Minor >= minor)
}

// MinorOf is "1.7" for "1.7.6".
func MinorOf(v string) string {
	pv, err := ParseVersion(v)
	if err != nil {
		return v
	}
	return fmt.Sprintf("%d.%d", pv.Major, pv.Minor)
}
