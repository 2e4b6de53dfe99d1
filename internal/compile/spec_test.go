package compile

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	got := redact([]string{"-I/home/u/p/compiler-rt/lib/tsan/go/../rtl", "-ffile-prefix-map=/tmp/b/linux=build"}, "/home/u/p/compiler-rt", "/tmp/b/linux")
	want := []string{"-Icompiler-rt/lib/tsan/go/../rtl", "-ffile-prefix-map=build=build"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("redact = %v, want %v", got, want)
	}
}
