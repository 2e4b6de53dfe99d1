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
	Log        io.Writer
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
	c := &Context{
		Root: root, WorkTree: filepath.Join(root, "compiler-rt"), PatchesDir: filepath.Join(root, "patches"),
		BuildDir: filepath.Join(root, ".build"), DistDir: filepath.Join(root, "dist"), Targets: cfg.Targets, Log: os.Stdout,
		LockFile: filepath.Join(root, LockName), Config: cfg,
	}
	c.Source = source.NewOptions(cfg.CompilerRTURL, cfg.CacheDir, c.WorkTree, c.Log)
	return c, nil
}

// FindRoot is the racesyso checkout around the working directory.
func FindRoot() (string, error) { return gotool.ModuleRoot() }

// Series parses patches/series (its base part for a Base context).
func (c *Context) Series() (*patch.Series, error) { return c.series() }

// Checkout is the checkout stage.
func (c *Context) Checkout() error {
	return c.Locked("checkout", func() error { return source.Checkout(c.Source) })
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
	return patch.Apply(c.WorkTree, s, c.Source.Pin.Paths, c.Log)
}

// BuildSyso is the build stage: every target's object into dist/.
func (c *Context) BuildSyso() error { return c.Locked("buildSyso", c.buildSyso) }

func (c *Context) buildSyso() error {
	m, err := c.baseManifest()
	if err != nil {
		return err
	}
	s, err := c.Series()
	if err != nil {
		return err
	}
	// The applied series travels with the objects: installGoroot writes it
	// next to each one, as Go does with its .patch files.
	if err := atomicfile.Write(filepath.Join(c.DistDir, dist.SeriesFile), s.Concat(), 0o644); err != nil {
		return err
	}
	return compile.Build(compile.Options{WorkTree: c.WorkTree, BuildDir: c.BuildDir, DistDir: c.DistDir, Targets: c.Targets, Manifest: m, Log: c.Log, Compilers: c.Config.Compilers})
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
		Source: dist.Source{URL: url, Commit: c.Source.Pin.Commit, SVNRevision: c.Source.Pin.SVNRevision},
		Series: s.Digest(), Targets: map[string]dist.Target{},
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
