package integration_test

import (
	"testing"

	"github.com/racesyso/racesyso/internal/compile"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/testenv"
)

// TestCxxModeStillCompiles: with a profile's whole series applied, the
// C/C++ (non-Go) ThreadSanitizer runtime and sanitizer_common still compile,
// for both deadlock detector versions (the profile's cxx_mode_check: *.cc
// in 2016, *.cpp in LLVM 19 and 22).
func TestCxxModeStillCompiles(t *testing.T) {
	testenv.SkipIfShort(t, "the C/C++-mode compile check runs ~130-170 compiles per profile")
	for _, tt := range []struct {
		profile  string
		minFiles int // fewer means the table's dirs or ext no longer match the tree
		context  func(t *testing.T) *pipeline.Context
	}{
		{profile.Default, 50, func(t *testing.T) *pipeline.Context { return integration.Shared(t) }},
		{"llvm-19", 70, func(t *testing.T) *pipeline.Context { return integration.SharedProfile(t, "llvm-19") }},
		{"llvm-22", 70, func(t *testing.T) *pipeline.Context { return integration.SharedProfile(t, "llvm-22") }},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			c := tt.context(t)
			if err := integration.Locked(t, c, func() error {
				if err := c.Checkout(); err != nil {
					return err
				}
				return c.Patch()
			}); err != nil {
				t.Fatal(err)
			}
			spec := c.Prof.Spec
			res, err := compile.CheckCxxMode(spec, c.WorkTree, c.Config.Compilers["linux"])
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: checked %d %s sources, %d compiler runs", tt.profile, res.Files, spec.CxxModeCheck.Ext, res.Compiles)
			if res.Files < tt.minFiles {
				t.Errorf("only %d sources found (want at least %d): the cxx_mode_check of the %s targets table no longer matches the tree", res.Files, tt.minFiles, tt.profile)
			}
			if res.Compiles != res.Files*len(spec.CxxModeCheck.Variants) {
				t.Errorf("%d compiles for %d files and %d variants", res.Compiles, res.Files, len(spec.CxxModeCheck.Variants))
			}
			for _, f := range res.Failures {
				t.Error(f)
			}
		})
	}
}
