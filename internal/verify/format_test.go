package verify

import (
	"strings"
	"testing"
)

func TestFormatShipped(t *testing.T) {
	tests := []struct {
		goos, want string
	}{
		{"linux", "ET_REL"},
		{"darwin", "Mach-O"},
		{"freebsd", "OSABI=ELFOSABI_FREEBSD"},
		{"windows", "PE/COFF"},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			r := CheckFormat(shipped(t, tt.goos))
			if !r.OK() || !strings.Contains(r.Summary, tt.want) {
				t.Errorf("CheckFormat = %+v, want OK with %q", r, tt.want)
			}
		})
	}
}

func TestFormatWrongOS(t *testing.T) {
	tests := []struct {
		file, goos, want string
	}{
		{"linux", "darwin", "darwin needs Mach-O, got ELF"},
		{"darwin", "linux", "linux needs ELF, got Mach-O"},
		{"windows", "freebsd", "freebsd needs ELF, got PE/COFF"},
		{"linux", "windows", "windows needs PE/COFF, got ELF"},
		{"linux", "plan9", `unsupported GOOS "plan9"`},
	}
	for _, tt := range tests {
		t.Run(tt.file+"-as-"+tt.goos, func(t *testing.T) {
			obj := shipped(t, tt.file)
			obj.GOOS = tt.goos
			r := CheckFormat(obj)
			if r.OK() || !strings.Contains(r.Summary, tt.want) {
				t.Errorf("CheckFormat = %+v, want failure %q", r, tt.want)
			}
		})
	}
}

func TestFormatFreeBSDReportsOSABI(t *testing.T) {
	r := CheckFormat(shipped(t, "freebsd"))
	if len(r.Details) == 0 || !strings.Contains(r.Details[0], "OSABI is ELFOSABI_FREEBSD") {
		t.Errorf("details %q do not report the FreeBSD OSABI", r.Details)
	}
}

func TestFormatNotAnObject(t *testing.T) {
	obj := doctored(t, shipped(t, "linux"), func(t *testing.T, b []byte) { copy(b, "GARBAGE!") })
	if r := CheckFormat(obj); r.OK() || !strings.Contains(r.Summary, "not a recognised object file") {
		t.Errorf("CheckFormat = %+v, want unrecognised", r)
	}
}

// TestFormatDarwinWithoutDysymtab: Go's shipped darwin object has no
// LC_DYSYMTAB and passes as a foreign object; held to racesyso's promise (an
// object we built) the same file fails.
func TestFormatDarwinWithoutDysymtab(t *testing.T) {
	obj := shipped(t, "darwin")
	if r := CheckFormat(obj); !r.OK() || !strings.Contains(r.Summary, "no LC_DYSYMTAB (as Go's shipped objects)") {
		t.Errorf("shipped: %+v", r)
	}
	obj.Ours = true
	if r := CheckFormat(obj); r.OK() || !strings.Contains(r.Summary, "no LC_DYSYMTAB: racesyso's darwin objects carry") {
		t.Errorf("as ours: %+v", r)
	}
}
