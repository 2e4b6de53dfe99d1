package pipeline

import (
	"fmt"
	"path/filepath"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/targets"
)

// Base returns a context for the base (pre-split) runtime: its own
// checkout, build and dist directories under .build/base/, and the series
// cut at patch.BaseMarker. Verification builds it to compare against.
func (c *Context) Base() *Context {
	b := *c
	dir := filepath.Join(c.BuildDir, "base")
	if c.Profile() != targets.DefaultProfile {
		// The base stays perp-2016's pre-split object (the leak judge's
		// negative control), in that profile's .build/base/, built with
		// its patches/.
		dir = filepath.Join(filepath.Dir(c.BuildDir), "base")
		b.PatchesDir = ProfileDirs(c.Root, targets.DefaultProfile).Patches
		b.Spec, b.Archive = targets.Spec{}, nil
	}
	b.WorkTree = filepath.Join(dir, "compiler-rt")
	b.BuildDir = filepath.Join(dir, "build")
	b.DistDir = filepath.Join(dir, "dist")
	b.Source.WorkTree = b.WorkTree
	b.LockFile = c.lockFile() // .build/ is the project's
	b.baseOnly = true
	return &b
}

// BuildBaseObject checks out, patches and builds the base object for goos
// (content-addressed like every build: a second call compiles nothing) and
// returns its path.
func (c *Context) BuildBaseObject(goos string) (string, error) {
	b := c.Base()
	b.Targets = []string{goos}
	fmt.Fprintf(c.Log, "base: building the pre-split %s object in %s\n", goos, b.DistDir)
	for _, stage := range []func() error{b.Checkout, b.Patch, b.BuildSyso} {
		if err := stage(); err != nil {
			return "", fmt.Errorf("building the base object: %w", err)
		}
	}
	return filepath.Join(b.DistDir, dist.ObjectName(goos)), nil
}

// series is the context's series: the whole one, or its base part.
func (c *Context) series() (*patch.Series, error) {
	s, err := patch.ParseSeries(c.PatchesDir)
	if err != nil {
		return nil, err
	}
	if c.baseOnly {
		return s.Base(), nil
	}
	return s, nil
}
