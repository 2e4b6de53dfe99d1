package compile

import (
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
		got, err := ParseTargets(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseTargets(%q) err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("ParseTargets(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestSpecTargets(t *testing.T) {
	spec := LoadSpec()
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	for _, goos := range AllTargets {
		t.Run(goos, func(t *testing.T) {
			src, flags, ts, err := spec.Target(goos, all)
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
			base, _, _, _ := spec.Target(goos, none)
			if len(base) != len(src)-len(spec.SeriesSources) {
				t.Errorf("series sources not left out of the base: %d vs %d", len(base), len(src))
			}
		})
	}
	if _, _, _, err := spec.Target("plan9", all); err == nil || !strings.Contains(err.Error(), "RACE_TARGETS takes") {
		t.Errorf("unknown target: %v", err)
	}
}

func TestRedact(t *testing.T) {
	got := redact([]string{"-I/home/u/p/compiler-rt/lib/tsan/go/../rtl", "-ffile-prefix-map=/tmp/b/linux=build"}, "/home/u/p/compiler-rt", "/tmp/b/linux")
	want := []string{"-Icompiler-rt/lib/tsan/go/../rtl", "-ffile-prefix-map=build=build"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("redact = %v, want %v", got, want)
	}
}
