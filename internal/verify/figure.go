package verify

import "math"

// Figure is one measurement of a check, as data: named series of values
// (ours, shipped, base) over a common x axis, or one value each when Xs is
// empty. verify.json carries them for the report, which tabulates and
// plots them; the Summary and Details say the same in words.
type Figure struct {
	// Name says what is measured, e.g. "peak RSS" or "wall".
	Name string `json:"name"`
	// Unit of the values: "MiB", "s", "ns/op", "bytes", "goroutines".
	Unit string `json:"unit"`
	// X names the x axis ("iterations", "work"); empty for single values.
	X  string    `json:"x,omitempty"`
	Xs []float64 `json:"xs,omitempty"`
	// Series are the objects' values, one per x (one value when Xs is
	// empty).
	Series []Series `json:"series"`
	// Bound, when set, is the most the check allows ours/shipped to be
	// (the profile's claim); a figure without one is reported, not judged.
	Bound float64 `json:"bound,omitempty"`
}

// Series is one object's values of a figure.
type Series struct {
	Name   string    `json:"name"` // "ours", "shipped", "base"
	Values []float64 `json:"values"`
}

// Point is a figure of one value per object.
func Point(name, unit string, values ...Series) Figure {
	return Figure{Name: name, Unit: unit, Series: values}
}

// Val is a series of one value.
func Val(name string, v float64) Series { return Series{Name: name, Values: []float64{v}} }

// Get returns the named series' values.
func (f Figure) Get(name string) []float64 {
	for _, s := range f.Series {
		if s.Name == name {
			return s.Values
		}
	}
	return nil
}

// Ratio is ours over shipped: the geometric mean of the per-x ratios (the
// one ratio of a single value). ok is false when the figure lacks either
// series or a value is not positive.
func (f Figure) Ratio() (r float64, ok bool) {
	o, s := f.Get("ours"), f.Get("shipped")
	if len(o) == 0 || len(o) != len(s) {
		return 0, false
	}
	sum := 0.0
	for i := range o {
		if o[i] <= 0 || s[i] <= 0 {
			return 0, false
		}
		sum += math.Log(o[i] / s[i])
	}
	return math.Exp(sum / float64(len(o))), true
}
