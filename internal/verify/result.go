package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/racesyso/racesyso/internal/atomicfile"
)

// Status is the outcome of a check: it passed, it failed, or it was not run
// (skipped, its Summary saying why). A skipped check proved nothing: verify
// reports it loudly and release refuses to publish on it.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// PassIf is Passed when ok holds, Failed otherwise.
func PassIf(ok bool) Status {
	if ok {
		return Passed
	}
	return Failed
}

// Result is the outcome of one check on one target (an object file).
type Result struct {
	// Name identifies the check, e.g. "format" or "abi".
	Name string `json:"name"`
	// Target is what was checked, usually an object path.
	Target string `json:"target"`
	// Status is passed, failed or skipped. A Result added to a Report
	// without one counts as failed.
	Status Status `json:"status"`
	// Summary is a one-line description of the outcome (for a skipped
	// check: why it was not run).
	Summary string `json:"summary"`
	// Proved states what the check established.
	Proved string `json:"proved,omitempty"`
	// Unproved states what the check could not establish.
	Unproved string `json:"unproved,omitempty"`
	// Details holds supporting lines (offenders, diffs, notes).
	Details []string `json:"details,omitempty"`
	// Figures are the check's measurements as data (for the report).
	Figures []Figure `json:"figures,omitempty"`
}

// OK reports whether the check passed.
func (r Result) OK() bool { return r.Status == Passed }

// Skip is a result for a check that was not run, and why.
func Skip(name, target, why string) Result {
	return Result{Name: name, Target: target, Status: Skipped, Summary: why}
}

// Report collects the results of Run.
type Report struct {
	// OK is true if no result failed (skipped ones may remain: see
	// Complete).
	OK bool `json:"ok"`
	// Passed, Failed and Skipped count the results by status.
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
	Results []Result `json:"results"`
}

// NewReport is an empty report (OK until a result fails).
func NewReport() Report { return Report{OK: true} }

// Add appends r and folds its status into the report; a result with no
// status, or an unknown one, is recorded as failed.
func (rep *Report) Add(r Result) {
	switch r.Status {
	case Passed:
		rep.Passed++
	case Skipped:
		rep.Skipped++
	default:
		r.Status = Failed
		rep.Failed++
	}
	rep.OK = rep.Failed == 0
	rep.Results = append(rep.Results, r)
}

// Complete reports whether every check ran and passed: what release needs.
func (rep Report) Complete() bool { return rep.Failed == 0 && rep.Skipped == 0 && rep.Passed > 0 }

// SkippedResults are the checks that were not run.
func (rep Report) SkippedResults() []Result {
	var out []Result
	for _, r := range rep.Results {
		if r.Status == Skipped {
			out = append(out, r)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON to path. The write is
// atomic: the data goes to a temporary file in the same directory that is
// then renamed over path.
func (rep Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o644)
}

// Table prints one aligned line per result: check, target (its file name;
// the JSON has the path), ok/FAIL and summary.
func (rep Report) Table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tTARGET\tSTATUS\tSUMMARY")
	for _, r := range rep.Results {
		status := map[Status]string{Passed: "ok", Failed: "FAIL", Skipped: "SKIPPED"}[r.Status]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, filepath.Base(r.Target), status, r.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if skipped := rep.SkippedResults(); len(skipped) > 0 {
		fmt.Fprintf(w, "\n*** %d check(s) SKIPPED: not run, nothing proved; release refuses to publish until they run ***\n", len(skipped))
		for _, r := range skipped {
			fmt.Fprintf(w, "  SKIPPED %s (%s): %s\n", r.Name, filepath.Base(r.Target), r.Summary)
		}
	}
	return nil
}
