package release

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/verify"
)

// targetOSes lists the targets whose race objects may be published, in
// upload order.
var targetOSes = targets.Known

// objectName returns the file name of the race runtime object for goos.
func objectName(goos string) string { return dist.ObjectName(goos) }

// asset is one local file to be published as a release asset.
type asset struct {
	Name      string // asset name, equal to the base name of Path
	Path      string
	Size      int64
	SHA256    string // lowercase hex
	MediaType string
}

// distContents is a validated dist directory.
type distContents struct {
	Assets   []asset // objects, manifest.json, verify.json, SHA256SUMS last
	Manifest *dist.Manifest
}

// loadDist reads dir and checks that it is fit to publish: verify.json
// exists and reports success, and every object's digest agrees with both
// SHA256SUMS and manifest.json. It performs no network access.
func loadDist(dir string) (*distContents, error) {
	if err := checkVerify(filepath.Join(dir, dist.VerifyFile)); err != nil {
		return nil, err
	}
	sums, err := readSums(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return nil, err
	}
	man, err := readManifest(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}

	var (
		d       distContents
		errs    []error
		present = map[string]bool{}
	)
	d.Manifest = man
	if man.Verify == nil || !man.Verify.OK || man.Verify.Failed > 0 || man.Verify.Skipped > 0 {
		errs = append(errs, fmt.Errorf("manifest.json records no complete, passing verify run for these objects (a build since the last verify withdraws it; a skipped check counts as not run): run `go run mage.go verify`"))
	}
	for _, goos := range targetOSes {
		name := objectName(goos)
		a, err := hashAsset(dir, name, "application/octet-stream")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		present[name] = true
		d.Assets = append(d.Assets, a)
		if sum, ok := sums[name]; !ok {
			errs = append(errs, fmt.Errorf("%s is not listed in SHA256SUMS", name))
		} else if sum != a.SHA256 {
			errs = append(errs, fmt.Errorf("%s has sha256 %s but SHA256SUMS says %s", name, a.SHA256, sum))
		}
		t, ok := man.Targets[goos]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s has no %q target in manifest.json", name, goos))
		case t.Object != name:
			errs = append(errs, fmt.Errorf("manifest.json target %q names object %q, want %q", goos, t.Object, name))
		case !strings.EqualFold(t.SHA256, a.SHA256):
			errs = append(errs, fmt.Errorf("%s has sha256 %s but manifest.json says %s", name, a.SHA256, t.SHA256))
		case t.Size != 0 && t.Size != a.Size:
			errs = append(errs, fmt.Errorf("%s has %d bytes but manifest.json says %d", name, a.Size, t.Size))
		}
	}
	if len(d.Assets) == 0 {
		errs = append(errs, fmt.Errorf("no race_<os>_amd64.syso objects in %s", dir))
	}
	for goos, t := range man.Targets {
		if !present[t.Object] {
			errs = append(errs, fmt.Errorf("manifest.json lists target %q (%s) but %s is missing", goos, t.Object, t.Object))
		}
	}
	for _, a := range []struct{ name, media string }{
		{dist.SeriesFile, "text/x-diff"}, // installGoroot writes it next to each object
		{dist.FileName, "application/json"},
		{"verify.json", "application/json"},
		{dist.SumsName, "text/plain"},
	} {
		x, err := hashAsset(dir, a.name, a.media)
		if err != nil {
			return nil, err
		}
		present[a.name] = true
		d.Assets = append(d.Assets, x)
	}
	// verify's report page, history's and bench's results, when dist/ has
	// them (verify writes report.html and report.md; history.json is
	// history's, bench.json bench's).
	for _, a := range []struct{ name, media string }{
		{dist.ReportFile, "text/html"},
		{dist.ReportMarkdownFile, "text/markdown"},
		{dist.HistoryFile, "application/json"},
		{dist.BenchFile, "application/json"},
	} {
		if _, err := os.Stat(filepath.Join(dir, a.name)); err != nil {
			continue
		}
		x, err := hashAsset(dir, a.name, a.media)
		if err != nil {
			return nil, err
		}
		present[a.name] = true
		d.Assets = append(d.Assets, x)
	}
	// Any other file SHA256SUMS vouches for must exist and match too.
	for name, sum := range sums {
		if present[name] {
			if a := d.find(name); a != nil && a.SHA256 != sum && !strings.HasPrefix(name, "race_") {
				errs = append(errs, fmt.Errorf("%s has sha256 %s but SHA256SUMS says %s", name, a.SHA256, sum))
			}
			continue
		}
		errs = append(errs, fmt.Errorf("SHA256SUMS lists %s, which is not among the assets to publish", name))
	}
	if len(errs) > 0 {
		sortErrs(errs)
		return nil, fmt.Errorf("refusing to publish %s: %w", dir, errors.Join(errs...))
	}
	return &d, nil
}

