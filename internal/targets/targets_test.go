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
		{",", "", `RACE_TARGETS="," names no target: give a comma list of linux,darwin,freebsd,windows, or unset it for all four`},
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
