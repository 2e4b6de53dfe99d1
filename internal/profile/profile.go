// Package profile reads source profiles. A profile is one directory of data
// (patches/<name>/ in the project, or any directory given by its path):
//
//	profile.json          its name, its pinned source (one of the kinds of
//	                      internal/source), its output directories, whether
//	                      the history of Go releases applies
//	targets.json          its targets table (internal/targets' schema),
//	                      with its claims against Go's shipped objects
//	series, *.patch       its patch series
//	undefined_<goos>.txt  the imports each target's object may have
//
// Adding a profile adds a directory; no Go code names one but the default.
package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/source"
	"github.com/racesyso/racesyso/internal/targets"
)

// Default is RACESYSO_PROFILE's default.
const Default = "perp-2016"

// FileName is a profile directory's description.
const FileName = "profile.json"

// Profile is one source profile.
type Profile struct {
	Name    string `json:"name"`
	Comment string `json:"comment"`
	// LLVMMajor is the LLVM release the source belongs to (3 for the 2016
	// revision): how a GOROOT's LLVM commit finds the nearest profile.
	LLVMMajor int    `json:"llvm_major"`
	Source    Source `json:"source"`
	// Dirs are relative to the project; empty ones are derived from Name.
	Dirs Dirs `json:"dirs"`
	// History says whether the history stage (Go's releases since 1.6)
	// applies to the profile's objects.
	History bool `json:"history"`

	// Dir is the profile's directory (absolute).
	Dir string `json:"-"`
	// Spec is the profile's targets table.
	Spec targets.Spec `json:"-"`
	// BaseSeriesOnly: only the series' base part (before the base marker)
	// is applied, Extra replacing the rest (a GOROOT's own patch).
	BaseSeriesOnly bool `json:"-"`
	// Extra are patches applied after the series (RACESYSO_LLVM_PATCH, a
	// GOROOT's .patch file).
	Extra []patch.Patch `json:"-"`
	// ReferenceGOROOT, when set, is the GOROOT whose shipped objects verify
	// compares ours with (a goroot: profile's).
	ReferenceGOROOT string `json:"-"`
	// Notes say how the profile was derived (printed once).
	Notes []string `json:"-"`
}

// Dirs are where a profile's source, scratch space and outputs live.
type Dirs struct {
	WorkTree string `json:"work_tree"`
	Build    string `json:"build"`
	Dist     string `json:"dist"`
}

// Source is a profile's pinned source: Git for the kinds "git" and
// "llvm-project", Archive for "debian-source".
type Source struct {
	Kind    string
	Git     *source.Pin
	Archive *source.ArchivePin
}

// UnmarshalJSON reads the kind, then the kind's fields, refusing unknown
// ones.
func (s *Source) UnmarshalJSON(b []byte) error {
	var k struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &k); err != nil {
		return err
	}
	s.Kind = k.Kind
	switch k.Kind {
	case source.KindGit, source.KindLLVMProject:
		s.Git = &source.Pin{}
		return strict(b, s.Git)
	case source.KindDebian:
		var a struct {
			Kind string `json:"kind"`
			source.ArchivePin
		}
		if err := strict(b, &a); err != nil {
			return err
		}
		s.Archive = &a.ArchivePin
		return nil
	}
	return fmt.Errorf("source.kind: %q is not a source kind (%s, %s or %s)", k.Kind, source.KindGit, source.KindLLVMProject, source.KindDebian)
}

// MarshalJSON writes the kind's fields.
func (s Source) MarshalJSON() ([]byte, error) {
	if s.Archive != nil {
		return json.Marshal(struct {
			Kind string `json:"kind"`
			source.ArchivePin
		}{s.Kind, *s.Archive})
	}
	return json.Marshal(s.Git)
}

func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

var commitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)

// check names the first field of the source that is missing or malformed.
func (s Source) check() error {
	if s.Archive != nil {
		return s.Archive.Check()
	}
	if s.Git == nil {
		return errors.New("source: missing")
	}
	switch {
	case s.Git.URL == "":
		return errors.New("source.url is missing")
	case !commitRe.MatchString(s.Git.Commit):
		return fmt.Errorf("source.commit: %q is not a full commit hash (40 hex digits)", s.Git.Commit)
	case len(s.Git.Paths) == 0:
		return errors.New("source.paths is missing")
	}
	return nil
}

// ProfilesDir is where a project keeps its profiles.
func ProfilesDir(root string) string { return filepath.Join(root, "patches") }