// find returns the asset called name, or nil.
func (d *distContents) find(name string) *asset {
	for i := range d.Assets {
		if d.Assets[i].Name == name {
			return &d.Assets[i]
		}
	}
	return nil
}

// checkVerify refuses a missing, malformed or unsuccessful verify.json.
func checkVerify(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("refusing to publish: %s is missing; run the verify stage first", path)
	}
	if err != nil {
		return err
	}
	var v verify.Report
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("refusing to publish: %s: %w", path, err)
	}
	if len(v.Results) == 0 {
		return fmt.Errorf("refusing to publish: %s holds no results", path)
	}
	// Every check must have run and passed: a skipped check proved nothing,
	// and a result without a known status (an older verify.json) is refused.
	var failed, skipped []string
	for _, r := range v.Results {
		switch r.Status {
		case verify.Passed:
		case verify.Skipped:
			skipped = append(skipped, fmt.Sprintf("%s (%s): %s", r.Name, r.Target, r.Summary))
		default:
			failed = append(failed, fmt.Sprintf("%s (%s) %q: %s", r.Name, r.Target, r.Status, r.Summary))
		}
	}
	if !v.OK || len(failed) > 0 || len(skipped) > 0 {
		msg := fmt.Sprintf("refusing to publish: %s reports ok=%t", path, v.OK)
		if len(failed) > 0 {
			msg += "; failed checks: " + strings.Join(failed, "; ")
		}
		if len(skipped) > 0 {
			msg += "; checks not run (run `go run mage.go verify` where they can run): " + strings.Join(skipped, "; ")
		}
		return errors.New(msg)
	}
	return nil
}

// sumLine matches one line of sha256sum output, in text or binary mode.
var sumLine = regexp.MustCompile(`^([0-9a-fA-F]{64}) [ *](.+)$`)

// readSums parses a sha256sum-format file into file name → lowercase hex.
func readSums(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := sumLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("refusing to publish: %s:%d: not in sha256sum format", path, n)
		}
		sums[m[2]] = strings.ToLower(m[1])
	}
	return sums, sc.Err()
}

// readManifest parses manifest.json, which must exist.
func readManifest(path string) (*dist.Manifest, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	m, err := dist.Read(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("refusing to publish: %w", err)
	}
	return m, nil
}

// hashAsset describes dir/name with its size and SHA-256.
func hashAsset(dir, name, mediaType string) (asset, error) {
	path := filepath.Join(dir, name)
	sum, n, err := dist.FileSHA256(path)
	if err != nil {
		return asset{}, err
	}
	return asset{Name: name, Path: path, Size: n, SHA256: sum, MediaType: mediaType}, nil
}

// sortErrs orders errs by message so reports are deterministic.
func sortErrs(errs []error) {
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
}

// releaseBody renders the release description from the manifest.
func releaseBody(d *distContents) string {
	var b strings.Builder
	b.WriteString("Go race detector runtime objects built by racesyso.\n\n")
	if s := d.Manifest.Source; s.Commit != "" {
		fmt.Fprintf(&b, "Source: %s at %s", s.URL, s.Commit)
		if s.SVNRevision != 0 {
			fmt.Fprintf(&b, " (svn r%d)", s.SVNRevision)
		}
		b.WriteString("\n\n")
	}
	if len(d.Manifest.Patches) > 0 {
		fmt.Fprintf(&b, "Patch series: %d patches (%s, installed next to each object by `mage installGoroot`).\n\n", len(d.Manifest.Patches), dist.SeriesFile)
	}
	for _, goos := range targetOSes {
		t, ok := d.Manifest.Targets[goos]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "- `%s` sha256 `%s`", t.Object, t.SHA256)
		if t.Compiler != "" {
			fmt.Fprintf(&b, " (%s %s)", t.Compiler, t.CompilerVersion)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nCheck downloads with `sha256sum -c SHA256SUMS`.\n")
	return b.String()
}
