package verify

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestShippedDiff holds objects against Go's shipped ones: an object
// against itself shows no difference; Go's openbsd object, held as ours
// against the linux one, lacks four __tsan_* symbols Go's runtime imports
// and fails, naming them; the shipped v3 linux object against the v1 one
// needs a higher level (SSE4) and the row says so.
func TestShippedDiff(t *testing.T) {
	imports := gorootIface(t).Symbols
	linux := shipped(t, "linux")
	openbsd := shipped(t, "openbsd")
	v3 := Object{Path: filepath.Join(runtime.GOROOT(), "src/runtime/race/internal/amd64v3/race_linux.syso"), GOOS: "linux"}
	for _, tt := range []struct {
		name       string
		ours       Object
		ref        string
		ok         bool
		want       []string
		wantDetail string
	}{
		{"itself", linux, linux.Path, true, []string{"__tsan_* +0 -0", "imports +0 -0", "text 1.00x", "data 1.00x", "isa v1 vs v1"}, ""},
		{"openbsd lacks atomics", Object{Path: openbsd.Path, GOOS: "linux"}, linux.Path, false, []string{"lacks 4 __tsan_* symbols", "__tsan_go_atomic32_fetch_and"}, "defined by the shipped object only: __tsan_go_atomic64_fetch_or"},
		{"v3 against v1", v3, linux.Path, true, []string{"isa v2 vs v1"}, "ours needs GOAMD64=v2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ShippedDiff(tt.ours, tt.ref, imports)
			if (r.Status == Passed) != tt.ok {
				t.Fatalf("status %v, want ok %v: %s", r.Status, tt.ok, r.Summary)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Summary, w) {
					t.Errorf("summary %q lacks %q", r.Summary, w)
				}
			}
			if tt.wantDetail != "" && !strings.Contains(strings.Join(r.Details, "\n"), tt.wantDetail) {
				t.Errorf("details lack %q:\n%s", tt.wantDetail, strings.Join(r.Details, "\n"))
			}
		})
	}
}

func TestSectionSizes(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
		s, err := SectionSizes(shipped(t, goos).Path)
		if err != nil || s.Text < 100000 || s.Data == 0 {
			t.Errorf("%s: %+v, %v", goos, s, err)
		}
	}
}

// TestRunHoldsEachObjectToItsLevel: the isa row takes the object's own
// level: Go's v3 linux object (SSE4) fails as a v1 object, naming the
// instruction, and passes as a v3 one.
func TestRunHoldsEachObjectToItsLevel(t *testing.T) {
	p := filepath.Join(runtime.GOROOT(), "src/runtime/race/internal/amd64v3/race_linux.syso")
	for _, tt := range []struct {
		level string
		ok    bool
	}{{"v1", false}, {"v3", true}} {
		rep := Run([]Object{{Path: p, GOOS: "linux", Target: "linux-v3", Level: tt.level}}, Options{AMD64Level: "v1"})
		for _, r := range rep.Results {
			if r.Name != "isa" {
				continue
			}
			if (r.Status == Passed) != tt.ok || !tt.ok && !strings.Contains(r.Summary, "above GOAMD64=v1") {
				t.Errorf("level %s: %v %s", tt.level, r.Status, r.Summary)
			}
		}
	}
}
