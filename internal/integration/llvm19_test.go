package integration_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/internal/verify"
)

// TestLLVM19Objects builds the llvm-19 profile's linux and windows objects
// through the pipeline (Debian's llvm-toolchain-19 source, patches/llvm-19,
// our unity build, test.c run natively and under wine64), checks that the
// manifest names the profile, runs verify's object checks with the
// profile's allowlists and the per-P shape, and runs Go's runtime/race and
// sync/atomic tests with the linux object installed in a GOROOT copy.
func TestLLVM19Objects(t *testing.T) {
	testenv.SkipIfShort(t, "fetches and builds the llvm-19 profile")
	c := integration.ProfileObjects(t, "llvm-19", "linux", "windows")
	m, err := dist.Read(c.DistDir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Profile != "llvm-19" || m.Source.Package != "llvm-toolchain-19" || m.Source.ArchiveSHA256 != c.Prof.Source.Archive.OrigSHA256 {
		t.Errorf("manifest: profile %q, source %+v", m.Profile, m.Source)
	}
	var objs []verify.Object
	for _, goos := range []string{"linux", "windows"} {
		tg, ok := m.Targets[goos]
		if !ok || !tg.SmokeRan {
			t.Fatalf("%s: not built, or test.c not run: %+v", goos, tg)
		}
		objs = append(objs, verify.Object{Path: filepath.Join(c.DistDir, tg.Object), GOOS: goos, Ours: true, Allowlist: c.Prof.AllowlistFile(goos)})
	}
	rep := verify.Run(objs, verify.Options{Reference: c.ReferenceObjects([]string{"linux", "windows"})})
	for _, o := range objs {
		rep.Add(verify.CheckPerP(o))
	}
	var table bytes.Buffer
	rep.Table(&table)
	t.Logf("\n%s", table.String())
	if !rep.Complete() {
		t.Fatal("llvm-19 objects fail (or skip) verify's object checks (table above)")
	}

	root := copyGOROOT(t)
	if err := c.InstallGoroot(root); err != nil {
		t.Fatal(err)
	}
	if readme, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/README")); !strings.Contains(string(readme), "race_linux.syso built with LLVM llvm-toolchain-19 1:19.1.7-3~deb12u1 (llvm-toolchain-19_19.1.7.orig.tar.xz") {
		t.Errorf("README does not name the llvm-19 source:\n%s", readme)
	}
	out, err := gotool.Command(context.Background(), root, root+"/src", "test", "-race", "-short", "-count=1", "runtime/race", "sync/atomic").CombinedOutput()
	if err != nil {
		t.Fatalf("go test -race runtime/race sync/atomic with the llvm-19 linux object: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
