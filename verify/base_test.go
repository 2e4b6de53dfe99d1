package verify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/pipeline/pipelinetest"
	"github.com/racesyso/racesyso/verify"
)

// baseLinux builds (or reuses) the pre-split linux object through the
// pipeline: the series up to its base marker.
func baseLinux(t *testing.T) verify.Object {
	t.Helper()
	return verify.Object{Path: pipelinetest.BaseObject(t, "linux"), GOOS: "linux"}
}

// TestABIBaseObject: the pre-split object lacks exactly the per-P entry
// points (and, against today's GOROOT, today's additions).
func TestABIBaseObject(t *testing.T) {
	obj := baseLinux(t)
	tests := []struct {
		iface   func() (verify.Interface, error)
		missing []string
	}{
		{func() (verify.Interface, error) { return verify.GorootInterface("") },
			[]string{"__tsan_proc_create", "__tsan_proc_destroy", "__tsan_release_acquire", "__tsan_report_count"}},
		{func() (verify.Interface, error) { return verify.NamedInterface("go1.7-perP") },
			[]string{"__tsan_proc_create", "__tsan_proc_destroy"}},
	}
	for _, tt := range tests {
		iface, err := tt.iface()
		if err != nil {
			t.Fatal(err)
		}
		r := verify.CheckABI(obj, iface)
		if r.OK() {
			t.Fatalf("pre-split object passes %s", iface.Name)
		}
		for _, m := range tt.missing {
			if !strings.Contains(r.Summary, m) {
				t.Errorf("%s: summary %q does not name %s", iface.Name, r.Summary, m)
			}
		}
	}
}

func TestBaseImportsDump(t *testing.T) {
	s, err := verify.ReadSymbols(baseLinux(t).Path)
	if err != nil {
		t.Fatal(err)
	}
	u := slices.Clone(s.Undefined)
	slices.Sort(u)
	t.Logf("%q", u)
	t.Log(verify.CheckUndefined(baseLinux(t)))
	t.Log(verify.CheckGlibc(baseLinux(t), ""))
}
