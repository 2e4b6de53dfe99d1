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
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/internal/verify"
)

// TestModernProfileObjects builds each modern profile's linux, linux-v3
// and windows objects through the pipeline (a Debian source package, the
// profile's series, our unity build, test.c run natively and under wine64),
// checks that the manifest names the profile, runs verify's object checks
// with the profile's allowlists, each object held to its GOAMD64 level, and
// the per-P shape, and runs Go's runtime/race and sync/atomic tests with the
// linux object installed in a GOROOT copy, whose README then names the
// profile's source.
func TestModernProfileObjects(t *testing.T) {
	testenv.SkipIfShort(t, "fetches and builds the llvm-19 and llvm-22 profiles")
	for _, tt := range []struct {
		profile, pkg, readme string
	}{
		{"llvm-19", "llvm-toolchain-19", "race_linux.syso built with LLVM llvm-toolchain-19 1:19.1.7-3~deb12u1 (llvm-toolchain-19_19.1.7.orig.tar.xz"},
		{"llvm-22", "llvm-toolchain-22", "race_linux.syso built with LLVM llvm-toolchain-22 1:22.1.8-1~deb13u5 (llvm-toolchain-22_22.1.8.orig.tar.xz"},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			names := []string{"linux", "linux-v3", "windows"}
			c := integration.ProfileObjects(t, tt.profile, names...)
			m, err := dist.Read(c.DistDir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile != tt.profile || m.Source.Package != tt.pkg || m.Source.ArchiveSHA256 != c.Prof.Source.Archive.OrigSHA256 {
				t.Errorf("manifest: profile %q, source %+v", m.Profile, m.Source)
			}
			var objs []verify.Object
			for _, name := range names {
				tg, ok := m.Targets[name]
				if !ok || !tg.SmokeRan {
					t.Fatalf("%s: not built, or test.c not run: %+v", name, tg)
				}
				goos, level := targets.GOOSOf(name), targets.LevelOf(name)
				objs = append(objs, verify.Object{Path: filepath.Join(c.DistDir, tg.Object), GOOS: goos, Target: name, Level: level, Ours: true, Allowlist: c.Prof.AllowlistFile(goos)})
			}
			rep := verify.Run(objs, verify.Options{Reference: c.ReferenceObjects(names)})
			for _, o := range objs {
				rep.Add(verify.CheckPerP(o))
			}
			var table bytes.Buffer
			rep.Table(&table)
			t.Logf("\n%s", table.String())
			if !rep.Complete() {
				t.Fatalf("%s objects fail (or skip) verify's object checks (table above)", tt.profile)
			}

			root := copyGOROOT(t)
			if err := c.InstallGoroot(root); err != nil {
				t.Fatal(err)
			}
			if readme, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/README")); !strings.Contains(string(readme), tt.readme) {
				t.Errorf("README does not name the %s source:\n%s", tt.profile, readme)
			}
			out, err := gotool.Command(context.Background(), root, root+"/src", "test", "-race", "-short", "-count=1", "runtime/race", "sync/atomic").CombinedOutput()
			if err != nil {
				t.Fatalf("go test -race runtime/race sync/atomic with the %s linux object: %v\n%s", tt.profile, err, out)
			}
			t.Logf("%s", out)
		})
	}
}
