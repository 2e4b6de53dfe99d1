package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/racetest"
)

// An Adaptation edits a release's runtime sources (in the GOROOT copy, never
// the module cache) so that it speaks the calling conventions of the object
// installed for ours, where that object is younger than the release. The
// objects are never changed; the shipped object's run uses the release as
// shipped. An adaptation is named in the release's data (adapt) and in the
// report.
type Adaptation struct {
	Name string
	Why  string
	// Edits are exact replacements, each of which must match exactly once.
	Edits []Edit
}

// Edit replaces Old by New in File (relative to GOROOT).
type Edit struct{ File, Old, New string }

// Adaptations by name.
var Adaptations = map[string]Adaptation{
	"go1.6-base-abi": {
		Name: "go1.6-base-abi",
		Why: "the base object (LLVM r267674, April 2016) is younger than Go 1.6's (rev 389d49d) and takes two calls " +
			"the way Go 1.7 makes them: __tsan_malloc(thr, pc, p, sz), which Go 1.6 calls as (p, sz) (so the base " +
			"object reads p as a ThreadState and crashes in MetaMap::AllocBlock at the first allocation), and the " +
			"runtime callback cb(cmd, ctx) with cmd 0 = symbolize code, 1 = symbolize data, which Go 1.6's thunk " +
			"calls with one argument (so the first race report crashes in racesymbolize). Go 1.6.4's race.go and " +
			"race_amd64.s are edited to make both calls as Go 1.7 does (malloc with thr = pc = 0; data locations " +
			"are left unresolved, as Go 1.6's own object never asked for them), and its race-instrumented std is " +
			"rebuilt.",
		Edits: []Edit{
			{
				File: "src/runtime/race.go",
				Old:  "racecall(&__tsan_malloc, uintptr(p), sz, 0, 0)",
				New:  "racecall(&__tsan_malloc, 0, 0, uintptr(p), sz) // racesyso history: the base object's __tsan_malloc(thr, pc, p, sz)",
			},
			{
				File: "src/runtime/race.go",
				Old:  "// Callback from C into Go, runs on g0.\nfunc racesymbolize(ctx *symbolizeContext) {",
				New: "// racesyso history: the base object calls back with (cmd, ctx): cmd 0\n" +
					"// symbolizes code (Go 1.6's racesymbolize), cmd 1 data, which Go 1.6 does\n" +
					"// not resolve (res stays 0: the report has no location, as with Go 1.6's\n" +
					"// own object).\n" +
					"func racecallback(cmd uintptr, ctx *symbolizeContext) {\n" +
					"\tif cmd == 0 {\n" +
					"\t\tracesymbolize(ctx)\n" +
					"\t}\n" +
					"}\n\n" +
					"// Callback from C into Go, runs on g0.\nfunc racesymbolize(ctx *symbolizeContext) {",
			},
			{
				File: "src/runtime/race_amd64.s",
				Old:  "\tPUSHQ\tRARG0\t// func arg\n\tCALL\truntime·racesymbolize(SB)\n\tPOPQ\tR12\n",
				New:  "\tPUSHQ\tRARG1\t// ctx (racesyso history: the base object calls cb(cmd, ctx))\n\tPUSHQ\tRARG0\t// cmd\n\tCALL\truntime·racecallback(SB)\n\tPOPQ\tR12\n\tPOPQ\tR12\n",
			},
		},
	},
}

// Apply makes the edits in goroot; each Old must occur exactly once.
func (a Adaptation) Apply(goroot string) error {
	for _, e := range a.Edits {
		p := filepath.Join(goroot, e.File)
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("adaptation %s: %w", a.Name, err)
		}
		if n := strings.Count(string(b), e.Old); n != 1 {
			return fmt.Errorf("adaptation %s: %s holds %q %d times, want once", a.Name, e.File, firstLine(e.Old), n)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), e.Old, e.New, 1)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Adapt applies the release's adaptation, if it has one, and rebuilds the
// race-instrumented standard library from the edited sources (a release
// before Go 1.10 never rebuilds its std by itself).
func (e *Env) Adapt(ctx context.Context) (string, error) {
	if e.Release.Adapt == "" {
		return "", nil
	}
	a, ok := Adaptations[e.Release.Adapt]
	if !ok {
		return "", fmt.Errorf("go%s: unknown adaptation %q", e.Release.Version, e.Release.Adapt)
	}
	if err := a.Apply(e.GOROOT); err != nil {
		return "", err
	}
	if err := os.RemoveAll(filepath.Join(e.GOROOT, "pkg", "linux_amd64_race")); err != nil {
		return "", err
	}
	if out, err := e.Go(ctx, "", "install", "-race", "std"); err != nil {
		return "", fmt.Errorf("adaptation %s: go install -race std: %v\n%s", a.Name, err, racetest.Tail(out, 3000))
	}
	return a.Name, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
