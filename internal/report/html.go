package report

import (
	"bytes"
	"fmt"
	"html/template"
	"path/filepath"
	"strings"
)

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"num":    Num,
	"status": statusWord,
	"base":   filepath.Base,
	"svg":    func(s string) template.HTML { return template.HTML(s) }, // drawn by gonum/plot from numbers, no input text
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>racesyso report: {{.Title}}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
td.v{text-align:right;font-variant-numeric:tabular-nums}.failed{background:#fdd}.skipped{background:#ffd}
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#555}
</style></head><body>
<h1>racesyso report</h1>
<p>{{.Title}}</p>
{{with .Verify}}<p id="counts">verify: <b>{{.Passed}}</b> passed, <b>{{.Failed}}</b> failed, <b>{{.Skipped}}</b> not run{{if .OK}} (ok){{else}} (FAILED){{end}}</p>{{end}}
{{if .Plots}}<h2>Plots</h2>{{range .Plots}}
<figure class="plot">{{svg .SVG}}<figcaption>{{.Caption}}</figcaption></figure>{{end}}{{end}}
{{with .Verify}}<h2>Checks</h2>
<table id="checks"><tr><th>check</th><th>target</th><th>status</th><th>summary</th></tr>
{{range .Results}}<tr class="{{.Status}}"><td>{{.Name}}</td><td>{{base .Target}}</td><td>{{status .Status}}</td><td>{{.Summary}}</td></tr>
{{end}}</table>{{end}}
{{if .Rows}}<h2>Figures</h2>
<table id="figures"><tr><th>check</th><th>target</th><th>figure</th><th>at</th><th>object</th><th>value</th><th>unit</th></tr>
{{range .Rows}}<tr><td>{{.Check}}</td><td>{{.Target}}</td><td>{{.Figure}}</td><td>{{.At}}</td><td>{{.Series}}</td><td class="v" data-key="{{.Key}}">{{num .Value}}</td><td>{{.Unit}}</td></tr>
{{end}}</table>{{end}}
{{if .Ratios}}<h2>Ours against shipped</h2>
<table id="ratios"><tr><th>check: figure</th><th>ours/shipped</th><th>bound</th></tr>
{{range .Ratios}}<tr><td>{{.Label}}</td><td class="v">{{num .Value}}</td><td class="v">{{if .Bound}}{{num .Bound}}{{else}}reported{{end}}</td></tr>
{{end}}</table>{{end}}
{{if .BenchRows}}<h2>Race workload (bench)</h2>
{{with .Input.Bench}}<p>{{.Runs}} runs per object and package, alternating{{with .CPUs}}, pinned to CPU {{.}}{{end}}; Go {{.Version}}{{with .Command}}: <code>{{.}}</code>{{end}}</p>{{end}}
<table id="bench"><tr><th>slot</th><th>package</th><th>median ours s</th><th>median shipped s</th><th>ours/shipped</th><th>spread ours, shipped</th><th>note</th></tr>
{{range .BenchRows}}<tr><td>{{.Slot}}</td><td>{{.Package}}</td>{{if eq .Package "geometric mean" "(slot)"}}<td></td><td></td>{{else}}<td class="v" data-key="{{.Key}}/ours">{{num .Ours}}</td><td class="v" data-key="{{.Key}}/shipped">{{num .Shipped}}</td>{{end}}<td class="v"{{if .Ratio}} data-key="{{.Key}}/ratio"{{end}}>{{if .Ratio}}{{num .Ratio}}{{end}}</td><td>{{if .Ours}}{{num .SpreadOurs}}, {{num .SpreadShipped}}{{end}}</td><td>{{.Why}}</td></tr>
{{end}}</table>{{end}}
{{with .History}}<h2>Go releases</h2>
<p>{{if .OK}}every release ok{{else}}a release FAILED{{end}}, {{num .Seconds}} s{{with .Command}}: <code>{{.}}</code>{{end}}</p>
<table id="history"><tr><th>release</th><th>object</th><th>TestRace</th><th>wall ours s</th><th>wall shipped s</th><th>ok</th></tr>
{{range .Releases}}<tr class="{{if .OK}}passed{{else}}failed{{end}}"><td>{{.Release}}</td><td>{{.Object}}</td><td>{{.TestRace}}</td><td class="v" data-key="h/{{.Release}}/{{.Object}}/ours">{{num .WallOurs}}</td><td class="v" data-key="h/{{.Release}}/{{.Object}}/shipped">{{num .WallShipped}}</td><td>{{if .OK}}ok{{else}}FAIL{{end}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

// HTML renders the report page.
func HTML(in Input) ([]byte, error) {
	plots, err := Plots(in.Verify, in.History)
	if err != nil {
		return nil, fmt.Errorf("report: drawing the plots: %w", err)
	}
	if rs := benchRatios(in.Bench); len(rs) > 0 {
		svg, err := ratioPlot(rs)
		if err != nil {
			return nil, fmt.Errorf("report: drawing the bench plot: %w", err)
		}
		plots = append(plots, Plot{Caption: "race workload: ours/shipped wall per package and slot (medians of alternating runs); a cross marks the goal on the geometric means", SVG: svg})
	}
	var b bytes.Buffer
	err = page.Execute(&b, struct {
		Input
		Plots     []Plot
		Rows      []Row
		Ratios    []Ratio
		BenchRows []BenchRow
	}{in, plots, Rows(in.Verify), Ratios(in.Verify), BenchRows(in.Bench)})
	return b.Bytes(), err
}

// Markdown renders the same tables as the page, without the plots.
func Markdown(in Input) []byte {
	var b strings.Builder
	cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }
	fmt.Fprintf(&b, "# racesyso report\n\n%s\n\n", in.Title)
	if v := in.Verify; v != nil {
		fmt.Fprintf(&b, "verify: %d passed, %d failed, %d not run\n\n## Checks\n\n| check | target | status | summary |\n| --- | --- | --- | --- |\n", v.Passed, v.Failed, v.Skipped)
		for _, r := range v.Results {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(r.Name), cell(filepath.Base(r.Target)), statusWord(r.Status), cell(r.Summary))
		}
		if rs := Ratios(v); len(rs) > 0 {
			b.WriteString("\n## Ours against shipped\n\n| check: figure | ours/shipped | bound |\n| --- | --- | --- |\n")
			for _, r := range rs {
				bound := "reported"
				if r.Bound > 0 {
					bound = Num(r.Bound)
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(r.Label), Num(r.Value), bound)
			}
		}
		if rows := Rows(v); len(rows) > 0 {
			b.WriteString("\n## Figures\n\n| check | target | figure | at | object | value | unit |\n| --- | --- | --- | --- | --- | --- | --- |\n")
			for _, r := range rows {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(r.Check), cell(r.Target), cell(r.Figure), cell(r.At), r.Series, Num(r.Value), r.Unit)
			}
		}
	}
	if rows := BenchRows(in.Bench); len(rows) > 0 {
		b.WriteString("\n## Race workload (bench)\n\n| slot | package | median ours s | median shipped s | ours/shipped | note |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, r := range rows {
			ratio := ""
			if r.Ratio > 0 {
				ratio = Num(r.Ratio)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Slot, r.Package, Num(r.Ours), Num(r.Shipped), ratio, cell(r.Why))
		}
	}
	if h := in.History; h != nil {
		b.WriteString("\n## Go releases\n\n| release | object | TestRace | wall ours s | wall shipped s | ok |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, e := range h.Releases {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %v |\n", e.Release, e.Object, e.TestRace, Num(e.WallOurs), Num(e.WallShipped), e.OK)
		}
	}
	return []byte(b.String())
}

// Values are the page's numbers by data-key, as the JSON has them: what a
// rendered page must show (TestReportInChromium).
func Values(in Input) map[string]float64 {
	v, h := in.Verify, in.History
	out := map[string]float64{}
	benchValues(in.Bench, out)
	for _, r := range Rows(v) {
		out[r.Key] = r.Value
	}
	if h != nil {
		for _, e := range h.Releases {
			out["h/"+e.Release+"/"+e.Object+"/ours"] = e.WallOurs
			out["h/"+e.Release+"/"+e.Object+"/shipped"] = e.WallShipped
		}
	}
	return out
}
