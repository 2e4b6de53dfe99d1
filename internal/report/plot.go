package report

import (
	"bytes"
	"fmt"
	"github.com/racesyso/racesyso/internal/racetest"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/racesyso/racesyso/internal/history"
	"github.com/racesyso/racesyso/internal/verify"
)

// Plot is one drawn figure: a caption and its SVG, ready to inline.
type Plot struct {
	Caption string
	SVG     string
}

// seriesColor gives each object one colour on every plot.
var seriesColor = map[string]color.RGBA{
	"base":    {R: 0xc0, G: 0x39, B: 0x2b, A: 0xff},
	"ours":    {R: 0x1f, G: 0x6f, B: 0xb4, A: 0xff},
	"shipped": {R: 0x55, G: 0x55, B: 0x55, A: 0xff},
}

func colorOf(name string) color.RGBA {
	if c, ok := seriesColor[name]; ok {
		return c
	}
	return color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff}
}

// Plots draws every figure of v that has an x axis (once per figure name
// and target), the ours/shipped ratios of every check with the bounds drawn
// in, and h's releases.
func Plots(v *verify.Report, h *history.Report) ([]Plot, error) {
	var out []Plot
	if v != nil {
		seen := map[string]bool{}
		for _, r := range v.Results {
			for _, f := range r.Figures {
				key := r.Target + "\x00" + f.Name
				if len(f.Xs) < 2 || seen[key] {
					continue
				}
				seen[key] = true
				svg, err := linePlot(f)
				if err != nil {
					return nil, err
				}
				out = append(out, Plot{Caption: fmt.Sprintf("%s (%s): %s against %s", f.Name, r.Name, f.Unit, f.X), SVG: svg})
			}
		}
		if rs := Ratios(v); len(rs) > 0 {
			svg, err := ratioPlot(rs)
			if err != nil {
				return nil, err
			}
			out = append(out, Plot{Caption: "ours/shipped per check (geometric mean over a series' points); a cross marks the bound a check holds the ratio to", SVG: svg})
		}
	}
	if h != nil && len(h.Releases) > 0 {
		svg, err := historyPlot(h)
		if err != nil {
			return nil, err
		}
		out = append(out, Plot{Caption: "Go releases: ours/shipped wall of the race suites, and BenchmarkSyncLeak's peak RSS at the largest size", SVG: svg})
	}
	return out, nil
}

func linePlot(f verify.Figure) (string, error) {
	p := plot.New()
	p.Title.Text = f.Name
	p.X.Label.Text = f.X
	p.Y.Label.Text = f.Unit
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	for _, s := range f.Series {
		pts := make(plotter.XYs, 0, len(s.Values))
		for i, v := range s.Values {
			if i < len(f.Xs) {
				pts = append(pts, plotter.XY{X: f.Xs[i], Y: v})
			}
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return "", err
		}
		l.Color, sc.Color = colorOf(s.Name), colorOf(s.Name)
		l.Width = vg.Points(1.5)
		p.Add(l, sc)
		p.Legend.Add(s.Name, l, sc)
	}
	return svgOf(p, 6*vg.Inch, 3.4*vg.Inch)
}

func ratioPlot(rs []Ratio) (string, error) {
	p := plot.New()
	p.Title.Text = "ours / shipped"
	p.X.Label.Text = "ratio (1 = the shipped object)"
	vals := make(plotter.Values, len(rs))
	labels := make([]string, len(rs))
	var bounds plotter.XYs
	hi := 1.0
	for i, r := range rs {
		vals[i] = r.Value
		labels[i] = shorten(r.Label, 48)
		hi = max(hi, r.Value)
		if r.Bound > 0 {
			bounds = append(bounds, plotter.XY{X: r.Bound, Y: float64(i)})
			hi = max(hi, r.Bound)
		}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(9))
	if err != nil {
		return "", err
	}
	bars.Horizontal = true
	bars.Color = colorOf("ours")
	bars.LineStyle.Width = 0
	p.Add(bars)
	one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(len(rs)) - 0.5}})
	if err != nil {
		return "", err
	}
	one.Color = colorOf("shipped")
	one.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(one)
	if len(bounds) > 0 {
		sc, err := plotter.NewScatter(bounds)
		if err != nil {
			return "", err
		}
		sc.Shape = draw.CrossGlyph{}
		sc.Radius = vg.Points(5)
		sc.Color = colorOf("base")
		p.Add(sc)
		p.Legend.Add("bound", sc)
	}
	p.X.Min, p.X.Max = 0, hi*1.1
	p.NominalY(labels...)
	p.Legend.Top = true
	return svgOf(p, 9*vg.Inch, vg.Length(len(rs))*vg.Points(18)+1.4*vg.Inch)
}

func historyPlot(h *history.Report) (string, error) {
	p := plot.New()
	p.Title.Text = "ours / shipped per Go release"
	p.Y.Label.Text = "ratio (1 = the shipped object)"
	var names []string
	wall, leak := plotter.XYs{}, plotter.XYs{}
	for i, e := range h.Releases {
		names = append(names, e.Release+" ("+e.Object+")")
		if e.WallOurs > 0 && e.WallShipped > 0 {
			wall = append(wall, plotter.XY{X: float64(i), Y: e.WallOurs / e.WallShipped})
		}
		if q, ok := leakRatio(e.Leak); ok {
			leak = append(leak, plotter.XY{X: float64(i), Y: q})
		}
	}
	for _, s := range []struct {
		name string
		pts  plotter.XYs
		c    color.RGBA
	}{{"race suites wall", wall, colorOf("ours")}, {"SyncLeak peak RSS", leak, colorOf("base")}} {
		if len(s.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return "", err
		}
		sc.Color = s.c
		sc.Radius = vg.Points(3)
		p.Add(sc)
		p.Legend.Add(s.name, sc)
	}
	p.Y.Min = 0
	p.Legend.Top = true
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	return svgOf(p, 7*vg.Inch, 3.6*vg.Inch)
}

// leakRatio is ours/shipped peak RSS at the largest size both measured.
func leakRatio(l *racetest.Leak) (float64, bool) {
	if l == nil || len(l.Ours.Points) == 0 || len(l.Ours.Points) != len(l.Shipped.Points) {
		return 0, false
	}
	o, s := l.Ours.Points[len(l.Ours.Points)-1], l.Shipped.Points[len(l.Shipped.Points)-1]
	if s.PeakMiB <= 0 {
		return 0, false
	}
	return o.PeakMiB / s.PeakMiB, true
}

func svgOf(p *plot.Plot, w, h vg.Length) (string, error) {
	// The fonts go with the SVG: the browser then draws the text with the
	// metrics the layout was computed with (else labels overrun the plot).
	c := vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(true))
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	// Inline in HTML: the XML prolog and doctype go.
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	return s, nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
