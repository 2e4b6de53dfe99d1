// Package integration holds the tests that need built objects, and the
// helpers that give them a pipeline context in a temporary directory or in
// a build shared by the test packages.
package integration

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/internal/toolchain"
)

// ForTest returns a context whose work tree, build and dist directories
// live in a fresh temporary directory, using the project's patches/. It
// skips the test, loudly, when no compiler-rt source is at hand.
func ForTest(t testing.TB, targets ...string) *pipeline.Context {
	t.Helper()
	root, err := pipeline.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	c := &pipeline.Context{
		Root: root, WorkTree: filepath.Join(tmp, "compiler-rt"),
		BuildDir: filepath.Join(tmp, "build"), DistDir: filepath.Join(tmp, "dist"), Targets: targets, Log: io.Discard,
	}
	if testing.Verbose() {
		c.Log = os.Stderr
	}
	if c.Config, err = config.FromEnv(); err != nil {
		t.Fatal(err)
	}
	c.Config.Profile = ""
	if err := c.UseProfile(""); err != nil {
		t.Fatal(err)
	}
	if ok, why := c.SourceAvailable(); !ok {
		testenv.Skip(t, "%s; set COMPILER_RT_URL to a compiler-rt mirror (or run `go run mage.go checkout` once) to run this test", why)
	}
	return c
}

// skipIfMissingToolchain skips (fails in strict mode) when err is made of
// missing toolchains only; any other error is left to the caller to fail on.
func skipIfMissingToolchain(t testing.TB, err error) {
	t.Helper()
	if ms, ok := toolchain.AllMissing(err); ok {
		var why []string
		for _, m := range ms {
			why = append(why, m.Error())
		}
		testenv.Skip(t, "%s", strings.Join(why, "; "))
	}
}
