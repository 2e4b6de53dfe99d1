package targets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseTargets(t *testing.T) {
	cases := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"", "linux,darwin,freebsd,windows", ""},
		{"linux", "linux", ""},
		{" windows , linux,linux ", "windows,linux", ""},
		{"linux,plan9", "", `unknown target "plan9"`},
		// Issue 12: a list naming nothing built nothing, exited 0 and
		// rewrote the manifest.
		{",", "", `RACE_TARGETS="," names no target: give a comma list of linux,darwin,freebsd,windows,linux-v3, or unset it for all of the profile's`},
		{"linux-v3,linux", "linux-v3,linux", ""},
		{"linux-v4", "", `unknown target "linux-v4"`},
		{" , ,", "", "names no target"},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Parse(%q) err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestSpecTargets(t *testing.T) {
	spec := defaultTable(t)
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	for _, goos := range All() {
		t.Run(goos, func(t *testing.T) {
			src, flags, ts, err := spec.Build(goos, all)
			if err != nil {
				t.Fatal(err)
			}
			if src[0] != "tsan_go.cc" || len(src) < len(spec.Sources)+1 {
				t.Errorf("sources %v", src)
			}
			joined := strings.Join(flags, " ")
			for _, want := range []string{"-DSANITIZER_GO", "-O3", "-msse3", "-Werror"} {
				if !strings.Contains(joined, want) {
					t.Errorf("flags lack %s: %s", want, joined)
				}
			}
			if ts.Smoke.Kind == "" || ts.Smoke.Why == "" {
				t.Errorf("smoke spec incomplete: %+v", ts.Smoke)
			}
			// The base tree lacks the files the series adds.
			base, _, _, _ := spec.Build(goos, none)
			if len(base) != len(src)-len(spec.SeriesSources) {
				t.Errorf("series sources not left out of the base: %d vs %d", len(base), len(src))
			}
		})
	}
	if _, _, _, err := spec.Build("plan9", all); err == nil || !strings.Contains(err.Error(), "RACE_TARGETS takes") {
		t.Errorf("unknown target: %v", err)
	}
}

// TestCompilers: every target names its compiler, how to print its version
// and the package that installs it; cross compilers name their triple.
func TestCompilers(t *testing.T) {
	for _, tg := range defaultTable(t).Targets {
		c := tg.Compiler
		if c.Name == "" || len(c.CXX) == 0 || len(c.CC) == 0 || len(c.Version) == 0 || c.Install == "" {
			t.Errorf("%s: compiler incomplete: %+v", tg.GOOS, c)
		}
		if c.Name == "zig" && c.Triple == "" {
			t.Errorf("%s: zig needs a -target triple", tg.GOOS)
		}
	}
	if got := strings.Join(All(), ","); got != "linux,darwin,freebsd,windows" {
		t.Errorf("All() = %s", got)
	}
}

// defaultTable is the default profile's targets table.
func defaultTable(t *testing.T) Spec {
	t.Helper()
	file := filepath.Join("..", "..", "patches", "perp-2016", "targets.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Decode(data, file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTargetNames: a target name is <goos> or <goos>-<level>; its object's
// flags take the entry's replacements.
func TestTargetNames(t *testing.T) {
	for _, tt := range []struct{ name, goos, level string }{{"linux", "linux", "v1"}, {"linux-v3", "linux", "v3"}, {"windows", "windows", "v1"}} {
		if GOOSOf(tt.name) != tt.goos || LevelOf(tt.name) != tt.level {
			t.Errorf("%s: %s %s", tt.name, GOOSOf(tt.name), LevelOf(tt.name))
		}
	}
	s := Spec{Sources: []string{"a.cpp"}, Flags: []string{"-O3", "-msse3"}, Targets: []Target{
		{GOOS: "linux", Compiler: Compiler{CXX: []string{"c++"}}},
		{Name: "linux-v3", GOOS: "linux", Compiler: Compiler{CXX: []string{"c++"}}, ReplaceFlags: map[string]string{"-msse3": "-msse4.2"}},
	}}
	_, v1, _, _ := s.Build("linux", func(string) bool { return false })
	_, v3, _, err := s.Build("linux-v3", func(string) bool { return false })
	if err != nil || strings.Join(v1, " ") != "-O3 -msse3" || strings.Join(v3, " ") != "-O3 -msse4.2" {
		t.Errorf("flags v1 %v, v3 %v, %v", v1, v3, err)
	}
	if got := strings.Join(s.IDs(), ","); got != "linux,linux-v3" {
		t.Errorf("IDs %s", got)
	}
	for _, bad := range []string{`{"name": "linux-v3", "goos": "darwin"}`, `{"name": "linux-v9", "goos": "linux"}`} {
		js := `{"sources": ["a"], "targets": [` + bad + `]}`
		if _, err := Decode([]byte(js), "t.json"); err == nil || !strings.Contains(err.Error(), "targets[0].name") {
			t.Errorf("%s: %v, want refused naming targets[0].name", bad, err)
		}
	}
}