// Names are the profiles of the project at root, the default first.
func Names(root string) []string {
	dirs, _ := filepath.Glob(filepath.Join(ProfilesDir(root), "*", FileName))
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Base(filepath.Dir(d)))
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == Default) != (out[j] == Default) {
			return out[i] == Default
		}
		return out[i] < out[j]
	})
	return out
}

// Load is the profile RACESYSO_PROFILE names in the project at root: a
// profile's name (patches/<name>/), the path of a profile directory, or
// goroot:<GOROOT> (FromGOROOT, which needs the cache: see Options). "" is
// the default.
func Load(root, arg string, o Options) (*Profile, error) {
	if arg == "" {
		arg = Default
	}
	if g, ok := strings.CutPrefix(arg, "goroot:"); ok {
		return FromGOROOT(root, g, o)
	}
	if !strings.ContainsRune(arg, filepath.Separator) && !strings.HasPrefix(arg, ".") {
		dir := filepath.Join(ProfilesDir(root), arg)
		if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
			return LoadDir(dir)
		}
	}
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		return LoadDir(arg)
	}
	return nil, fmt.Errorf("RACESYSO_PROFILE=%q names neither a profile nor a profile directory: choose from %s, the path of a directory holding %s, or goroot:<GOROOT>", arg, strings.Join(Names(root), ", "), FileName)
}

// LoadDir reads the profile in dir and checks that every file it needs is
// there and well formed, naming the file and the field that is not.
func LoadDir(dir string) (*Profile, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(abs, FileName)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("profile directory %s: %w (a profile directory holds %s, targets.json, series and its patches)", abs, err, FileName)
	}
	p := &Profile{Dir: abs}
	if err := strict(data, p); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if p.Name == "" {
		return nil, fmt.Errorf("%s: name is missing", file)
	}
	if err := p.Source.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if p.Source.Archive != nil {
		p.Source.Archive.Profile = p.Name
	}
	if p.Dirs == (Dirs{}) {
		p.Dirs = Dirs{WorkTree: "compiler-rt-" + p.Name, Build: filepath.Join(".build", p.Name), Dist: "dist-" + p.Name}
	}
	tfile := filepath.Join(abs, "targets.json")
	tdata, err := os.ReadFile(tfile)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	if p.Spec, err = targets.Decode(tdata, tfile); err != nil {
		return nil, err
	}
	p.Spec.Profile = p.Name
	if _, err := patch.ParseSeries(abs); err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	for _, t := range p.Spec.Targets {
		if t.Unsupported != "" {
			continue
		}
		if _, err := os.Stat(p.AllowlistFile(t.GOOS)); err != nil {
			return nil, fmt.Errorf("profile %s: %w (every target of targets.json needs its import allowlist)", p.Name, err)
		}
	}
	return p, nil
}

// AllowlistFile is the file of the imports goos's object may have.
func (p *Profile) AllowlistFile(goos string) string {
	return filepath.Join(p.Dir, "undefined_"+goos+".txt")
}

// Abs are p's directories in the project at root.
func (p *Profile) Abs(root string) Dirs {
	j := func(d string) string {
		if filepath.IsAbs(d) {
			return d
		}
		return filepath.Join(root, d)
	}
	return Dirs{j(p.Dirs.WorkTree), j(p.Dirs.Build), j(p.Dirs.Dist)}
}

// Series is the patch series p applies: its series (or the series' base
// part), then the extra patches.
func (p *Profile) Series() (*patch.Series, error) {
	s, err := patch.ParseSeries(p.Dir)
	if err != nil {
		return nil, err
	}
	if p.BaseSeriesOnly {
		s = s.Base()
	}
	return s.With(p.Extra...), nil
}

// TreePaths are the work tree's top-level source paths (what the patch
// stage resets).
func (p *Profile) TreePaths() []string {
	if p.Source.Archive != nil {
		return p.Source.Archive.TreePaths()
	}
	return source.TreePaths(p.Source.Git.Paths, p.Source.Git.Prefix())
}

// Options are what a profile may be changed by at run time.
type Options struct {
	// LLVMRev (RACESYSO_LLVM_REV) replaces the source with llvm-project at
	// that commit, keeping the series and tables.
	LLVMRev string
	// LLVMURL (RACESYSO_LLVM_URL) is where llvm-project comes from.
	LLVMURL string
	// LLVMPatch (RACESYSO_LLVM_PATCH) is applied after the series.
	LLVMPatch string
	// CacheDir is RACESYSO_CACHE (a goroot: profile fetches the commit to
	// find the nearest profile).
	CacheDir string
	// Targets are the targets to build (a goroot: profile needs a README
	// line for each).
	Targets []string
}

