package verify

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckPerP(t *testing.T) {
	ship := shipped(t, "linux")
	data, err := os.ReadFile(ship.Path)
	if err != nil {
		t.Fatal(err)
	}
	doctor := func(old, new string) Object {
		p := filepath.Join(t.TempDir(), "race_linux.syso")
		os.WriteFile(p, bytes.ReplaceAll(data, []byte(old+"\x00"), []byte(new+"\x00")), 0o644)
		return Object{Path: p, GOOS: "linux"}
	}
	cases := []struct {
		name string
		obj  Object
		want string
	}{
		{"shipped", ship, ""},
		{"no proc_create", doctor("__tsan_proc_create", "__tsan_proc_crXate"), "lacks __tsan_proc_create"},
		// Names are replaced by names of the same length, so the string
		// table keeps its layout.
		{"no proc_destroy", doctor("__tsan_proc_destroy", "__tsan_proc_unwireX"), "lacks __tsan_proc_destroy"},
		{"wiring exported", doctor("__tsan_go_atomic32_load", "__tsan_proc_wire_abcdef"), "dropped wiring interface: __tsan_proc_wire_abcdef"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := CheckPerP(c.obj)
			if c.want == "" {
				if !r.OK() {
					t.Fatalf("%+v", r)
				}
				return
			}
			if r.OK() || !strings.Contains(r.Summary, c.want) {
				t.Fatalf("got %+v, want a failure with %q", r, c.want)
			}
		})
	}
}
