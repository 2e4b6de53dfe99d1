package pipeline_test

import (
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/verify"
)

// TestHistoryStageWithoutReleases: verify's history stage reports
// RACESYSO_HISTORY=off as skipped (so release refuses that verify), fails a
// release list that selects nothing it knows (naming releases.json) before
// it builds or fetches anything, and adds no result for the llvm-19
// profile, whose objects are for today's Go. The history target refuses
// both, naming the fix.
func TestHistoryStageWithoutReleases(t *testing.T) {
	var stage pipeline.VerifyStage
	for _, s := range pipeline.VerifyStages {
		if s.Name == "history" {
			stage = s
		}
	}
	if stage.Run == nil {
		t.Fatal("no history stage in VerifyStages")
	}
	for _, tt := range []struct {
		name, profile, list string
		status              verify.Status // "" = no result
		says                string
	}{
		{"off", "", "off", verify.Skipped, "RACESYSO_HISTORY=off"},
		{"unknown release", "", "1.99.1", verify.Failed, "go1.99.1 is not in releases.json"},
		{"llvm-19", "llvm-19", "ci", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeDist(t)
			c.Config.History = tt.list
			c.Config.CacheDir = t.TempDir()
			if tt.profile != "" {
				if err := c.UseProfile(tt.profile); err != nil {
					t.Fatal(err)
				}
			}
			m, err := dist.Read(c.DistDir)
			if err != nil {
				t.Fatal(err)
			}
			rep := verify.NewReport()
			stage.Run(c, m, &rep)
			if tt.status == "" {
				if len(rep.Results) != 0 {
					t.Errorf("results %+v, want none", rep.Results)
				}
			} else if len(rep.Results) != 1 || rep.Results[0].Status != tt.status || !strings.Contains(rep.Results[0].Summary, tt.says) {
				t.Errorf("results %+v, want one %s saying %q", rep.Results, tt.status, tt.says)
			}
			if err := c.History(); err == nil {
				t.Errorf("the history target ran with RACESYSO_HISTORY=%s, profile %q", tt.list, tt.profile)
			}
		})
	}
}
