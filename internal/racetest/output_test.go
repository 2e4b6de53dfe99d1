package racetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/gotool"
)

// TestOutputCases reads TestOutput's table in the forms releases have
// written it, and refuses one it cannot read whole.
func TestOutputCases(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      []OutputCase
		err       string
	}{
		{"go1.7: no run/goos, re a string", "var tests = []struct {\n\tname   string\n\trun    string\n\tgorace string\n\tsource string\n\tre     string\n}{\n\t{\"simple\", \"run\", \"atexit_sleep_ms=0\", `package main`, `WARNING: ` + \"DATA RACE\"},\n}\n",
			[]OutputCase{{Name: "simple", Run: "run", GORACE: "atexit_sleep_ms=0", Source: "package main", Re: []string{"WARNING: DATA RACE"}}}, ""},
		{"go1.26: goos and a list", "var tests = []struct {\n\tname, run, goos, gorace, source string\n\tre []string\n}{\n\t{\"cgo\", \"test\", \"linux\", \"\", `package main_test`, []string{`a`, `b`}},\n\t{name: \"keyed\", source: \"package main\", re: []string{\"x\"}},\n}\n",
			[]OutputCase{{Name: "cgo", Run: "test", GOOS: "linux", Source: "package main_test", Re: []string{"a", "b"}}, {Name: "keyed", Run: "run", Source: "package main", Re: []string{"x"}}}, ""},
		{"a value that is not a literal", "var tests = []struct {\n\tname, source string\n\tre []string\n}{\n\t{\"x\", src, []string{`a`}},\n}\n", nil, "case 0, source: not a string literal"},
		{"no table", "var other = 1\n", nil, "no `var tests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "src", "runtime", "race")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "output_test.go"), []byte("package race_test\n\n"+tt.src), 0o644)
			got, err := OutputCases(root)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%+v", got)
			}
			for i := range got {
				if got[i].Name != tt.want[i].Name || got[i].Run != tt.want[i].Run || got[i].GOOS != tt.want[i].GOOS || got[i].GORACE != tt.want[i].GORACE ||
					got[i].Source != tt.want[i].Source || strings.Join(got[i].Re, "|") != strings.Join(tt.want[i].Re, "|") {
					t.Errorf("case %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
	// The installed Go's own table, whole.
	g, err := gotool.GOROOT()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := OutputCases(g)
	if err != nil || len(cases) < 10 {
		t.Fatalf("%s: %d cases, %v", g, len(cases), err)
	}
	c := cases[0]
	if c.Name != "simple" {
		t.Errorf("first case %q, want simple", c.Name)
	}
	if c.Match("no report here") {
		t.Errorf("case %s matched an output without a report", c.Name)
	}
}

// TestOutputCaseMatch: an output passes when one of the case's regexps
// matches it, as TestOutput holds it, and fails when none does.
func TestOutputCaseMatch(t *testing.T) {
	c := OutputCase{Re: []string{`(?s)WARNING: DATA RACE\nWrite at 0x[0-9,a-f]+ by goroutine [0-9]:`, `^exit status 13\n$`}}
	for _, tt := range []struct {
		out  string
		want bool
	}{
		{"==================\nWARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 7:\n", true},
		{"exit status 13\n", true},
		{"WARNING: DATA RACE\nRead at 0x00c000012345 by goroutine 7:\n", false},
		{"exit status 1\n", false},
	} {
		if got := c.Match(tt.out); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.out, got, tt.want)
		}
	}
}
