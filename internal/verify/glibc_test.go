package verify

import (
	"strings"
	"testing"
)

func TestGlibcTableCoversObjects(t *testing.T) {
	table, err := GlibcTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{shipped(t, "linux").Path} {
		s, _ := ReadSymbols(p)
		for _, u := range s.Undefined {
			if _, ok := table[u]; !ok {
				t.Errorf("%s: %s missing from data/glibc.txt", p, u)
			}
		}
	}
}

func TestGlibcFloor(t *testing.T) {
	linux := shipped(t, "linux")
	withAuxv := doctored(t, linux, func(t *testing.T, b []byte) { replaceAll(t, b, "\x00getrusage\x00", "\x00getauxval\x00") })
	unknown := doctored(t, linux, func(t *testing.T, b []byte) { replaceAll(t, b, "\x00getrusage\x00", "\x00getrxsage\x00") })
	tests := []struct {
		name  string
		obj   Object
		floor string
		ok    bool
		want  string
	}{
		{"shipped default floor", linux, "", true, "requires glibc 2.17 (floor 2.17)"},
		{"shipped floor too low", linux, "2.16", false, "clock_gettime@GLIBC_2.17"},
		{"getauxval floor 2.15", withAuxv, "2.15", false, "getauxval@GLIBC_2.16"},
		{"unknown symbol", unknown, "2.17", false, "1 imports have no glibc version in data/glibc.txt (add them): getrxsage"},
		{"bad floor", linux, "two", false, "bad glibc floor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckGlibc(tt.obj, tt.floor)
			if r.OK() != tt.ok || !strings.Contains(r.Summary, tt.want) {
				t.Errorf("CheckGlibc = %+v, want ok=%v %q", r, tt.ok, tt.want)
			}
		})
	}
	if r := CheckGlibc(unknown, ""); !strings.Contains(r.Unproved, "getrxsage") {
		t.Errorf("unknown symbol not in Unproved: %q", r.Unproved)
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.17", "2.2.5", 1},
		{"2.2.5", "2.2.5", 0},
		{"2.2", "2.2.5", -1},
		{"2.3", "2.2.5", 1},
		{"2.34", "2.4", 1},
	}
	for _, tt := range tests {
		a, _ := parseVersion(tt.a)
		b, _ := parseVersion(tt.b)
		if got := compareVersions(a, b); got != tt.want {
			t.Errorf("compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
