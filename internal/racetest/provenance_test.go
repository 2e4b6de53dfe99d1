package racetest

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func TestClassifyBinary(t *testing.T) {
	ours := set("__tsan_init", "_ZN6__tsan10ProcCreateEv", "_ZN11__sanitizer17GetPageSizeCachedEv")
	shipped := set("__tsan_init", "_ZN6__tsan10ProcCreateEv", "_ZN11__sanitizer10DDCallback6UnwindEv")
	for _, tt := range []struct {
		bin  map[string]bool
		want string
	}{
		{set("main.main", "__tsan_init", "_ZN6__tsan10ProcCreateEv", "_ZN11__sanitizer17GetPageSizeCachedEv"), "ours"},
		{set("main.main", "__tsan_init", "_ZN11__sanitizer10DDCallback6UnwindEv"), "shipped"},
		{set("main.main", "__tsan_init"), "unknown"}, // only common symbols: cannot tell
		{set("_ZN11__sanitizer17GetPageSizeCachedEv", "_ZN11__sanitizer10DDCallback6UnwindEv"), "unknown"},
	} {
		p := ClassifyBinary(tt.bin, ours, shipped)
		if p.Got != tt.want {
			t.Errorf("%v: %s, want %s", slices.Sorted(maps.Keys(tt.bin)), p, tt.want)
		}
	}
	p := ClassifyBinary(set("_ZN11__sanitizer17GetPageSizeCachedEv"), ours, shipped)
	p.Want = "shipped"
	if p.OK() || !strings.Contains(p.String(), "links ours (want shipped") {
		t.Errorf("%s", p)
	}
}
