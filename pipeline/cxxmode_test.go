package pipeline_test

import (
	"testing"

	"github.com/racesyso/racesyso/build"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/pipeline/pipelinetest"
)

// TestCxxModeStillCompiles: with the whole series applied, the C/C++
// (non-Go) ThreadSanitizer runtime and sanitizer_common still compile, for
// both deadlock detector versions.
func TestCxxModeStillCompiles(t *testing.T) {
	testenv.SkipIfShort(t, "the C/C++-mode compile check runs ~130 compiles")
	c := pipelinetest.Shared(t)
	if err := pipelinetest.Locked(t, c, func() error {
		if err := c.Checkout(); err != nil {
			return err
		}
		return c.Patch()
	}); err != nil {
		t.Fatal(err)
	}
	res, err := build.CheckCxxMode(c.WorkTree)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checked %d sources, %d compiler runs", res.Files, res.Compiles)
	if res.Files < 50 {
		t.Errorf("only %d sources found: the file list in build/targets.json no longer matches the tree", res.Files)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
}
