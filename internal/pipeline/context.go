// Package pipeline holds the build context every stage works from: where the
// project, the compiler-rt checkout, the build scratch space and dist/ are,
// which targets to build, and where progress goes. Each mage target creates
// one with New and hands it to the stage packages (source, patch, build,
// verify, goroot, release).
package pipeline

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/compile"
	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/source"
	"github.com/racesyso/racesyso/internal/targets"
)

// Context is the shared state of one run.
type Context struct {
	Root       string // the project: where go.mod is
	WorkTree   string // compiler-rt/
	PatchesDir string // patches/
	BuildDir   string // .build/
	DistDir    string // dist/
	Targets    []string
	Source     source.Options
	// Spec is the profile's targets table; zero means perp-2016's.
	Spec targets.Spec
	// Archive is set for a profile whose source is an archive (llvm-19):
	// checkout extracts it instead of checking out Source.
	Archive *source.ArchiveOptions
	Log     io.Writer
	// Config is the run's configuration, read once from the environment.
	Config config.Config
	// LockFile serialises the runs that share these directories; empty
	// means .racesyso.lock next to DistDir.
	LockFile string
	baseOnly bool // build the base (pre-split) series only; see Base
	locked   int  // Locked calls in progress on this context
}

// New makes the context for the project in the current directory (or the
// nearest parent holding go.mod), with the configuration read once from the
// environment (internal/config).
func New() (*Context, error) {
	root, err := FindRoot()
	if err != nil {
		return nil, err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	c := &Context{Root: root, Targets: cfg.Targets, Log: os.Stdout, LockFile: filepath.Join(root, LockName), Config: cfg}
	d := ProfileDirs(root, cfg.Profile)
	c.WorkTree, c.PatchesDir, c.BuildDir, c.DistDir = d.WorkTree, d.Patches, d.Build, d.Dist
	c.Source = source.NewOptions(cfg.CompilerRTURL, cfg.CacheDir, c.WorkTree, c.Log)
	if err := c.UseProfile(cfg.Profile); err != nil {
		return nil, err
	}
	return c, nil
}

// Dirs are a profile's directories in a project.
type Dirs struct{ WorkTree, Patches, Build, Dist string }

// ProfileDirs are where a profile's source, patches, scratch space and
// outputs live in the project at root: perp-2016 keeps compiler-rt/,
// patches/, .build/, dist/; another profile p uses compiler-rt-p/,
// patches/p/, .build/p/, dist-p/, so the outputs of two profiles never mix.
func ProfileDirs(root, profile string) Dirs {
	if profile == "" || profile == targets.DefaultProfile {
		return Dirs{filepath.Join(root, "compiler-rt"), filepath.Join(root, "patches"), filepath.Join(root, ".build"), filepath.Join(root, "dist")}
	}
	return Dirs{filepath.Join(root, "compiler-rt-"+profile), filepath.Join(root, "patches", profile), filepath.Join(root, ".build", profile), filepath.Join(root, "dist-"+profile)}
}

// UseProfile makes c build the given profile: its targets table and, for
// an archive profile, its source (into c.WorkTree, which must be set).
func (c *Context) UseProfile(name string) error {
	spec, err := targets.LoadProfile(name)
	if err != nil {
		return err
	}
	c.Spec = spec
	c.Archive = nil
	if spec.Profile == "llvm-19" {
		c.Archive = &source.ArchiveOptions{Pin: source.LLVM19Pin(), CacheDir: c.Config.CacheDir, WorkTree: c.WorkTree, Log: c.Log}
	}
	return nil
}

// Profile is the profile c builds.
func (c *Context) Profile() string {
	if c.Spec.Profile == "" {
		return targets.DefaultProfile
	}
	return c.Spec.Profile
}

// spec is the profile's targets table.
func (c *Context) spec() targets.Spec {
	if c.Spec.Profile == "" {
		return targets.Load()
	}
	return c.Spec
}

// sourcePaths are the work tree's source paths (what the patch stage
// resets).
func (c *Context) sourcePaths() []string {
	if c.Archive != nil {
		return c.Archive.Pin.TreePaths()
	}
	return c.Source.Pin.Paths
}

// FindRoot is the racesyso checkout around the working directory.
func FindRoot() (string, error) { return gotool.ModuleRoot() }

// Series parses patches/series (its base part for a Base context).
func (c *Context) Series() (*patch.Series, error) { return c.series() }

// Checkout is the checkout stage.
func (c *Context) Checkout() error {
	return c.Locked("checkout", func() error {
		if c.Archive != nil {
			o := *c.Archive
			o.WorkTree, o.Log = c.WorkTree, c.Log
			return source.CheckoutArchive(o)
		}
		return source.Checkout(c.Source)
	})
}

// Patch is the patch stage.
func (c *Context) Patch() error { return c.Locked("patch", c.patch) }

func (c *Context) patch() error {
	s, err := c.Series()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.WorkTree, ".git")); err != nil {
		return fmt.Errorf("no compiler-rt checkout at %s: run `go run mage.go checkout` first", c.WorkTree)
	}
	return patch.Apply(c.WorkTree, s, c.sourcePaths(), c.Log)
}

