package report

import (
	"fmt"
	"strings"

	"github.com/racesyso/racesyso/internal/bench"
)

// BenchRow is one package of one slot of dist/bench.json, as the report
// tabulates it.
type BenchRow struct {
	Key, Slot, Package        string
	Ours, Shipped, Ratio      float64
	SpreadOurs, SpreadShipped float64
	Why                       string
}

// BenchRows are bench.json's packages, then each slot's geometric mean
// (Package "geometric mean", the interval in Why).
func BenchRows(b *bench.Report) []BenchRow {
	if b == nil {
		return nil
	}
	var out []BenchRow
	for _, s := range b.Slots {
		if s.Slot.NotRun != "" {
			out = append(out, BenchRow{Key: "b/" + s.Slot.Name + "/not-run", Slot: s.Slot.Name, Package: "(slot)", Why: "not run: " + s.Slot.NotRun})
			continue
		}
		for _, r := range s.Results {
			out = append(out, BenchRow{Key: "b/" + s.Slot.Name + "/" + r.Package, Slot: s.Slot.Name, Package: r.Package, Ours: r.MedianOurs, Shipped: r.MedianShipped,
				Ratio: r.Ratio, SpreadOurs: r.SpreadOurs, SpreadShipped: r.SpreadShipped, Why: r.Why})
		}
		why := fmt.Sprintf("95%% interval %s..%s over %d packages (goal %s)", Num(s.CI[0]), Num(s.CI[1]), s.Counted, Num(b.Goal))
		if len(s.Missing) > 0 {
			why += "; not in the GOROOT: " + strings.Join(s.Missing, ", ")
		}
		out = append(out, BenchRow{Key: "b/" + s.Slot.Name + "/geomean", Slot: s.Slot.Name, Package: "geometric mean", Ratio: s.GeoMean, Why: why})
	}
	return out
}

// benchRatios are the rows' ratios for the plot; the geometric means carry
// the goal as their bound.
func benchRatios(b *bench.Report) []Ratio {
	var out []Ratio
	for _, r := range BenchRows(b) {
		if r.Ratio <= 0 {
			continue
		}
		x := Ratio{Label: r.Slot + ": " + r.Package, Value: r.Ratio}
		if r.Package == "geometric mean" {
			x.Bound = b.Goal
		}
		out = append(out, x)
	}
	return out
}

// benchValues are the numbers the page shows for bench.json, by data-key.
func benchValues(b *bench.Report, out map[string]float64) {
	for _, r := range BenchRows(b) {
		if r.Package == "(slot)" {
			continue
		}
		if r.Package != "geometric mean" {
			out[r.Key+"/ours"], out[r.Key+"/shipped"] = r.Ours, r.Shipped
		}
		if r.Ratio > 0 {
			out[r.Key+"/ratio"] = r.Ratio
		}
	}
}
