package integration_test

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/patch"
)

// TestLinuxPipeline runs checkout, patch and buildSyso for linux from the
// real compiler-rt source, then checks the object, the manifest and that a
// re-run compiles nothing.
func TestLinuxPipeline(t *testing.T) {
	c := integration.ForTest(t, "linux")
	if err := c.Checkout(); err != nil {
		t.Fatal(err)
	}
	if err := c.Patch(); err != nil {
		t.Fatal(err)
	}
	if err := c.BuildSyso(); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(c.DistDir, dist.ObjectName("linux"))
	f, err := elf.Open(obj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_REL {
		t.Fatalf("object is %v %v %v, want ELF64 x86-64 relocatable", f.Class, f.Machine, f.Type)
	}
	m, err := dist.Read(c.DistDir)
	if err != nil {
		t.Fatal(err)
	}
	lt := m.Targets["linux"]
	if m.Source.Commit != "81bba04449f2b776158dedd9fd9843506942e8e4" || m.Source.SVNRevision != 267674 || len(m.Patches) == 0 {
		t.Fatalf("manifest inputs: %+v", m)
	}
	if !lt.SmokeRan || !strings.Contains(lt.Smoke, "race reported") || lt.CompilerVersion == "" || lt.InputKey == "" {
		t.Fatalf("manifest linux target: %+v", lt)
	}
	if err := m.CheckObjects(c.DistDir); err != nil {
		t.Fatal(err)
	}
	for _, a := range lt.Command {
		if strings.Contains(a, c.WorkTree) || strings.Contains(a, c.BuildDir) {
			t.Fatalf("recorded command leaks a local path: %q", a)
		}
	}

	// Nothing changed: nothing is compiled.
	var log bytes.Buffer
	c.Log = &log
	if err := c.Patch(); err != nil {
		t.Fatal(err)
	}
	if err := c.BuildSyso(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "[linux] up to date") || strings.Contains(log.String(), "compiling") {
		t.Fatalf("second build was not a no-op:\n%s", log.String())
	}
	again, _ := dist.Read(c.DistDir)
	if again.Targets["linux"].SHA256 != lt.SHA256 {
		t.Fatal("object changed on a no-op build")
	}

	// A verification survives a no-op build and is withdrawn by a build
	// that compiles.
	again.Verify = &dist.VerifySummary{OK: true, Passed: 1, Report: dist.VerifyFile}
	if err := again.Write(c.DistDir); err != nil {
		t.Fatal(err)
	}
	for _, f := range dist.Findings {
		os.WriteFile(filepath.Join(c.DistDir, f), []byte(`{"ok": true}`), 0o644)
	}
	if err := c.BuildSyso(); err != nil {
		t.Fatal(err)
	}
	if m, _ := dist.Read(c.DistDir); m.Verify == nil {
		t.Fatal("a no-op build withdrew the verification")
	}
	os.Remove(obj)
	if err := c.BuildSyso(); err != nil {
		t.Fatal(err)
	}
	if m, _ := dist.Read(c.DistDir); m.Verify != nil {
		t.Fatal("a build that compiled kept the old verification in manifest.json")
	}
	for _, f := range append([]string{dist.VerifyFile}, dist.Findings...) {
		if _, err := os.Stat(filepath.Join(c.DistDir, f)); !os.IsNotExist(err) {
			t.Fatalf("a build that compiled kept %s (stat: %v)", f, err)
		}
	}
}

// TestConflictingSeriesNamesThePatch appends a patch that cannot apply to
// the real series.
func TestConflictingSeriesNamesThePatch(t *testing.T) {
	c := integration.ForTest(t)
	if err := c.Checkout(); err != nil {
		t.Fatal(err)
	}
	s, err := c.Series()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var names []string
	for _, p := range s.Patches {
		os.WriteFile(filepath.Join(dir, p.Name), p.Data, 0o644)
		names = append(names, p.Name)
	}
	bad := `diff --git a/lib/tsan/go/tsan_go.cc b/lib/tsan/go/tsan_go.cc
--- a/lib/tsan/go/tsan_go.cc
+++ b/lib/tsan/go/tsan_go.cc
@@ -21,3 +21,3 @@
 void InitializeInterceptors() {
-}
+} // not what is there
 
`
	bad = strings.Replace(bad, " void InitializeInterceptors() {", " void InitializeInterceptorsX() {", 1)
	os.WriteFile(filepath.Join(dir, "9999-conflicts.patch"), []byte(bad), 0o644)
	os.WriteFile(filepath.Join(dir, "series"), []byte(strings.Join(append(names, "9999-conflicts.patch"), "\n")+"\n"), 0o644)
	c.Prof.Dir = dir // the profile with this series
	err = c.Patch()
	var ce *patch.ConflictError
	if !errors.As(err, &ce) || ce.Patch != "9999-conflicts.patch" || ce.File != "lib/tsan/go/tsan_go.cc" || ce.Hunk != 1 {
		t.Fatalf("err = %v, want a conflict in 9999-conflicts.patch, lib/tsan/go/tsan_go.cc hunk 1", err)
	}
	if !strings.Contains(err.Error(), "9999-conflicts.patch") {
		t.Fatalf("message does not name the patch: %v", err)
	}
}
