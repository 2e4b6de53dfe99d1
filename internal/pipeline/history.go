package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/history"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/racetest"
	"github.com/racesyso/racesyso/internal/verify"
)

// HistoryTimeout bounds one history run (the full list takes about half
// an hour here).
const HistoryTimeout = 3 * time.Hour

// History is the history stage (mage target `history`): it proves the
// per-P objects of dist/ and the base object in the Go releases
// RACESYSO_HISTORY names (internal/history/releases.json) and writes
// dist/history.json. It fails when any release does.
func (c *Context) History() error {
	rep, err := c.runHistory()
	if rep != nil {
		if rerr := c.Report(); rerr != nil {
			return rerr
		}
	}
	if rep != nil {
		fmt.Fprintln(c.Log)
		fmt.Fprint(c.Log, rep.Table())
		if lt := rep.LeakTable(); lt != "" {
			fmt.Fprintln(c.Log)
			fmt.Fprint(c.Log, lt)
		}
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		return fmt.Errorf("history: %d of %d releases failed (see the FAIL lines above and %s)", failedReleases(rep), len(rep.Releases), filepath.Join(c.DistDir, history.FileName))
	}
	return nil
}

// historyStage is verify's history stage: one result per release.
func historyStage(c *Context, m *dist.Manifest, rep *verify.Report) {
	if !c.Prof.History {
		// Today's runtime is for today's Go: the history of the per-P
		// change is the default profile's to prove.
		fmt.Fprintf(c.Log, "verify: history: not part of the %s profile's verify (its profile.json says history: false: its objects are for today's Go runtime); left out\n", c.Profile())
		return
	}
	if c.Config.History == "off" {
		rep.Add(verify.Skip("history", "go releases", "RACESYSO_HISTORY=off: the objects were not proved in Go's releases"))
		return
	}
	h, err := c.runHistory()
	if err != nil && h == nil {
		rep.Add(verify.Result{Name: "history", Target: "go releases", Status: verify.Failed, Summary: err.Error()})
		return
	}
	for _, e := range h.Releases {
		r := verify.Result{Name: "history/" + e.Release, Target: "linux (abi: all four)", Status: verify.Passed, Summary: e.Line(),
			Proved:   "in " + e.Release + " (" + e.Layout + "), our " + e.Object + " object passes every TestRace case and test the shipped object passes; every object defines the release's imports",
			Unproved: "darwin and freebsd are checked by symbols only"}
		if !e.OK {
			r.Status = verify.Failed
			r.Details = e.Why
		}
		rep.Add(r)
	}
	if err != nil {
		rep.Add(verify.Result{Name: "history", Target: "go releases", Status: verify.Failed, Summary: err.Error()})
	}
}

// runHistory builds the base linux object, runs internal/history on the
// selected releases and writes dist/history.json (also when a release
// fails: the report says what).
func (c *Context) runHistory() (*history.Report, error) {
	if !c.Prof.History {
		return nil, fmt.Errorf("history proves the per-P change (profile %s), not %s (its profile.json says history: false): run it without RACESYSO_PROFILE", profile.Default, c.Profile())
	}
	if c.Config.History == "off" {
		return nil, fmt.Errorf("RACESYSO_HISTORY=off selects no release: unset it (the CI list) or name one (full, all, 1.7.6,1.26.8)")
	}
	all, err := history.Releases()
	if err != nil {
		return nil, err
	}
	rs, err := history.Select(all, c.Config.History)
	if err != nil {
		return nil, fmt.Errorf("RACESYSO_HISTORY=%s: %w", c.Config.History, err)
	}
	if _, err := c.BuildBaseObject("linux"); err != nil {
		return nil, err
	}
	base, err := c.Base()
	if err != nil {
		return nil, err
	}
	o := history.Options{
		Releases: rs,
		PerP:     c.DistDir,
		Base:     base.DistDir,
		// Outside the project: the go commands of Go 1.11-1.15 would load
		// its go.mod for what they build in the scratch directory.
		Work:  filepath.Join(c.Config.CacheDir, "history", "work"),
		Cache: filepath.Join(c.Config.CacheDir, "history"),
		Leak:  true,
		// The windows race tests of the releases flagged windows: MinGW
		// and wine64 come with the tools target (scripts/install-tools.sh).
		Wine: &racetest.Wine{},
		Log:  c.Log,
		// The goroot stage's runs of the same release and objects.
		Runs: c.Runs,
	}
	ctx, cancel := context.WithTimeout(c.ctx(), HistoryTimeout)
	defer cancel()
	fmt.Fprintf(c.Log, "history: %d releases (RACESYSO_HISTORY=%s): %s\n", len(rs), c.Config.History, versions(rs))
	rep, err := history.Run(ctx, o)
	if rep == nil {
		return nil, err
	}
	if cerr := c.ctx().Err(); cerr != nil {
		return rep, fmt.Errorf("history interrupted (%v) after %d releases: %s was not written", cerr, len(rep.Releases), filepath.Join(c.DistDir, history.FileName))
	}
	rep.Command = "RACESYSO_HISTORY=" + c.Config.History + " go run mage.go history"
	if werr := rep.WriteJSON(filepath.Join(c.DistDir, history.FileName)); werr != nil {
		return rep, werr
	}
	fmt.Fprintf(c.Log, "history: wrote %s in %.0fs; ok=%v\n", filepath.Join(c.DistDir, history.FileName), rep.Seconds, rep.OK)
	return rep, err
}

func versions(rs []history.Release) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += "go" + r.Version
	}
	return s
}

func failedReleases(rep *history.Report) int {
	n := 0
	for _, e := range rep.Releases {
		if !e.OK {
			n++
		}
	}
	return n
}
