//go:build mage

// Targets of racesyso. The targets of one mage run share one
// pipeline.Context (pipeline.Session) and the project's lock, taken once;
// each calls one stage, and the work lives in the packages. Every target
// takes mage's context.Context: Ctrl-C and `mage -t` cancel it, which stops
// the running tools and leaves every directory whole.
package main

import (
	"context"
	"strings"

	"github.com/magefile/mage/mg"

	"github.com/racesyso/racesyso/internal/pipeline"
)

// Tools installs the toolchains every target needs (scripts/install-tools.sh).
func Tools(ctx context.Context) error { return unlocked(ctx, (*pipeline.Context).Tools) }

// Checkout makes the profile's work tree (compiler-rt/) hold its pinned
// source, verified, via the cache (after tools).
func Checkout(ctx context.Context) error {
	mg.CtxDeps(ctx, Tools)
	return stage(ctx, "checkout", (*pipeline.Context).Checkout)
}

// Patch applies the profile's series (and RACESYSO_LLVM_PATCH) to its work
// tree (after checkout; a no-op when already applied).
func Patch(ctx context.Context) error {
	mg.SerialCtxDeps(ctx, Checkout)
	return stage(ctx, "patch", (*pipeline.Context).Patch)
}

// BuildSyso builds and smoke-tests dist/race_<os>_amd64.syso for RACE_TARGETS
// (after tools, checkout and patch; compiles nothing that is up to date).
func BuildSyso(ctx context.Context) error {
	mg.SerialCtxDeps(ctx, Patch)
	return stage(ctx, "buildSyso", (*pipeline.Context).BuildSyso)
}

// Clean removes the profile's work tree, scratch and dist directories
// (compiler-rt/, .build/ and dist/ for the default).
func Clean(ctx context.Context) error { return stage(ctx, "clean", (*pipeline.Context).Clean) }

// stage runs f on the run's context, holding the project's lock from the
// first stage of the run to its end: concurrent runs in one checkout go
// one after the other, and none slips in between two stages of another.
func stage(ctx context.Context, name string, f func(*pipeline.Context) error) error {
	c, err := pipeline.Session(ctx)
	if err != nil {
		return err
	}
	if err := c.Hold(name); err != nil {
		return err
	}
	return f(c)
}

// unlocked runs f on the run's context without the lock (f touches no
// project directory).
func unlocked(ctx context.Context, f func(*pipeline.Context) error) error {
	c, err := pipeline.Session(ctx)
	if err != nil {
		return err
	}
	return f(c)
}

// Verify checks every object in dist/ (format, ABI, imports, glibc floor,
// instruction set, harness, Go's race tests) and writes dist/verify.json,
// building first whatever is missing or stale; an interrupted verify is
// resumed by the next one from the stage it was in.
func Verify(ctx context.Context) error {
	mg.SerialCtxDeps(ctx, BuildSyso)
	return stage(ctx, "verify", (*pipeline.Context).Verify)
}

// History proves the objects in Go's releases from 1.6 to 1.26 (the list
// RACESYSO_HISTORY names; default the CI list) next to each release's shipped
// object and writes dist/history.json (after buildSyso).
func History(ctx context.Context) error {
	mg.SerialCtxDeps(ctx, BuildSyso)
	return stage(ctx, "history", (*pipeline.Context).History)
}

// Bench measures the race workload (internal/bench/suite.json: race test
// binaries of std packages, ours and shipped alternating, slot by slot)
// with dist/'s linux objects against the GOROOT's, and writes
// dist/bench.json and the report (after buildSyso). A report, not a check.
func Bench(ctx context.Context) error {
	mg.SerialCtxDeps(ctx, BuildSyso)
	return stage(ctx, "bench", (*pipeline.Context).Bench)
}

// Report renders dist/verify.json and dist/history.json into
// dist/report.html (inline SVG plots, no network) and dist/report.md;
// verify writes it at its end.
func Report(ctx context.Context) error { return stage(ctx, "report", (*pipeline.Context).Report) }

// InstallGoroot installs the objects of dist/ (or RACESYSO_FROM, a downloaded
// release) into the given GOROOT.
func InstallGoroot(ctx context.Context, goroot string) error {
	return stage(ctx, "installGoroot", func(c *pipeline.Context) error { return c.InstallGoroot(goroot) })
}

// UninstallGoroot restores what installGoroot replaced in the given GOROOT
// (its backups), removes what it added, and finishes any interrupted
// install or uninstall there first.
func UninstallGoroot(ctx context.Context, goroot string) error {
	return unlocked(ctx, func(c *pipeline.Context) error { return c.UninstallGoroot(goroot) })
}

// Release publishes dist/ as the GitHub release of tag (RELEASE_DRY_RUN=1
// prints the plan; RELEASE_FORCE=1 replaces differing assets).
func Release(ctx context.Context, tag string) error {
	return stage(ctx, "release", func(c *pipeline.Context) error { return c.Release(tag) })
}

// BuildTimes measures each target's compile alone against a full concurrent
// build (a report; dist/ is not touched), after patch.
func BuildTimes(ctx context.Context) error {
	mg.SerialCtxDeps(ctx, Patch)
	return stage(ctx, "buildTimes", (*pipeline.Context).BuildTimes)
}

// VerifyObjects runs the object checks on other objects: a comma list of
// files or directories (e.g. a GOROOT's src/runtime/race/internal/amd64v1).
func VerifyObjects(ctx context.Context, paths string) error {
	return unlocked(ctx, func(c *pipeline.Context) error { return c.VerifyObjects(strings.Split(paths, ",")) })
}
