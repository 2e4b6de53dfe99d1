// Package verify proves that Go race-detector runtime objects
// (race_<goos>_amd64.syso: ThreadSanitizer compiled for Go) fit the Go
// toolchain and the systems they ship for, before they ship.
//
// Each check takes an Object and returns a Result saying what it proved
// and what it could not prove:
//
//   - CheckFormat: container format, machine and object type per GOOS
//     (ELF64 ET_REL, Mach-O MH_OBJECT, PE/COFF AMD64 object).
//   - CheckABI: every __tsan_* symbol a runtime imports is defined, for an
//     interface read from a GOROOT (GorootInterface) or embedded
//     (NamedInterface, e.g. "go1.7-perP").
//   - CheckUndefined / DiffUndefined: imports against a per-OS allowlist,
//     and against a reference object.
//   - CheckGlibc: the oldest glibc providing every import of a linux object.
//   - CheckISA: no instruction beyond the GOAMD64 level.
//
// Run applies them all and returns a Report. The allowlists and tables
// live in data/*.txt, embedded into the package.
package verify
