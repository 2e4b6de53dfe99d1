package pipeline

import (
	"fmt"
	"path/filepath"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/profile"
)

// Base returns a context for the base (pre-split) runtime: its own
// checkout, build and dist directories under .build/base/, and the series
// cut at patch.BaseMarker. Verification builds it to compare against. The
// base is always the default profile's pre-split object (the leak judge's
// negative control), built in that profile's .build/base/.
func (c *Context) Base() (*Context, error) {
	b := *c
	dir := filepath.Join(c.BuildDir, "base")
	if c.Profile() != profile.Default {
		p, err := profile.Load(c.Root, profile.Default, profile.Options{})
		if err != nil {
			return nil, err
		}
		b.Prof = p
		dir = filepath.Join(p.Abs(c.Root).Build, "base")
	}
	b.WorkTree = filepath.Join(dir, "compiler-rt")
	b.BuildDir = filepath.Join(dir, "build")
	b.DistDir = filepath.Join(dir, "dist")
	b.LockFile = c.lockFile() // .build/ is the project's
	b.baseOnly = true
	return &b, nil
}

// BuildBaseObject checks out, patches and builds the base object for goos
// (content-addressed like every build: a second call compiles nothing) and
// returns its path.
func (c *Context) BuildBaseObject(goos string) (string, error) {
	b, err := c.Base()
	if err != nil {
		return "", err
	}
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
	if c.baseOnly {
		s, err := patch.ParseSeries(c.Prof.Dir)
		if err != nil {
			return nil, err
		}
		return s.Base(), nil
	}
	return c.Prof.Series()
}
