package integration_test

import (
	"debug/macho"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/verify"
)

// TestDysymtabMalformed corrupts the LC_DYSYMTAB of a darwin object built
// here (the shipped one has none) so that its ranges no longer tile the
// symbol table, the defect Go's racebuild works around with `ld -r`.
func TestDysymtabMalformed(t *testing.T) {
	p := integration.Object(t, "darwin")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := macho.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Dysymtab == nil {
		t.Fatal("the darwin object has no LC_DYSYMTAB: verify's format check requires one")
	}
	// Find the load command and move the last local symbol into the
	// external-defined range: nlocalsym-1, iextdefsym-1, nextdefsym+1
	// (offsets 0x0c, 0x10, 0x14 of dysymtab_command). The ranges still tile
	// the table, so only the per-symbol check can see it.
	off := uint32(0x20) // mach_header_64 size
	for _, l := range f.Loads {
		raw := l.Raw()
		if binary.LittleEndian.Uint32(raw) == uint32(macho.LoadCmdDysymtab) {
			d := f.Dysymtab
			binary.LittleEndian.PutUint32(data[off+0x0c:], d.Nlocalsym-1)
			binary.LittleEndian.PutUint32(data[off+0x10:], d.Iextdefsym-1)
			binary.LittleEndian.PutUint32(data[off+0x14:], d.Nextdefsym+1)
			break
		}
		off += uint32(len(raw))
	}
	f.Close()
	bad := filepath.Join(t.TempDir(), "race_darwin_amd64.syso")
	os.WriteFile(bad, data, 0o644)
	r := verify.CheckFormat(verify.Object{Path: bad, GOOS: "darwin", Ours: true})
	if r.OK() || !strings.Contains(r.Summary, "in the external defined range") {
		t.Fatalf("malformed LC_DYSYMTAB not caught: %+v", r)
	}
	if r := verify.CheckFormat(verify.Object{Path: p, GOOS: "darwin", Ours: true}); !r.OK() || !strings.Contains(r.Summary, "LC_DYSYMTAB well-formed") {
		t.Fatalf("built darwin object: %+v", r)
	}
}
