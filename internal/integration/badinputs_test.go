package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/profile"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/internal/toolchain"
)

// listed returns the targets manifest.json and SHA256SUMS list in dist,
// failing the test when the two disagree or an object does not match.
func listed(t *testing.T, distDir string) string {
	t.Helper()
	m, err := dist.Read(distDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckObjects(distDir); err != nil {
		t.Error(err)
	}
	var got []string
	for goos := range m.Targets {
		got = append(got, goos)
	}
	sort.Strings(got)
	sums, _ := os.ReadFile(filepath.Join(distDir, dist.SumsName))
	if n := strings.Count(string(sums), "\n"); n != len(got) {
		t.Errorf("SHA256SUMS has %d lines, manifest.json %d targets:\n%s", n, len(got), sums)
	}
	return strings.Join(got, ",")
}

// onShared returns a context for targets whose work tree is the shared,
// patched one (built objects for all four targets in its dist) and whose
// build and dist directories are its own. Hold integration.Locked while
// building, so that nothing patches the shared tree meanwhile.
func onShared(t *testing.T, goos ...string) *pipeline.Context {
	t.Helper()
	integration.Objects(t, targets.All()...)
	c := integration.ForTest(t, goos...)
	c.WorkTree = integration.Shared(t).WorkTree
	return c
}

// TestPartialBuildKeepsOtherTargets: `RACE_TARGETS=linux buildSyso` on a
// full dist/, with the source fetched from another URL (the commit is
// pinned and checked, so the URL is not an input), keeps the three other
// targets in manifest.json and SHA256SUMS (issue 12, bug 2).
func TestPartialBuildKeepsOtherTargets(t *testing.T) {
	shared := integration.Objects(t, targets.All()...)
	c := onShared(t, "linux")
	os.MkdirAll(c.DistDir, 0o755)
	for _, f := range []string{dist.FileName, dist.SumsName, dist.SeriesFile, dist.ObjectName("linux"), dist.ObjectName("darwin"), dist.ObjectName("freebsd"), dist.ObjectName("windows")} {
		data, err := os.ReadFile(filepath.Join(shared, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(c.DistDir, f), data, 0o644)
	}
	c.Config.CompilerRTURL = "https://mirror.example/compiler-rt.git"
	if err := integration.Locked(t, integration.Shared(t), c.BuildSyso); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, c.DistDir); got != "darwin,freebsd,linux,windows" {
		t.Fatalf("after a linux build from another URL, dist/ lists %s, want all four", got)
	}
}

// TestConcurrentPartialBuilds: a linux and a freebsd build into one dist/
// at the same time both end listed (issue 12, bug 4): the second waits for
// the first, then merges.
func TestConcurrentPartialBuilds(t *testing.T) {
	distDir := filepath.Join(t.TempDir(), "dist")
	var cs []*pipeline.Context
	for _, goos := range []string{"linux", "freebsd"} {
		def, err := profile.InProject("")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := toolchain.ForSpec(def.Spec, goos, config.Compiler{}); err != nil {
			testenv.Skip(t, "%v", err)
		}
		c := onShared(t, goos)
		c.DistDir = distDir // each its own (fresh) build directory: both compile
		cs = append(cs, c)
	}
	err := integration.Locked(t, integration.Shared(t), func() error {
		errs := make(chan error, len(cs))
		for _, c := range cs {
			go func() { errs <- c.BuildSyso() }()
		}
		for range cs {
			if err := <-errs; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(t, distDir); got != "freebsd,linux" {
		t.Fatalf("after concurrent linux and freebsd builds, dist/ lists %s, want both", got)
	}
}

// TestEmptyTargetList: RACE_TARGETS="," is refused before anything is
// built or written.
func TestEmptyTargetList(t *testing.T) {
	t.Setenv("RACE_TARGETS", ",")
	if _, err := pipeline.New(); err == nil || !strings.Contains(err.Error(), "names no target") {
		t.Fatalf("RACE_TARGETS=\",\": err = %v, want it refused", err)
	}
}

// TestConcurrentMageRuns: `go run mage.go` several times at once in one
// checkout: each gets to its target. Mage writes mage_output_file.go into
// the checkout on every run; unlocked, one run removed the other's file
// ("error compiling magefiles").
func TestConcurrentMageRuns(t *testing.T) {
	testenv.SkipIfShort(t, "compiles the magefile three times")
	root, err := pipeline.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	outs := make(chan string, n)
	for range n {
		go func() {
			cmd := exec.Command("go", "run", "mage.go", "installGoroot", filepath.Join(root, "no-such-goroot"))
			cmd.Dir = root
			out, _ := cmd.CombinedOutput()
			outs <- string(out)
		}()
	}
	for range n {
		out := <-outs
		if !strings.Contains(out, "Error: ") || strings.Contains(out, "compiling magefiles") || strings.Contains(out, "mage_output_file") {
			t.Errorf("a run did not get to its target:\n%s", out)
		}
	}
}
