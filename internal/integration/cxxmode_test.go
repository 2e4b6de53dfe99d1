package integration_test

import (
	"testing"

	"github.com/racesyso/racesyso/internal/compile"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/testenv"
)

// TestCxxModeStillCompiles: with the whole series applied, the C/C++
// (non-Go) ThreadSanitizer runtime and sanitizer_common still compile, for
// both deadlock detector versions.
func TestCxxModeStillCompiles(t *testing.T) {
	testenv.SkipIfShort(t, "the C/C++-mode compile check runs ~130 compiles")
	c := integration.Shared(t)
	if err := integration.Locked(t, c, func() error {
		if err := c.Checkout(); err != nil {
			return err
		}
		return c.Patch()
	}); err != nil {
		t.Fatal(err)
	}
	res, err := compile.CheckCxxMode(c.WorkTree, c.Config.Compilers["linux"])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checked %d sources, %d compiler runs", res.Files, res.Compiles)
	if res.Files < 50 {
		t.Errorf("only %d sources found: the file list in internal/compile/targets.json no longer matches the tree", res.Files)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
}
