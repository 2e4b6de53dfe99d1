package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go16Race holds Go 1.6.4's text that the go1.6-base-abi adaptation edits,
// verbatim (src/runtime/race.go and race_amd64.s).
const go16RaceGo = `package runtime

// Callback from C into Go, runs on g0.
func racesymbolize(ctx *symbolizeContext) {
	f := findfunc(ctx.pc)
}

//go:nosplit
func racemalloc(p unsafe.Pointer, sz uintptr) {
	racecall(&__tsan_malloc, uintptr(p), sz, 0, 0)
}
`

const go16RaceAsm = "TEXT\truntime·racesymbolizethunk(SB), NOSPLIT, $56-8\n" +
	"\tMOVQ\tR14, g(R12)\t// g = m->g0\n" +
	"\tPUSHQ\tRARG0\t// func arg\n" +
	"\tCALL\truntime·racesymbolize(SB)\n" +
	"\tPOPQ\tR12\n" +
	"\t// All registers are smashed after Go code, reload.\n"

func TestAdaptGo16(t *testing.T) {
	gr := t.TempDir()
	os.MkdirAll(filepath.Join(gr, "src", "runtime"), 0o755)
	os.WriteFile(filepath.Join(gr, "src/runtime/race.go"), []byte(go16RaceGo), 0o644)
	os.WriteFile(filepath.Join(gr, "src/runtime/race_amd64.s"), []byte(go16RaceAsm), 0o644)
	a := Adaptations["go1.6-base-abi"]
	if err := a.Apply(gr); err != nil {
		t.Fatal(err)
	}
	goSrc, _ := os.ReadFile(filepath.Join(gr, "src/runtime/race.go"))
	asm, _ := os.ReadFile(filepath.Join(gr, "src/runtime/race_amd64.s"))
	for _, want := range []string{"racecall(&__tsan_malloc, 0, 0, uintptr(p), sz)", "func racecallback(cmd uintptr, ctx *symbolizeContext) {"} {
		if !strings.Contains(string(goSrc), want) {
			t.Errorf("race.go lacks %q:\n%s", want, goSrc)
		}
	}
	if !strings.Contains(string(asm), "PUSHQ\tRARG1") || !strings.Contains(string(asm), "CALL\truntime·racecallback(SB)\n\tPOPQ\tR12\n\tPOPQ\tR12\n") {
		t.Errorf("race_amd64.s:\n%s", asm)
	}
	// A second application finds nothing to edit: it fails, it does not
	// edit twice.
	if err := a.Apply(gr); err == nil {
		t.Error("the adaptation applied twice")
	}
}

func TestAdaptationsMatchGo16Exactly(t *testing.T) {
	// The edits are the go1.6 text above, and the data names them.
	rs, _ := Releases()
	for _, r := range rs {
		if r.Adapt != "" && r.Version != "1.6.4" {
			t.Errorf("go%s is adapted (%s): only Go 1.6 needs it", r.Version, r.Adapt)
		}
	}
	for _, e := range Adaptations["go1.6-base-abi"].Edits {
		src := go16RaceGo
		if strings.HasSuffix(e.File, ".s") {
			src = go16RaceAsm
		}
		if strings.Count(src, e.Old) != 1 {
			t.Errorf("%s: %q is not Go 1.6's text", e.File, firstLine(e.Old))
		}
	}
}
