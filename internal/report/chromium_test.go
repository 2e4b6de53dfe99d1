package report

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/racesyso/racesyso/internal/bench"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/internal/verify"
)

// chromium runs Debian's chromium headless on the page with args (as root
// it needs --no-sandbox; the background-networking flags keep it off a
// network this machine does not have).
func chromium(t *testing.T, page string, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Skip(t, "chromium not found: install it with `bash scripts/install-tools.sh test` (Debian's chromium package)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return out
}

// screenshotTo keeps the screenshot: go test ./internal/report -run Chromium -args -screenshot=report.png
var screenshotTo = flag.String("screenshot", "", "write TestReportInChromium's screenshot here")

var cellRE = regexp.MustCompile(`data-key="([^"]+)">([^<]*)<`)

// mismatches compares the numbers a rendered DOM shows with want: each
// key's cell, parsed, within the display's rounding (three decimals).
func mismatches(dom []byte, want map[string]float64) []string {
	got := map[string]string{}
	for _, m := range cellRE.FindAllSubmatch(dom, -1) {
		got[string(m[1])] = string(m[2])
	}
	var bad []string
	for k, w := range want {
		s, ok := got[k]
		if !ok {
			bad = append(bad, k+": not on the page")
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Abs(v-w) > 0.0005+1e-9 {
			bad = append(bad, fmt.Sprintf("%s: page %q, JSON %v", k, s, w))
		}
	}
	if len(got) != len(want) {
		bad = append(bad, fmt.Sprintf("%d numbered cells on the page, %d values in the JSON", len(got), len(want)))
	}
	return bad
}

// TestReportInChromium: the page renders in headless Chromium; every
// number its DOM shows is the JSON's (and a page of other figures is caught
// as not matching); every plot is in the DOM; a screenshot has the plots'
// colours in it.
func TestReportInChromium(t *testing.T) {
	v, h := fixture()
	b := benchFixture()
	dir := t.TempDir()
	in := Input{Title: "fixture", Verify: v, History: h, Bench: b}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, HTMLFile)
	dom := chromium(t, page, "--dump-dom")
	if bad := mismatches(dom, Values(in)); len(bad) > 0 {
		t.Errorf("the rendered page's numbers are not the JSON's: %v", bad)
	}
	if !bytes.Contains(dom, []byte("not run: no linux-v3 object")) {
		t.Errorf("the bench slot that was not run is not said so")
	}
	if n, want := len(regexp.MustCompile(`<svg`).FindAll(dom, -1)), 5; n != want {
		t.Errorf("%d SVG plots in the rendered DOM, want %d", n, want)
	}

	// Negative control: a page drawn from other figures does not match.
	other, _ := fixture()
	other.Results[1].Figures[0].Series[0].Values[2] = 700
	other.Results[2].Figures[0] = verify.Point("wall", "s", verify.Val("ours", 11.626), verify.Val("shipped", 10.375))
	odir := t.TempDir()
	ob := benchFixture()
	ob.Slots[0].Results[0].MedianOurs = 2.5
	if err := Write(odir, Input{Title: "other", Verify: other, History: h, Bench: ob}); err != nil {
		t.Fatal(err)
	}
	odom := chromium(t, filepath.Join(odir, HTMLFile), "--dump-dom")
	if bad := mismatches(odom, Values(in)); len(bad) != 3 {
		t.Errorf("a page of changed figures gave %d mismatches, want 3: %v", len(bad), bad)
	}

	shot := filepath.Join(dir, "report.png")
	chromium(t, page, "--screenshot="+shot, "--window-size=1280,2400")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	want := colorOf("ours")
	found := 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y += 2 {
		for x := bd.Min.X; x < bd.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, want.R) && near(g, want.G) && near(bl, want.B) {
				found++
			}
		}
	}
	if found < 200 {
		t.Errorf("the screenshot (%dx%d) has %d pixels of the plots' colour: the plots did not render", bd.Dx(), bd.Dy(), found)
	}
	t.Logf("screenshot %s: %dx%d, %d sampled pixels of the plots' colour", shot, bd.Dx(), bd.Dy(), found)
	if *screenshotTo != "" {
		data, _ := os.ReadFile(shot)
		if err := os.WriteFile(*screenshotTo, data, 0o644); err != nil {
			t.Error(err)
		}
	}
}

func near(v uint32, c uint8) bool {
	d := int(v>>8) - int(c)
	return d > -12 && d < 12
}

// benchFixture is a bench.json of two packages in the v1 slot and a v3
// slot that was not run.
func benchFixture() *bench.Report {
	return &bench.Report{Version: "1.26.8", Runs: 5, Goal: 0.9, CPUs: "1", Command: "go run mage.go bench", Slots: []bench.SlotReport{
		{Slot: bench.Slot{Name: "linux GOAMD64=v1"}, Results: []bench.Result{
			{Package: "sort", MedianOurs: 1.234, MedianShipped: 1.3, Ratio: 0.949, SpreadOurs: 0.02, SpreadShipped: 0.03},
			{Package: "regexp", MedianOurs: 2.1, MedianShipped: 2.0, Why: "too noisy to compare"},
		}, GeoMean: 0.949, CI: [2]float64{0.93, 0.97}, Counted: 1},
		{Slot: bench.Slot{Name: "linux GOAMD64=v3", NotRun: "no linux-v3 object in dist"}},
	}}
}
