// Package dist is dist/'s layout: what a build consumed and produced
// (dist/manifest.json) and the checksums in the form `sha256sum -c` reads
// (dist/SHA256SUMS).
package dist

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/atomicfile"
)

// File names inside dist/.
const (
	FileName = "manifest.json"
	SumsName = "SHA256SUMS"
)

// Manifest is dist/manifest.json.
type Manifest struct {
	// Profile is the source profile the objects were built from
	// (RACESYSO_PROFILE); empty in manifests older than profiles, which
	// are perp-2016's.
	Profile string  `json:"profile,omitempty"`
	Source  Source  `json:"source"`
	Series  string  `json:"series_sha256"`
	Patches []Patch `json:"patches"`
	// Extra are the patches applied after the profile's series
	// (RACESYSO_LLVM_PATCH, a GOROOT's .patch file), also in Patches.
	Extra   []Patch          `json:"extra_patches,omitempty"`
	Targets map[string]Built `json:"targets"`
	Verify  *VerifySummary   `json:"verify,omitempty"`
}

// Source is where compiler-rt came from.
type Source struct {
	// Kind is the source kind (internal/source): git, llvm-project or
	// debian-source; empty in older manifests (git or debian-source).
	Kind        string `json:"kind,omitempty"`
	URL         string `json:"url"`
	Commit      string `json:"commit"`
	SVNRevision int    `json:"svn_revision"`
	// Package, Version, Archive and ArchiveSHA256 name a source archive
	// (the llvm-19 profile: a Debian source package's orig tarball).
	Package       string `json:"package,omitempty"`
	Version       string `json:"version,omitempty"`
	Archive       string `json:"archive,omitempty"`
	ArchiveSHA256 string `json:"archive_sha256,omitempty"`
}

// DefaultProfile is the profile of a manifest that names none.
const DefaultProfile = "perp-2016"

// ProfileName is m's profile, DefaultProfile when it names none.
func (m *Manifest) ProfileName() string {
	if m.Profile == "" {
		return DefaultProfile
	}
	return m.Profile
}

// Patch is one applied patch.
type Patch struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Built is one built object: what manifest.json records of it (targets.Target
// is the targets table's entry it was built from).
type Built struct {
	Object          string   `json:"object"`
	SHA256          string   `json:"sha256"`
	Size            int64    `json:"size"`
	Compiler        string   `json:"compiler"`
	CompilerVersion string   `json:"compiler_version"`
	Command         []string `json:"command"`
	Flags           []string `json:"flags"`
	InputKey        string   `json:"input_key"`
	Smoke           string   `json:"smoke"`
	SmokeRan        bool     `json:"smoke_ran"`
}

// VerifySummary is what `mage verify` concluded.
type VerifySummary struct {
	OK      bool   `json:"ok"` // no check failed
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"` // checks not run: nothing proved
	Report  string `json:"report"`
}

// Read loads dir/manifest.json; a missing file gives an empty manifest and
// no error.
func Read(dir string) (*Manifest, error) {
	m := &Manifest{Targets: map[string]Built{}}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FileName), err)
	}
	if m.Targets == nil {
		m.Targets = map[string]Built{}
	}
	return m, nil
}

// Write writes dir/manifest.json and dir/SHA256SUMS atomically.
func (m *Manifest) Write(dir string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, FileName), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, SumsName), m.Sums(), 0o644)
}

// Sums is SHA256SUMS: "<hex>  <object>" lines sorted by file name.
func (m *Manifest) Sums() []byte {
	var lines []string
	for _, t := range m.Targets {
		lines = append(lines, t.SHA256+"  "+t.Object)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][66:] < lines[j][66:] })
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.Bytes()
}

// Inputs is a copy holding only what the build consumed (source, series,
// patches), with no targets.
func (m *Manifest) Inputs() *Manifest {
	return &Manifest{Profile: m.Profile, Source: m.Source, Series: m.Series, Patches: append([]Patch{}, m.Patches...), Extra: append([]Patch(nil), m.Extra...), Targets: map[string]Built{}}
}

