package verify

import (
	"slices"
	"strings"
	"testing"
)

func TestReadSymbolsNormalised(t *testing.T) {
	tests := []struct {
		goos      string
		undefined string // one symbol the object must import
	}{
		{"linux", "pthread_self"},
		{"darwin", "pthread_self"}, // _pthread_self in the file
		{"freebsd", "thr_self"},
		{"windows", "__imp_VirtualAlloc"},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			s, err := ReadSymbols(shipped(t, tt.goos).Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"__tsan_init", "__tsan_go_start", "__tsan_read"} {
				if _, ok := slices.BinarySearch(s.Defined, want); !ok {
					t.Errorf("defined symbols lack %s", want)
				}
			}
			if _, ok := slices.BinarySearch(s.Undefined, tt.undefined); !ok {
				t.Errorf("undefined symbols lack %s: %v", tt.undefined, s.Undefined)
			}
			for _, d := range s.Defined {
				if strings.HasPrefix(d, "___tsan_") {
					t.Errorf("unnormalised name %s", d)
				}
			}
		})
	}
}
