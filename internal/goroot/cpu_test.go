package goroot

import (
	"os"
	"strings"
	"testing"
)

func TestMissingV3(t *testing.T) {
	v3 := "processor\t: 0\nflags\t\t: fpu " + strings.Join(V3Flags, " ") + " rdrand\n"
	atom := "flags\t\t: fpu cx16 lahf_lm popcnt pni sse4_1 sse4_2 ssse3 movbe\n" // a v2 CPU
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

// TestMissingV3OnThisMachine: a CPU with AVX2, BMI2 and MOVBE (all of
// this workplace's) has all of x86-64-v3: a flag name read wrongly (SSE3
// is "pni" in /proc/cpuinfo) would show as missing.
func TestMissingV3OnThisMachine(t *testing.T) {
	c := hostCPU(t)
	if !strings.Contains(c, " avx2") || !strings.Contains(c, " bmi2") || !strings.Contains(c, " movbe") {
		t.Logf("this CPU is not x86-64-v3: %v missing", MissingV3(c))
		return
	}
	if m := MissingV3(c); len(m) > 0 {
		t.Errorf("a v3 CPU reported as lacking %v", m)
	}
}

// hostCPU is this machine's /proc/cpuinfo (the machines here have
// x86-64-v3: a flag name read wrongly shows as missing).
func hostCPU(t *testing.T) string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