// BuildSyso is the build stage: every target's object into dist/.
func (c *Context) BuildSyso() error { return c.Locked("buildSyso", c.buildSyso) }

func (c *Context) buildSyso() error {
	m, err := c.baseManifest()
	if err != nil {
		return err
	}
	spec := c.spec()
	s, err := c.Series()
	if err != nil {
		return err
	}
	// The applied series travels with the objects: installGoroot writes it
	// next to each one, as Go does with its .patch files.
	if err := atomicfile.Write(filepath.Join(c.DistDir, dist.SeriesFile), s.Concat(), 0o644); err != nil {
		return err
	}
	return compile.Build(compile.Options{WorkTree: c.WorkTree, BuildDir: c.BuildDir, DistDir: c.DistDir, Targets: c.Targets, Manifest: m, Log: c.Log, Compilers: c.Config.Compilers, Spec: &spec})
}

// baseManifest records the inputs: the source and the applied series, after
// checking that the work tree carries exactly that series.
func (c *Context) baseManifest() (*dist.Manifest, error) {
	s, err := c.Series()
	if err != nil {
		return nil, err
	}
	if !patch.IsApplied(c.WorkTree, s) {
		return nil, fmt.Errorf("%s does not carry patches/series as it is now: run `go run mage.go checkout patch` first", c.WorkTree)
	}
	url := c.Source.URL
	if url == "" {
		url = c.Source.Pin.URL
	}
	m := &dist.Manifest{
		Profile: c.Profile(),
		Source:  dist.Source{URL: url, Commit: c.Source.Pin.Commit, SVNRevision: c.Source.Pin.SVNRevision},
		Series:  s.Digest(), Targets: map[string]dist.Target{},
	}
	if c.Archive != nil {
		m.Source = c.Archive.Pin.Source()
	}
	for _, p := range s.Patches {
		m.Patches = append(m.Patches, dist.Patch{Name: p.Name, SHA256: p.SHA256})
	}
	return m, nil
}

// Tools runs scripts/install-tools.sh, which installs every toolchain.
func (c *Context) Tools() error {
	cmd := exec.Command("bash", filepath.Join(c.Root, "scripts", "install-tools.sh"))
	cmd.Stdout, cmd.Stderr = c.Log, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("scripts/install-tools.sh: %w", err)
	}
	return nil
}

// Clean removes compiler-rt/, .build/ and dist/.
func (c *Context) Clean() error { return c.Locked("clean", c.clean) }

func (c *Context) clean() error {
	for _, d := range []string{c.WorkTree, c.BuildDir, c.DistDir} {
		fmt.Fprintf(c.Log, "clean: removing %s\n", d)
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}
