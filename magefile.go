//go:build mage

// Targets of racesyso. Each one builds a pipeline.Context and calls one stage;
// the work lives in the packages.
package main

import (
	"strings"

	"github.com/magefile/mage/mg"

	"github.com/racesyso/racesyso/internal/pipeline"
)

// Tools installs the toolchains every target needs (scripts/install-tools.sh).
func Tools() error { return unlocked((*pipeline.Context).Tools) }

// Checkout makes the profile's work tree (compiler-rt/) hold its pinned
// source, verified, via the cache (after tools).
func Checkout() error {
	mg.Deps(Tools)
	return stage("checkout", (*pipeline.Context).Checkout)
}

// Patch applies the profile's series (and RACESYSO_LLVM_PATCH) to its work
// tree (after checkout; a no-op when already applied).
func Patch() error {
	mg.SerialDeps(Checkout)
	return stage("patch", (*pipeline.Context).Patch)
}

// BuildSyso builds and smoke-tests dist/race_<os>_amd64.syso for RACE_TARGETS
// (after tools, checkout and patch; compiles nothing that is up to date).
func BuildSyso() error {
	mg.SerialDeps(Patch)
	return stage("buildSyso", (*pipeline.Context).BuildSyso)
}

// Clean removes the profile's work tree, scratch and dist directories
// (compiler-rt/, .build/ and dist/ for the default).
func Clean() error { return stage("clean", (*pipeline.Context).Clean) }

// stage runs f holding the project's lock: concurrent runs in one checkout
// go one after the other.
func stage(name string, f func(*pipeline.Context) error) error { return pipeline.Run(name, f) }

// unlocked runs f without the lock (f touches no project directory).
func unlocked(f func(*pipeline.Context) error) error {
	c, err := pipeline.New()
	if err != nil {
		return err
	}
	return f(c)
}

// Verify checks every object in dist/ (format, ABI, imports, glibc floor,
// instruction set, harness, Go's race tests) and writes dist/verify.json,
// building first whatever is missing or stale.
func Verify() error {
	mg.SerialDeps(BuildSyso)
	return stage("verify", (*pipeline.Context).Verify)
}

// History proves the objects in Go's releases from 1.6 to 1.26 (the list
// RACESYSO_HISTORY names; default the CI list) next to each release's shipped
// object and writes dist/history.json (after buildSyso).
func History() error {
	mg.SerialDeps(BuildSyso)
	return stage("history", (*pipeline.Context).History)
}

// Report renders dist/verify.json and dist/history.json into
// dist/report.html (inline SVG plots, no network) and dist/report.md;
// verify writes it at its end.
func Report() error { return stage("report", (*pipeline.Context).Report) }

// InstallGoroot installs the objects of dist/ (or RACESYSO_FROM, a downloaded
// release) into the given GOROOT.
func InstallGoroot(goroot string) error {
	return stage("installGoroot", func(c *pipeline.Context) error { return c.InstallGoroot(goroot) })
}

// UninstallGoroot restores what installGoroot replaced in the given GOROOT
// (its backups), removes what it added, and finishes any interrupted
// install or uninstall there first.
func UninstallGoroot(goroot string) error {
	return unlocked(func(c *pipeline.Context) error { return c.UninstallGoroot(goroot) })
}

// Release publishes dist/ as the GitHub release of tag (RELEASE_DRY_RUN=1
// prints the plan; RELEASE_FORCE=1 replaces differing assets).
func Release(tag string) error {
	return stage("release", func(c *pipeline.Context) error { return c.Release(tag) })
}

// BuildTimes measures each target's compile alone against a full concurrent
// build (a report; dist/ is not touched), after patch.
func BuildTimes() error {
	mg.SerialDeps(Patch)
	return stage("buildTimes", (*pipeline.Context).BuildTimes)
}

// VerifyObjects runs the object checks on other objects: a comma list of
// files or directories (e.g. a GOROOT's src/runtime/race/internal/amd64v1).
func VerifyObjects(paths string) error {
	return unlocked(func(c *pipeline.Context) error { return c.VerifyObjects(strings.Split(paths, ",")) })
}
