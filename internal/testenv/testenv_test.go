package testenv

import (
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test: it records whether Skip skipped or failed it.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(f string, a ...any) {
	r.skipped, r.msg = true, strings.TrimSpace(sprintf(f, a...))
}
func (r *recorder) Fatalf(f string, a ...any) {
	r.failed, r.msg = true, strings.TrimSpace(sprintf(f, a...))
}

func TestSkip(t *testing.T) {
	for _, tt := range []struct {
		env                  string
		wantSkip, wantFail   bool
		wantPrefix, wantText string
	}{
		{"", true, false, "SKIP: ", "zig missing: pip install ziglang"},
		{"0", true, false, "SKIP: ", "zig missing: pip install ziglang"},
		{"1", false, true, "SKIP not allowed (RACESYSO_REQUIRE_ALL=1): ", "zig missing: pip install ziglang"},
	} {
		t.Run("env="+tt.env, func(t *testing.T) {
			t.Setenv(StrictEnv, tt.env)
			r := &recorder{TB: t}
			Skip(r, "zig missing: %s", "pip install ziglang")
			if r.skipped != tt.wantSkip || r.failed != tt.wantFail {
				t.Fatalf("skipped=%v failed=%v, want %v %v", r.skipped, r.failed, tt.wantSkip, tt.wantFail)
			}
			if !strings.HasPrefix(r.msg, tt.wantPrefix) || !strings.HasSuffix(r.msg, tt.wantText) {
				t.Errorf("message %q", r.msg)
			}
		})
	}
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
