package pipeline

import (
	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/release"
	"github.com/racesyso/racesyso/internal/verify"
)

// InstallGoroot installs the objects of dist/ (or of RACESYSO_FROM, a
// directory holding a downloaded release) into root, refusing objects that
// lack what root's runtime imports.
func (c *Context) InstallGoroot(root string) error {
	from := c.DistDir
	if c.Config.From != "" {
		from = c.Config.From
	}
	return c.install(root, from, nil)
}

// installInto installs dist/'s objects for goos into root.
func (c *Context) installInto(root string, goos []string) error {
	return c.install(root, c.DistDir, goos)
}

func (c *Context) install(root, from string, goos []string) error {
	return c.Locked("installGoroot "+root, func() error {
		return goroot.Install(goroot.InstallOptions{
			GOROOT: root, From: from, GOOS: goos, Log: c.Log,
			Missing: func(object, goos, root string) ([]string, error) { return verify.MissingSymbols(object, root) },
		})
	})
}

// Release publishes dist/ as the release of tag.
func (c *Context) Release(tag string) error {
	return c.Locked("release "+tag, func() error {
		return release.Run(c.ctx(), release.Options{
			Tag: tag, DistDir: c.DistDir, Out: c.Log,
			DryRun: c.Config.ReleaseDryRun, Force: c.Config.ReleaseForce,
			Getenv: func(k string) string { return c.Config.GitHub[k] },
		})
	})
}

// UninstallGoroot restores what installGoroot replaced in root and removes
// what it added.
func (c *Context) UninstallGoroot(root string) error { return goroot.Uninstall(root, c.Log) }
