package goroot

import (
	"os"
	"strings"
)

// V3Flags are the /proc/cpuinfo flags of the x86-64-v3 level (v2's and
// v3's; "pni" is SSE3, "abm" LZCNT): a GOAMD64=v3 binary may use every one of them.
var V3Flags = []string{"cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}

// MissingV3 lists the x86-64-v3 flags the CPU described by cpuinfo lacks
// (every flag when it names none: not an x86-64 CPU, or unreadable).
func MissingV3(cpuinfo string) []string {
	have := map[string]bool{}
	for _, l := range strings.Split(cpuinfo, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				have[f] = true
			}
			break
		}
	}
	var out []string
	for _, f := range V3Flags {
		if !have[f] {
			out = append(out, f)
		}
	}
	return out
}

// HostMissingV3 is MissingV3 of this machine.
func HostMissingV3() []string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return MissingV3(string(b))
}
