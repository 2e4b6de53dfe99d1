package verify

import (
	"strings"
	"testing"
)

func TestAllowlists(t *testing.T) {
	for _, goos := range append(shippedGOOS, "netbsd", "openbsd") {
		allow, err := Allowlist(goos)
		if err != nil {
			t.Fatal(err)
		}
		if len(allow) == 0 {
			t.Errorf("%s: empty allowlist", goos)
		}
	}
	linux, _ := Allowlist("linux")
	for s := range linux {
		if s == "getauxval" || strings.HasPrefix(s, "__libc_") || strings.HasPrefix(s, "_Z") || strings.HasPrefix(s, "__cxa_") {
			t.Errorf("linux allowlist must not contain %s", s)
		}
	}
}

func TestUndefinedShipped(t *testing.T) {
	for _, goos := range shippedGOOS {
		t.Run(goos, func(t *testing.T) {
			if r := CheckUndefined(shipped(t, goos)); !r.OK() {
				t.Errorf("CheckUndefined = %+v", r)
			}
		})
	}
}

func TestUndefinedAddedImport(t *testing.T) {
	tests := []struct {
		goos, old, new, want string
	}{
		{"linux", "\x00getrusage\x00", "\x00getauxval\x00", "getauxval"},
		{"freebsd", "\x00getrusage\x00", "\x00getauxval\x00", "getauxval"},
		{"darwin", "\x00_getuid\x00", "\x00_setuid\x00", "setuid"},
		{"windows", "\x00WaitOnAddress\x00", "\x00_Znwm\x00\x00\x00\x00\x00\x00\x00\x00\x00", "_Znwm"},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			obj := doctored(t, shipped(t, tt.goos), func(t *testing.T, b []byte) { replaceAll(t, b, tt.old, tt.new) })
			r := CheckUndefined(obj)
			if r.OK() || !strings.Contains(r.Summary, tt.want) {
				t.Errorf("CheckUndefined = %+v, want failure naming %s", r, tt.want)
			}
		})
	}
}

func TestDiffUndefined(t *testing.T) {
	ref := shipped(t, "linux")
	obj := doctored(t, ref, func(t *testing.T, b []byte) { replaceAll(t, b, "\x00getrusage\x00", "\x00getauxval\x00") })
	r := DiffUndefined(obj, ref.Path)
	if !r.OK() || !strings.Contains(r.Summary, "+1 -1") {
		t.Fatalf("DiffUndefined = %+v", r)
	}
	want := []string{"added: getauxval", "removed: getrusage"}
	if strings.Join(r.Details, ",") != strings.Join(want, ",") {
		t.Errorf("details = %q, want %q", r.Details, want)
	}
	if r := DiffUndefined(ref, ref.Path); !strings.Contains(r.Summary, "+0 -0") {
		t.Errorf("self diff = %+v", r)
	}
}
