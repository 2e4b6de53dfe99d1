package toolchain

import (
	"fmt"
	"strings"
	"testing"
)

func TestMissingToolchainNamesThePackage(t *testing.T) {
	cases := []struct {
		goos, env, wantInstall string
	}{
		{"linux", "RACESYSO_CXX_LINUX", "apt-get install clang"},
		{"windows", "RACESYSO_CXX_WINDOWS", "apt-get install g++-mingw-w64-x86-64"},
		{"darwin", "RACESYSO_CXX_DARWIN", "pip install ziglang==" + ZigVersion},
	}
	for _, c := range cases {
		t.Run(c.goos, func(t *testing.T) {
			t.Setenv(c.env, "no-such-compiler-racesyso")
			_, err := For(c.goos)
			m, ok := IsMissing(fmt.Errorf("wrapped: %w", err))
			if !ok {
				t.Fatalf("err = %v, want a MissingError", err)
			}
			if !strings.Contains(m.Error(), "no-such-compiler-racesyso not found") || !strings.Contains(m.Error(), "go run mage.go tools") {
				t.Errorf("message %q", m.Error())
			}
		})
	}
	if _, err := For("plan9"); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("plan9: %v", err)
	}
}

func TestInstallHints(t *testing.T) {
	// With the override the hint still names the default's package.
	t.Setenv("RACESYSO_CXX_DARWIN", "no-such-compiler-racesyso")
	_, err := For("darwin")
	if err == nil || !strings.Contains(err.Error(), "pip install ziglang==") {
		t.Fatalf("err = %v", err)
	}
}
