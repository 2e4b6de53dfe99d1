package verify

import (
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

func TestClassify(t *testing.T) {
	table, err := ISATable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		code  []byte
		level string // "" for baseline
		ext   string
	}{
		{"add", []byte{0x01, 0xc8}, "", ""},
		{"pextrw xmm form (SSE2)", []byte{0x66, 0x0f, 0xc5, 0xc1, 0x00}, "", ""},
		{"pextrw 0f3a15 form", []byte{0x66, 0x0f, 0x3a, 0x15, 0xc1, 0x00}, "v2", "SSE4.1"},
		{"movddup", []byte{0xf2, 0x0f, 0x12, 0xc2}, "v2", "SSE3"},
		{"pshufb", []byte{0x66, 0x0f, 0x38, 0x00, 0xc1}, "v2", "SSSE3"},
		{"ptest", []byte{0x66, 0x0f, 0x38, 0x17, 0xc1}, "v2", "SSE4.1"},
		{"pmulld", []byte{0x66, 0x0f, 0x38, 0x40, 0xc1}, "v2", "SSE4.1"},
		{"crc32", []byte{0xf2, 0x0f, 0x38, 0xf0, 0xc1}, "v2", "SSE4.2"},
		{"popcnt", []byte{0xf3, 0x0f, 0xb8, 0xc1}, "v2", "POPCNT"},
		{"lzcnt", []byte{0xf3, 0x0f, 0xbd, 0xc1}, "v3", "LZCNT"},
		{"tzcnt", []byte{0xf3, 0x0f, 0xbc, 0xc1}, "v3", "BMI1"},
		{"andn", []byte{0xc4, 0xe2, 0x70, 0xf2, 0xc2}, "v3", "BMI1"},
		{"shlx", []byte{0xc4, 0xe2, 0x71, 0xf7, 0xc0}, "v3", "BMI2"},
		{"vpaddd ymm", []byte{0xc5, 0xfd, 0xfe, 0xc1}, "v3", "AVX/AVX2/FMA/F16C"},
		{"vpaddd zmm", []byte{0x62, 0xf1, 0x7d, 0x48, 0xfe, 0xc1}, "v4", "AVX-512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := x86asm.Decode(tt.code, 64)
			if err != nil || inst.Len != len(tt.code) {
				t.Fatalf("decode % x: %v (len %d)", tt.code, err, inst.Len)
			}
			c, ok := classify(table, inst, tt.code)
			if ok != (tt.level != "") || c.Level != tt.level || c.Ext != tt.ext {
				t.Errorf("classify(%v) = %+v, %v; want %s %s", inst.Op, c, ok, tt.level, tt.ext)
			}
		})
	}
}

// TestISATableMnemonics guards data/isa_levels.txt against typos: every
// mnemonic must be one x86asm can produce.
func TestISATableMnemonics(t *testing.T) {
	known := map[string]bool{}
	for op := x86asm.Op(1); op < 10000; op++ {
		if s := op.String(); !strings.HasPrefix(s, "Op(") {
			known[s] = true
		}
	}
	table, err := ISATable()
	if err != nil {
		t.Fatal(err)
	}
	exts := map[string]bool{}
	for m, c := range table {
		exts[c.Ext] = true
		if !known[m] {
			t.Errorf("data/isa_levels.txt: %s is not an x86asm mnemonic", m)
		}
	}
	tol, err := ISATolerated()
	if err != nil {
		t.Fatal(err)
	}
	for k := range tol {
		if !known[k] && !exts[k] {
			t.Errorf("data/isa_tolerated.txt: %s is neither a mnemonic nor a known extension", k)
		}
	}
}

func TestISAShipped(t *testing.T) {
	for _, goos := range shippedGOOS {
		t.Run(goos, func(t *testing.T) {
			r := CheckISA(shipped(t, goos), "v1")
			if !r.OK() {
				t.Errorf("CheckISA = %+v", r)
			}
		})
	}
}

func TestISAPatchedSSE41(t *testing.T) {
	ptest := []byte{0x66, 0x0f, 0x38, 0x17, 0xc1} // ptest %xmm1,%xmm0
	for _, goos := range shippedGOOS {
		t.Run(goos, func(t *testing.T) {
			orig := shipped(t, goos)
			off := symbolFileOffset(t, orig, "__tsan_go_start")
			obj := doctored(t, orig, func(t *testing.T, b []byte) { copy(b[off:], ptest) })
			r := CheckISA(obj, "v1")
			if r.OK() {
				t.Fatalf("patched PTEST not detected: %+v", r)
			}
			for _, want := range []string{"__tsan_go_start+0x0", "PTEST", "SSE4.1"} {
				if !strings.Contains(r.Summary, want) {
					t.Errorf("summary %q lacks %q", r.Summary, want)
				}
			}
			// The same object is fine for a v2 target.
			if r := CheckISA(obj, "v2"); !r.OK() {
				t.Errorf("CheckISA(v2) = %+v", r)
			}
		})
	}
}

func TestISATolerated(t *testing.T) {
	r := CheckISA(shipped(t, "linux"), "v1")
	if !strings.Contains(r.Summary, "tolerated: MOVDDUP") {
		t.Errorf("SSE3 in GOROOT's linux object not reported as tolerated: %q", r.Summary)
	}
	if r := CheckISA(shipped(t, "linux"), "v9"); r.OK() {
		t.Error("unknown level accepted")
	}
}

func TestISAUndecodableIsUnproved(t *testing.T) {
	// Windows objects carry jump tables inside .text.
	r := CheckISA(shipped(t, "windows"), "v1")
	if !r.OK() || !strings.Contains(r.Unproved, "undecodable bytes") {
		t.Errorf("CheckISA = %+v, want OK with undecodable bytes unproved", r)
	}
	if testing.Verbose() {
		r.Details = nil
		t.Logf("%+v", r)
	}
}
