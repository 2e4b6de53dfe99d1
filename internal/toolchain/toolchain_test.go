package toolchain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/targets"
)

func TestMissingToolchainNamesThePackage(t *testing.T) {
	cases := []struct {
		goos, wantInstall string
	}{
		{"linux", "apt-get install clang"},
		{"windows", "apt-get install g++-mingw-w64-x86-64"},
		{"darwin", "pip install ziglang==0.17.1"},
		{"freebsd", "pip install ziglang==0.17.1"},
	}
	for _, c := range cases {
		t.Run(c.goos, func(t *testing.T) {
			_, err := ForSpec(defaultSpec(t), c.goos, config.Compiler{CXX: []string{"no-such-compiler-racesyso"}})
			m, ok := IsMissing(fmt.Errorf("wrapped: %w", err))
			if !ok {
				t.Fatalf("err = %v, want a MissingError", err)
			}
			if m.Install != c.wantInstall {
				t.Errorf("Install = %q, want %q", m.Install, c.wantInstall)
			}
			for _, want := range []string{"no-such-compiler-racesyso not found", "`" + c.wantInstall + "`", "go run mage.go tools"} {
				if !strings.Contains(m.Error(), want) {
					t.Errorf("message %q lacks %q", m.Error(), want)
				}
			}
		})
	}
	if _, err := ForSpec(defaultSpec(t), "plan9", config.Compiler{}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("plan9: %v", err)
	}
}

func TestInstallHints(t *testing.T) {
	// With the override the hint still names the default's package.
	_, err := ForSpec(defaultSpec(t), "darwin", config.Compiler{CXX: []string{"no-such-compiler-racesyso"}})
	if err == nil || !strings.Contains(err.Error(), "pip install ziglang==") {
		t.Fatalf("err = %v", err)
	}
}

func TestAllMissing(t *testing.T) {
	zig := &MissingError{Target: "darwin", Tool: "zig", Install: "pip install ziglang"}
	mingw := &MissingError{Target: "windows", Tool: "x86_64-w64-mingw32-g++", Install: "apt-get install g++-mingw-w64-x86-64"}
	compile := errors.New("linux: clang++ exited 1: tsan_rtl.cc:12: error")
	for _, tt := range []struct {
		name string
		err  error
		want int // missing toolchains reported; -1: not "all missing"
	}{
		{"nil", nil, -1},
		{"one", zig, 1},
		{"wrapped", fmt.Errorf("build: %w", zig), 1},
		{"joined missing", errors.Join(zig, mingw), 2},
		{"nested join", fmt.Errorf("build: %w", errors.Join(fmt.Errorf("darwin: %w", zig), mingw)), 2},
		{"compile failure next to a missing zig", errors.Join(compile, zig), -1},
		{"wrapped compile failure next to a missing zig", fmt.Errorf("x: %w", errors.Join(zig, fmt.Errorf("linux: %w", compile))), -1},
		{"plain error", compile, -1},
		{"a join of nothing", emptyJoin{}, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ms, ok := AllMissing(tt.err)
			if got := map[bool]int{true: len(ms), false: -1}[ok]; got != tt.want {
				t.Errorf("AllMissing = %d, %v; want %d", len(ms), ok, tt.want)
			}
		})
	}
}

// TestZigVersionMatchesInstallScript: the zig that scripts/install-tools.sh
// installs is the one the targets table names in its install hints.
func TestZigVersionMatchesInstallScript(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "scripts", "install-tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ZIG_VERSION=(\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("scripts/install-tools.sh sets no ZIG_VERSION")
	}
	n := 0
	for _, tg := range defaultSpec(t).Targets {
		if tg.Compiler.Name != "zig" {
			continue
		}
		n++
		if want := "pip install ziglang==" + string(m[1]); tg.Compiler.Install != want {
			t.Errorf("%s: targets.json says %q, scripts/install-tools.sh installs %q: keep them in step", tg.GOOS, tg.Compiler.Install, want)
		}
	}
	if n == 0 {
		t.Error("no zig target in targets.json")
	}
}

// emptyJoin is a multi-error that holds no error at all.
type emptyJoin struct{}

func (emptyJoin) Error() string   { return "nothing" }
func (emptyJoin) Unwrap() []error { return nil }

func defaultSpec(t *testing.T) targets.Spec {
	t.Helper()
	p, err := profile.InProject("")
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec
}
