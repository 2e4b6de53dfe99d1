package pipeline_test

import (
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/verify"
)

// TestVerifyRefusesOtherProfile: verify of llvm-19 refuses a dist/ whose
// manifest is perp-2016's (or names no profile), and the reverse.
func TestVerifyRefusesOtherProfile(t *testing.T) {
	for _, tc := range []struct{ ctx, manifest string }{{"llvm-19", ""}, {"llvm-19", "perp-2016"}, {"perp-2016", "llvm-19"}} {
		c := fakeDist(t)
		m, _ := dist.Read(c.DistDir)
		m.Profile = tc.manifest
		m.Write(c.DistDir)
		if err := c.UseProfile(tc.ctx); err != nil {
			t.Fatal(err)
		}
		ran := false
		err := c.VerifyWith([]pipeline.VerifyStage{{Name: "x", Run: func(*pipeline.Context, *dist.Manifest, *verify.Report) { ran = true }}})
		if err == nil || ran || !strings.Contains(err.Error(), "not "+tc.ctx) {
			t.Errorf("profile %s on a %q manifest: %v (stage ran: %v), want refused", tc.ctx, tc.manifest, err, ran)
		}
	}
}