// Apply changes p as o says, before anything is fetched: another commit of
// llvm-project, an extra patch.
func (p *Profile) Apply(o Options) error {
	if o.LLVMRev != "" {
		if !commitRe.MatchString(o.LLVMRev) {
			return fmt.Errorf("RACESYSO_LLVM_REV=%q: give a full llvm-project commit hash (40 hex digits; `git rev-parse <rev>` in llvm-project prints it)", o.LLVMRev)
		}
		p.Source = Source{Kind: source.KindLLVMProject, Git: &source.Pin{Kind: source.KindLLVMProject, URL: source.DefaultLLVMURL, Commit: o.LLVMRev, Paths: source.LLVMPaths}}
		p.Notes = append(p.Notes, fmt.Sprintf("profile %s: source replaced by llvm-project at %s (RACESYSO_LLVM_REV); its series and tables are kept", p.Name, o.LLVMRev))
	}
	if p.Source.Kind == source.KindLLVMProject && o.LLVMURL != "" {
		p.Source.Git.URL = o.LLVMURL
	}
	if o.LLVMPatch != "" {
		x, err := patch.ReadExtra(o.LLVMPatch)
		if err != nil {
			return fmt.Errorf("RACESYSO_LLVM_PATCH: %w", err)
		}
		p.Extra = append(p.Extra, x)
	}
	return nil
}

// Known are the profiles of the project at root that a GOROOT's LLVM
// commit can borrow tables from (those with an LLVM release).
func Known(root string) []*Profile {
	var out []*Profile
	for _, n := range Names(root) {
		if p, err := LoadDir(filepath.Join(ProfilesDir(root), n)); err == nil && p.LLVMMajor > 0 {
			out = append(out, p)
		}
	}
	return out
}

// Nearest is the known profile whose LLVM release is nearest major (the
// older one on a tie); major 0 (unknown) takes the newest.
func Nearest(known []*Profile, major int) *Profile {
	var best *Profile
	for _, p := range known {
		switch {
		case best == nil:
			best = p
		case major == 0:
			if p.LLVMMajor > best.LLVMMajor {
				best = p
			}
		default:
			d, bd := abs(p.LLVMMajor-major), abs(best.LLVMMajor-major)
			if d < bd || d == bd && p.LLVMMajor < best.LLVMMajor {
				best = p
			}
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Check reads every profile of the project, for tests and tables.
func Check(root string) error {
	var errs []error
	for _, n := range Names(root) {
		if _, err := LoadDir(filepath.Join(ProfilesDir(root), n)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// InProject is the named profile of the racesyso checkout around the
// working directory (tests, and tools run from the checkout).
func InProject(name string) (*Profile, error) {
	root, err := gotool.ModuleRoot()
	if err != nil {
		return nil, err
	}
	return Load(root, name, Options{})
}

// Table is the project's profiles as the Markdown table README shows
// (TestREADMEProfileTable checks it).
func Table(root string) (string, error) {
	var b strings.Builder
	b.WriteString("| profile | source | series | outputs | history | claim against Go's shipped objects |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, n := range Names(root) {
		p, err := LoadDir(filepath.Join(ProfilesDir(root), n))
		if err != nil {
			return "", err
		}
		s, err := p.Series()
		if err != nil {
			return "", err
		}
		var src string
		switch p.Source.Kind {
		case source.KindDebian:
			a := p.Source.Archive
			src = fmt.Sprintf("Debian source package `%s` %s (%s), orig tarball sha256 `%.12s…`", a.Package, a.Version, a.Suite, a.OrigSHA256)
		case source.KindLLVMProject:
			src = fmt.Sprintf("llvm-project at `%.12s`", p.Source.Git.Commit)
		default:
			g := p.Source.Git
			src = fmt.Sprintf("git `%s` at `%.12s`", g.URL, g.Commit)
			if g.SVNRevision != 0 {
				src += fmt.Sprintf(" (r%d)", g.SVNRevision)
			}
		}
		history := "no"
		if p.History {
			history = "yes"
		}
		claim := "none (ratios reported)"
		if sp := p.Spec.ShippedParity; sp != nil && sp.SyncLeakPeakRSS > 0 {
			claim = fmt.Sprintf("BenchmarkSyncLeak peak RSS within %.2fx", sp.SyncLeakPeakRSS)
		}
		fmt.Fprintf(&b, "| `%s` | %s | `patches/%s/series`: %d patches (%d before the base marker) | `%s/`, `%s/`, `%s/` | %s | %s |\n",
			p.Name, src, n, len(s.Patches), s.BaseLen, p.Dirs.WorkTree, p.Dirs.Build, p.Dirs.Dist, history, claim)
	}
	return b.String(), nil
}
