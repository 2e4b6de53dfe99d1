// Package testenv decides what a test does when something it needs is not at
// hand: it skips with a "SKIP:" line naming what is missing and how to get it,
// or, in strict mode (RACESYSO_REQUIRE_ALL=1, which CI sets), it fails with
// the same words. A skip is never a pass where the whole suite must run.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// StrictEnv is the environment variable that turns every skip into a failure.
const StrictEnv = "RACESYSO_REQUIRE_ALL"

// Strict reports whether skips must fail (StrictEnv=1).
func Strict() bool { return os.Getenv(StrictEnv) == "1" }

// Skip skips t, or fails it in strict mode; the message says what is missing
// and how to provide it.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("SKIP not allowed (%s=1): %s", StrictEnv, msg)
		return
	}
	t.Skipf("SKIP: %s", msg)
}

// SkipIfShort skips t under -short (what makes it long is why), and fails it
// in strict mode: a strict run runs everything.
func SkipIfShort(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		Skip(t, "%s; run without -short", why)
	}
}
