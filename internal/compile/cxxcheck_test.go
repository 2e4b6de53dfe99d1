package compile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/targets"
)

// TestCheckCxxModeFindsTheProfilesSources: the sources checked are the
// profile's (its cxx_mode_check dirs, ext and exclusions), so a tree of
// *.cpp files (LLVM 19) is not found empty by a *.cc glob; a failing
// compile is named. The compiler is a stand-in shell command.
func TestCheckCxxModeFindsTheProfilesSources(t *testing.T) {
	tree := t.TempDir()
	for _, f := range []string{"lib/tsan/rtl/a.cpp", "lib/tsan/rtl/b.cpp", "lib/tsan/rtl/c_mac.cpp", "lib/tsan/rtl/old.cc", "lib/sanitizer_common/bad.cpp"} {
		p := filepath.Join(tree, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The stand-in compiler fails on bad.cpp only, with an error line.
	cxx := config.Compiler{CXX: []string{"bash", "-c", `case "$*" in *bad.cpp*) echo "bad.cpp:1:1: error: no"; exit 1;; esac`, "cxx"}}
	lp, err := profile.InProject("llvm-19")
	if err != nil {
		t.Fatal(err)
	}
	llvm := lp.Spec
	spec := func(ext string) targets.Spec {
		s := llvm
		s.CxxModeCheck = targets.CxxModeCheck{
			Dirs: []string{"lib/tsan/rtl", "lib/sanitizer_common"}, Ext: ext, Exclude: []string{"mac"},
			Variants: [][]string{{"-DV=1"}, {"-DV=2"}},
		}
		return s
	}
	for _, tt := range []struct {
		name      string
		spec      targets.Spec
		files     int
		failures  int
		wantError string
	}{
		{"cpp", spec(".cpp"), 3, 2, ""},
		{"cc", spec(".cc"), 1, 0, ""},
		{"no ext", spec(""), 0, 0, "no cxx_mode_check"},
		{"llvm-19 table", func() targets.Spec { s := spec(".cpp"); s.CxxModeCheck.Ext = llvm.CxxModeCheck.Ext; return s }(), 3, 2, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CheckCxxMode(tt.spec, tree, cxx)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("err = %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Files != tt.files || len(res.Failures) != tt.failures || res.Compiles != 2*tt.files {
				t.Fatalf("files %d, compiles %d, failures %q; want %d files, %d failures", res.Files, res.Compiles, res.Failures, tt.files, tt.failures)
			}
			for _, f := range res.Failures {
				if !strings.Contains(f, "bad.cpp") || !strings.Contains(f, "error: no") {
					t.Errorf("failure %q does not name the file and its error", f)
				}
			}
		})
	}
}
