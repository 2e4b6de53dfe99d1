// Package report renders what verify and history wrote into dist/
// (verify.json, history.json) as one self-contained HTML page, report.html
// (inline SVG plots drawn with gonum.org/v1/plot, no script, no network),
// and as report.md: every check with its figures, and plots where a reader
// would rather look than read.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/racesyso/racesyso/internal/bench"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/history"
	"github.com/racesyso/racesyso/internal/verify"
)

// The files of dist/ the report is written to.
const (
	HTMLFile     = dist.ReportFile
	MarkdownFile = dist.ReportMarkdownFile
)

// Input is what a report shows.
type Input struct {
	// Title names the dist directory and profile.
	Title string
	// Verify is dist/verify.json; nil when verify has not run.
	Verify *verify.Report
	// History is dist/history.json; nil when history has not run.
	History *history.Report
	// Bench is dist/bench.json; nil when bench has not run.
	Bench *bench.Report
}

// Load reads dir's verify.json and history.json; a missing file leaves its
// part out, a malformed one is an error naming it. Neither present is an
// error naming the commands that write them.
func Load(dir string) (Input, error) {
	in := Input{Title: dir}
	if m, err := dist.Read(dir); err == nil && m != nil {
		in.Title = fmt.Sprintf("%s (profile %s)", dir, m.ProfileName())
	}
	var v verify.Report
	ok, err := readJSON(filepath.Join(dir, dist.VerifyFile), &v)
	if err != nil {
		return in, err
	}
	if ok {
		in.Verify = &v
	}
	var h history.Report
	ok, err = readJSON(filepath.Join(dir, history.FileName), &h)
	if err != nil {
		return in, err
	}
	if ok {
		in.History = &h
	}
	var b bench.Report
	ok, err = readJSON(filepath.Join(dir, dist.BenchFile), &b)
	if err != nil {
		return in, err
	}
	if ok {
		in.Bench = &b
	}
	if in.Verify == nil && in.History == nil && in.Bench == nil {
		return in, fmt.Errorf("%s has none of %s, %s, %s: run `go run mage.go verify` (or `history`, `bench`) first", dir, dist.VerifyFile, history.FileName, dist.BenchFile)
	}
	return in, nil
}

func readJSON(path string, v any) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s is not a report racesyso wrote (%v): run the command that writes it again", path, err)
	}
	return true, nil
}

// Write renders in into dir's report.html and report.md, each written
// atomically.
func Write(dir string, in Input) error {
	page, err := HTML(in)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, HTMLFile), page, 0o644); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, MarkdownFile), Markdown(in), 0o644)
}

// Row is one value of a figure, as the report tabulates it.
type Row struct {
	// Key names the value uniquely: <result index>/<figure index>/<series>/<x index>.
	Key              string
	Check, Target    string
	Figure, Unit, At string
	Series           string
	Value            float64
}

// Rows are every figure value of a verify report, in order.
func Rows(v *verify.Report) []Row {
	var rows []Row
	if v == nil {
		return nil
	}
	for i, r := range v.Results {
		for j, f := range r.Figures {
			for _, s := range f.Series {
				for k, val := range s.Values {
					at := ""
					if k < len(f.Xs) {
						at = f.X + " " + Num(f.Xs[k])
					}
					rows = append(rows, Row{Key: fmt.Sprintf("%d/%d/%s/%d", i, j, s.Name, k), Check: r.Name, Target: filepath.Base(r.Target),
						Figure: f.Name, Unit: f.Unit, At: at, Series: s.Name, Value: val})
				}
			}
		}
	}
	return rows
}

// Ratio is one ours/shipped ratio of a check's figure (the geometric mean
// over its x values), with the bound it is held to (0: reported only).
type Ratio struct {
	Label string
	Value float64
	Bound float64
}

// Ratios are the ours/shipped ratios of every figure that has both series,
// once per check and figure.
func Ratios(v *verify.Report) []Ratio {
	var out []Ratio
	if v == nil {
		return nil
	}
	for _, r := range v.Results {
		for _, f := range r.Figures {
			if q, ok := f.Ratio(); ok {
				label := r.Name
				if strings.HasSuffix(r.Target, ".syso") {
					label += " " + strings.TrimSuffix(strings.TrimPrefix(filepath.Base(r.Target), "race_"), ".syso")
				}
				out = append(out, Ratio{Label: label + ": " + f.Name, Value: q, Bound: f.Bound})
			}
		}
	}
	return out
}

// Num formats a figure value: at most three decimals, no trailing zeros.
func Num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func statusWord(s verify.Status) string {
	switch s {
	case verify.Passed:
		return "ok"
	case verify.Skipped:
		return "not run"
	}
	return "FAIL"
}
