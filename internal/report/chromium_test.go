package report

import (
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
	dir := t.TempDir()
	if err := Write(dir, Input{Title: "fixture", Verify: v, History: h}); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, HTMLFile)
	dom := chromium(t, page, "--dump-dom")
	if bad := mismatches(dom, Values(v, h)); len(bad) > 0 {
		t.Errorf("the rendered page's numbers are not the JSON's: %v", bad)
	}
	if n, want := len(regexp.MustCompile(`<svg`).FindAll(dom, -1)), 4; n != want {
		t.Errorf("%d SVG plots in the rendered DOM, want %d", n, want)
	}

	// Negative control: a page drawn from other figures does not match.
	other, _ := fixture()
	other.Results[1].Figures[0].Series[0].Values[2] = 700
	other.Results[2].Figures[0] = verify.Point("wall", "s", verify.Val("ours", 11.626), verify.Val("shipped", 10.375))
	odir := t.TempDir()
	if err := Write(odir, Input{Title: "other", Verify: other, History: h}); err != nil {
		t.Fatal(err)
	}
	odom := chromium(t, filepath.Join(odir, HTMLFile), "--dump-dom")
	if bad := mismatches(odom, Values(v, h)); len(bad) != 2 {
		t.Errorf("a page of changed figures gave %d mismatches, want 2: %v", len(bad), bad)
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
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, want.R) && near(g, want.G) && near(bl, want.B) {
				found++
			}
		}
	}
	if found < 200 {
		t.Errorf("the screenshot (%dx%d) has %d pixels of the plots' colour: the plots did not render", b.Dx(), b.Dy(), found)
	}
	t.Logf("screenshot %s: %dx%d, %d sampled pixels of the plots' colour", shot, b.Dx(), b.Dy(), found)
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
