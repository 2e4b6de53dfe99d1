package goroot

import (
	"strings"
	"testing"
)

func TestMissingV3(t *testing.T) {
	v3 := "processor\t: 0\nflags\t\t: fpu " + strings.Join(V3Flags, " ") + " rdrand\n"
	atom := "flags\t\t: fpu cx16 lahf_lm popcnt sse3 sse4_1 sse4_2 ssse3 movbe\n" // a v2 CPU
	for _, tt := range []struct {
		name, cpuinfo, want string
	}{
		{"v3", v3, ""},
		{"v2 only", atom, "avx avx2 bmi1 bmi2 f16c fma abm xsave"},
		{"no flags line", "processor: 0\n", strings.Join(V3Flags, " ")},
	} {
		if got := strings.Join(MissingV3(tt.cpuinfo), " "); got != tt.want {
			t.Errorf("%s: missing %q, want %q", tt.name, got, tt.want)
		}
	}
}
