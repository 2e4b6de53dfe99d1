package verify

import (
	"slices"
	"strings"
	"testing"
)

func gorootIface(t *testing.T) Interface {
	t.Helper()
	iface, err := GorootInterface("")
	if err != nil {
		t.Fatal(err)
	}
	return iface
}

func TestGorootInterface(t *testing.T) {
	iface := gorootIface(t)
	for _, want := range []string{
		"__tsan_init",         // cgo_import_static and linkname
		"__tsan_proc_create",  // race.go
		"__tsan_report_count", // race.go
		"__tsan_read_pc",      // race_amd64.s only
		"__tsan_go_atomic64_fetch_or",
	} {
		if !slices.Contains(iface.Symbols, want) {
			t.Errorf("GOROOT interface lacks %s", want)
		}
	}
	for _, s := range iface.Symbols {
		if !strings.HasPrefix(s, "__tsan_") {
			t.Errorf("non-__tsan_ symbol %q extracted", s)
		}
	}
}

func TestNamedInterface(t *testing.T) {
	iface, err := NamedInterface("go1.7-perP")
	if err != nil {
		t.Fatal(err)
	}
	if len(iface.Symbols) != 33 || !slices.Contains(iface.Symbols, "__tsan_proc_destroy") {
		t.Errorf("go1.7-perP = %d symbols %v, want the 33 of caa2147", len(iface.Symbols), iface.Symbols)
	}
	if _, err := NamedInterface("go0.1"); err == nil {
		t.Error("unknown interface accepted")
	}
}

func TestABIShipped(t *testing.T) {
	iface := gorootIface(t)
	perP, _ := NamedInterface("go1.7-perP")
	for _, goos := range shippedGOOS {
		t.Run(goos, func(t *testing.T) {
			obj := shipped(t, goos)
			for _, in := range []Interface{iface, perP} {
				if r := CheckABI(obj, in); !r.OK() {
					t.Errorf("CheckABI(%s) = %+v", in.Name, r)
				}
			}
		})
	}
}

func TestABIRenamedSymbol(t *testing.T) {
	iface := gorootIface(t)
	for _, goos := range shippedGOOS {
		t.Run(goos, func(t *testing.T) {
			obj := doctored(t, shipped(t, goos), func(t *testing.T, b []byte) {
				replaceAll(t, b, "__tsan_go_start\x00", "__tsan_go_stXrt\x00")
			})
			r := CheckABI(obj, iface)
			if r.OK() || !strings.Contains(r.Summary, "__tsan_go_start") || !slices.Contains(r.Details, "missing: __tsan_go_start") {
				t.Errorf("CheckABI = %+v, want __tsan_go_start missing", r)
			}
			if strings.Contains(r.Summary, "__tsan_go_end") {
				t.Errorf("untouched symbol reported: %s", r.Summary)
			}
		})
	}
}
