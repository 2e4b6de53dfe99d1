// Package pipeline holds the build context every stage works from: where the
// project, the compiler-rt checkout, the build scratch space and dist/ are,
// which targets to build, and where progress goes. A mage run makes one
// (Session), shared by all its targets, and hands it to the stage packages
// (source, patch, compile, verify, racetest, goroot, history, release).
package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/lockfile"

	"github.com/racesyso/racesyso/internal/racetest"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/compile"
	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/source"
	"github.com/racesyso/racesyso/internal/targets"
)

// Context is the shared state of one run.
type Context struct {
	Root     string // the project: where go.mod is
	WorkTree string // compiler-rt/ (the profile's work tree)
	BuildDir string // .build/
	DistDir  string // dist/
	Targets  []string
	// Prof is the source profile the run builds (RACESYSO_PROFILE): its
	// source, series and tables.
	Prof *profile.Profile
	Log  io.Writer
	// Config is the run's configuration, read once from the environment.
	Config config.Config
	// LockFile serialises the runs that share these directories; empty
	// means .racesyso.lock next to DistDir.
	LockFile string
	// Runs remembers the race-test runs of this process: a suite run for
	// one object in one Go release runs once (verify's goroot and history
	// stages).
	Runs *racetest.Runs
	// Ctx is the run's context.Context: cancelled by Ctrl-C or mage -t,
	// it stops the running tools (nil: context.Background()).
	Ctx      context.Context
	baseOnly bool           // build the base (pre-split) series only; see Base
	locked   int            // Locked calls in progress on this context
	held     *lockfile.Lock // the lock held for the rest of the process (Hold)
}

// New makes the context for the project in the current directory (or the
// nearest parent holding go.mod), with the configuration read once from the
// environment (internal/config) and the profile it names.
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
	c.Runs = racetest.NewRuns(c.Log)
	if err := c.UseProfile(cfg.Profile); err != nil {
		return nil, err
	}
	d := c.Prof.Abs(root)
	c.WorkTree, c.BuildDir, c.DistDir = d.WorkTree, d.Build, d.Dist
	if !cfg.TargetsGiven {
		c.Targets = c.Prof.Spec.IDs()
	}
	for _, t := range c.Targets {
		if _, err := c.Prof.Spec.Get(t); err != nil {
			return nil, fmt.Errorf("RACE_TARGETS: %w (profile %s)", err, c.Profile())
		}
	}
	return c, nil
}

// UseProfile makes c build the profile RACESYSO_PROFILE-style arg names (a
// name, a directory, goroot:<GOROOT>), changed as the configuration says
// (RACESYSO_LLVM_REV, RACESYSO_LLVM_URL, RACESYSO_LLVM_PATCH). c's
// directories are left as they are.
func (c *Context) UseProfile(arg string) error {
	o := profile.Options{LLVMRev: c.Config.LLVMRev, LLVMURL: c.Config.LLVMURL, LLVMPatch: c.Config.LLVMPatch, CacheDir: c.Config.CacheDir, Targets: c.Targets}
	if len(o.Targets) == 0 {
		o.Targets = targets.All()
	}
	p, err := profile.Load(c.Root, arg, o)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(arg, "goroot:") {
		if err := p.Apply(o); err != nil {
			return err
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintln(c.logw(), n)
	}
	c.Prof = p
	return nil
}

func (c *Context) logw() io.Writer {
	if c.Log == nil {
		return io.Discard
	}
	return c.Log
}

// ctx is the run's context.Context.
func (c *Context) ctx() context.Context {
	if c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}

// Profile is the name of the profile c builds.
func (c *Context) Profile() string { return c.Prof.Name }

// spec is the profile's targets table.
func (c *Context) spec() targets.Spec { return c.Prof.Spec }

// sourcePaths are the work tree's source paths (what the patch stage
// resets).
func (c *Context) sourcePaths() []string { return c.Prof.TreePaths() }

// GitSource is the profile's git source (nil for another kind), fetched
// from COMPILER_RT_URL for a compiler-rt repository.
func (c *Context) GitSource() *source.Options {
	g := c.Prof.Source.Git
	if g == nil {
		return nil
	}
	o := &source.Options{Pin: *g, CacheDir: c.Config.CacheDir, WorkTree: c.WorkTree, Log: c.logw()}
	if g.Kind == source.KindGit {
		o.URL = c.Config.CompilerRTURL
	}
	return o
}

// ArchiveSource is the profile's Debian source package (nil for another
// kind).
func (c *Context) ArchiveSource() *source.ArchiveOptions {
	a := c.Prof.Source.Archive
	if a == nil {
		return nil
	}
	return &source.ArchiveOptions{Pin: *a, CacheDir: c.Config.CacheDir, WorkTree: c.WorkTree, Log: c.logw()}
}

// SourceAvailable reports whether the checkout can work without the
// network, and says which source it would use or why not.
func (c *Context) SourceAvailable() (bool, string) {
	if a := c.ArchiveSource(); a != nil {
		return source.ArchiveAvailable(*a)
	}
	return source.Available(*c.GitSource())
}

// FindRoot is the racesyso checkout around the working directory.
func FindRoot() (string, error) { return gotool.ModuleRoot() }

// Series is the profile's patch series (its base part for a Base context).
func (c *Context) Series() (*patch.Series, error) { return c.series() }

// Checkout is the checkout stage.
func (c *Context) Checkout() error {
	return c.Locked("checkout", func() error {
		if a := c.ArchiveSource(); a != nil {
			return source.CheckoutArchive(*a)
		}
		return source.Checkout(*c.GitSource())
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
		return nil, fmt.Errorf("%s does not carry the series of %s as it is now: run `go run mage.go checkout patch` first", c.WorkTree, c.Prof.Dir)
	}
	m := &dist.Manifest{Profile: c.Profile(), Series: s.Digest(), Targets: map[string]dist.Built{}}
	if a := c.ArchiveSource(); a != nil {
		m.Source = a.Pin.Source()
	} else {
		g := c.GitSource()
		url := g.URL
		if url == "" {
			url = g.Pin.URL
		}
		m.Source = dist.Source{Kind: g.Pin.Kind, URL: url, Commit: g.Pin.Commit, SVNRevision: g.Pin.SVNRevision}
	}
	for _, p := range s.Patches {
		m.Patches = append(m.Patches, dist.Patch{Name: p.Name, SHA256: p.SHA256})
	}
	for _, p := range c.Prof.Extra {
		m.Extra = append(m.Extra, dist.Patch{Name: p.Name, SHA256: p.SHA256})
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
