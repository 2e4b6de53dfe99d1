package verify

import (
	"fmt"
	"strings"
)

// CheckPerP verifies the shape of the per-P interface: the object exports
// __tsan_proc_create and __tsan_proc_destroy (Go owns one Processor per P)
// and no wiring entry point (__tsan_proc_wire/unwire: the dropped first
// design; the runtime asks Go for the current P through the callback).
func CheckPerP(obj Object) Result {
	r := Result{Name: "per-P", Target: obj.Path,
		Proved:   "the object has the per-P Processor entry points and no goroutine-to-P wiring",
		Unproved: "how the callback is used at run time (see the harness checks)"}
	syms, err := ReadSymbols(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	defined := toSet(syms.Defined)
	var missing, wiring []string
	for _, s := range []string{"__tsan_proc_create", "__tsan_proc_destroy"} {
		if !defined[s] {
			missing = append(missing, s)
		}
	}
	for _, s := range syms.Defined {
		if strings.HasPrefix(s, "__tsan_proc_wire") || strings.HasPrefix(s, "__tsan_proc_unwire") {
			wiring = append(wiring, s)
		}
	}
	switch {
	case len(missing) > 0:
		return r.fail("not a per-P object: lacks " + strings.Join(missing, ", "))
	case len(wiring) > 0:
		return r.fail("exports the dropped wiring interface: " + strings.Join(wiring, ", "))
	}
	r.Status = Passed
	r.Summary = fmt.Sprintf("exports __tsan_proc_create and __tsan_proc_destroy, no wiring entry point (%d __tsan_* symbols)", countPrefix(syms.Defined, "__tsan_"))
	return r
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}
