package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/racesyso/racesyso/atomicfile"
)

// Result is the outcome of one check on one target (an object file).
type Result struct {
	// Name identifies the check, e.g. "format" or "abi".
	Name string `json:"name"`
	// Target is what was checked, usually an object path.
	Target string `json:"target"`
	// OK is false if the check found a problem.
	OK bool `json:"ok"`
	// Summary is a one-line description of the outcome.
	Summary string `json:"summary"`
	// Proved states what the check established.
	Proved string `json:"proved,omitempty"`
	// Unproved states what the check could not establish.
	Unproved string `json:"unproved,omitempty"`
	// Details holds supporting lines (offenders, diffs, notes).
	Details []string `json:"details,omitempty"`
}

// Report collects the results of Run.
type Report struct {
	// OK is true if every result is OK.
	OK      bool     `json:"ok"`
	Results []Result `json:"results"`
}

// Add appends r and folds its status into the report.
func (rep *Report) Add(r Result) {
	rep.Results = append(rep.Results, r)
	if !r.OK {
		rep.OK = false
	}
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
		status := "ok"
		if !r.OK {
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, filepath.Base(r.Target), status, r.Summary)
	}
	return tw.Flush()
}