// SameInputs reports whether o was built from the same inputs: the same
// commit (and SVN revision) with the same patch series. Where the source was
// fetched from (Source.URL) is not an input: the commit is pinned and
// checked by hash. What else determines an object (flags, compiler and its
// version) is per target, in each target's input key.
func (m *Manifest) SameInputs(o *Manifest) bool {
	return m.InputsDiff(o) == ""
}

// InputsDiff says how o's inputs differ from m's ("" when they do not).
func (m *Manifest) InputsDiff(o *Manifest) string {
	var d []string
	if m.ProfileName() != o.ProfileName() {
		d = append(d, fmt.Sprintf("profile %s, not %s", m.ProfileName(), o.ProfileName()))
	}
	if m.Source.ArchiveSHA256 != o.Source.ArchiveSHA256 {
		d = append(d, fmt.Sprintf("source archive %.12s, not %.12s", m.Source.ArchiveSHA256, o.Source.ArchiveSHA256))
	}
	if m.Source.Commit != o.Source.Commit || m.Source.SVNRevision != o.Source.SVNRevision {
		d = append(d, fmt.Sprintf("commit %.12s (r%d), not %.12s (r%d)", m.Source.Commit, m.Source.SVNRevision, o.Source.Commit, o.Source.SVNRevision))
	}
	if m.Series != o.Series {
		d = append(d, fmt.Sprintf("patch series %.12s, not %.12s", m.Series, o.Series))
	}
	return strings.Join(d, ", ")
}

// FileSHA256 hashes a file.
func FileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// CheckObjects verifies that every object the manifest lists exists in dir
// with the recorded sha256 and size. The error names the targets to rebuild.
func (m *Manifest) CheckObjects(dir string) error {
	var bad, goosBad []string
	for goos, t := range m.Targets {
		sum, n, err := FileSHA256(filepath.Join(dir, t.Object))
		switch {
		case errors.Is(err, os.ErrNotExist):
			bad = append(bad, fmt.Sprintf("%s: %s is missing", goos, t.Object))
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s: %v", goos, err))
		case sum != t.SHA256 || n != t.Size:
			bad = append(bad, fmt.Sprintf("%s: %s has sha256 %s (%d bytes), the manifest says %s (%d bytes)", goos, t.Object, sum, n, t.SHA256, t.Size))
		default:
			continue
		}
		goosBad = append(goosBad, goos)
	}
	sort.Strings(bad)
	sort.Strings(goosBad)
	if len(bad) > 0 {
		return fmt.Errorf("objects do not match %s: %s; rebuild them with `RACE_TARGETS=%s go run mage.go buildSyso` (for a downloaded release: download it again)",
			filepath.Join(dir, FileName), strings.Join(bad, "; "), strings.Join(goosBad, ","))
	}
	return nil
}

// The layout of dist/, besides FileName and SumsName.
const (
	// VerifyFile is the report verify writes; a build that changes an
	// object withdraws it.
	VerifyFile = "verify.json"
	// HistoryFile is what history writes (Go's releases with the objects).
	HistoryFile = "history.json"
	// BenchFile is what bench writes (the race workload's wall times).
	BenchFile = "bench.json"
	// ReportFile and ReportMarkdownFile are the report drawn from
	// VerifyFile and HistoryFile (internal/report).
	ReportFile         = "report.html"
	ReportMarkdownFile = "report.md"
	// SeriesFile is the applied patch series, concatenated; installGoroot
	// writes it next to each object, as Go does with its .patch files.
	SeriesFile = "racesyso.patch"
)

// Findings are the files of dist/ that speak for its objects: a build that
// changes an object withdraws them all.
var Findings = []string{VerifyFile, HistoryFile, BenchFile, ReportFile, ReportMarkdownFile}

// ObjectName is the file name of a target's object in dist/: Go's
// racebuild's race_<goos>_amd64.syso for a GOAMD64=v1 object,
// race_<goos>_amd64_<level>.syso for a target <goos>-<level> (linux-v3).
func ObjectName(target string) string {
	goos, level, ok := strings.Cut(target, "-")
	if ok {
		return "race_" + goos + "_amd64_" + level + ".syso"
	}
	return "race_" + goos + "_amd64.syso"
}
