package history

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/verify"
)

// Install puts our linux object from objDir (a dist/ directory: objects,
// manifest.json, racesyso.patch) into the release's GOROOT copy with
// goroot.Install, which knows the layouts of every release (race-dir before
// Go 1.20, internal/amd64v1 and amd64v3 from 1.20), then makes the release's
// go command link it: before Go 1.10 the go command never finds a standard
// package of a release stale, whatever its .syso holds, so the precompiled
// pkg/linux_amd64_race/runtime/race.a (holding the shipped object) is
// removed and reinstalled from the source tree.
func (e *Env) Install(ctx context.Context, objDir string, goos []string, log io.Writer) error {
	if err := goroot.Install(goroot.InstallOptions{
		GOROOT: e.GOROOT, From: objDir, GOOS: goos, Log: log,
		Missing: func(object, _, gr string) ([]string, error) { return verify.MissingSymbols(object, gr) },
	}); err != nil {
		return err
	}
	for _, g := range goos {
		if g == "linux" && e.Release.RebuildRace {
			return e.RebuildRaceArchive(ctx)
		}
	}
	return nil
}

// RebuildRaceArchive removes the precompiled runtime/race.a of the race
// build and installs it again from the GOROOT's sources (and .syso).
func (e *Env) RebuildRaceArchive(ctx context.Context) error {
	a := filepath.Join(e.GOROOT, "pkg", "linux_amd64_race", "runtime", "race.a")
	if err := os.Remove(a); err != nil && !os.IsNotExist(err) {
		return err
	}
	if out, err := e.Go(ctx, "", "install", "-race", "runtime/race"); err != nil {
		return fmt.Errorf("go install -race runtime/race in %s: %v\n%s", e.GOROOT, err, out)
	}
	if _, err := os.Stat(a); err != nil {
		return fmt.Errorf("go install -race runtime/race did not write %s: %w", a, err)
	}
	return nil
}

// ShippedObject is the path of the release's own linux object in a GOROOT
// (its backup once ours is installed), copied by SaveShipped before any
// install so the provenance check and the ABI table can read it.
func ShippedObject(gr, goos string) (string, error) {
	slots, err := goroot.Slots(gr, goos)
	if err != nil {
		return "", err
	}
	p := filepath.Join(gr, slots[0].Syso)
	if _, err := os.Stat(p + goroot.BackupSuffix); err == nil {
		return p + goroot.BackupSuffix, nil
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s ships no %s object (%s)", goroot.Version(gr), goos, slots[0].Syso)
	}
	return p, nil
}

// ObjectsIn lists dir's race_<goos>_amd64.syso objects by GOOS.
func ObjectsIn(dir string) map[string]string {
	m, _ := filepath.Glob(filepath.Join(dir, "race_*_amd64.syso"))
	out := map[string]string{}
	for _, p := range m {
		out[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "race_"), "_amd64.syso")] = p
	}
	return out
}
