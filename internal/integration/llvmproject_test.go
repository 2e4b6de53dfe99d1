package integration_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/gitrun"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/patch"
	"github.com/racesyso/racesyso/internal/testenv"
)

// llvmProjectFrom makes an llvm-project-shaped repository whose last
// commit holds, under compiler-rt/, the pristine tree of the work tree wt
// (its HEAD commit, before the series), in a few commits, served through
// file:// with uploadpack.allowFilter. It returns the URL and that commit.
func llvmProjectFrom(t *testing.T, wt string, major string) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "llvm-project")
	os.MkdirAll(filepath.Join(dir, "compiler-rt"), 0o755)
	git := func(args ...string) string {
		out, err := gitrun.Run(dir, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	git("init", "--quiet")
	git("config", "uploadpack.allowFilter", "true")
	os.MkdirAll(filepath.Join(dir, "cmake/Modules"), 0o755)
	os.WriteFile(filepath.Join(dir, "cmake/Modules/LLVMVersion.cmake"), []byte("if(NOT DEFINED LLVM_VERSION_MAJOR)\n  set(LLVM_VERSION_MAJOR "+major+")\nendif()\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "llvm"), 0o755)
	os.WriteFile(filepath.Join(dir, "llvm/README.txt"), []byte("not needed\n"), 0o644)
	commit := func(msg string) string {
		git("add", "-A")
		git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", msg)
		return git("rev-parse", "HEAD")
	}
	commit("llvm first")
	archive := exec.Command("sh", "-c", "git -C \"$1\" archive HEAD | tar -x -C \"$2\"", "sh", wt, filepath.Join(dir, "compiler-rt"))
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	commit("compiler-rt")
	os.WriteFile(filepath.Join(dir, "llvm/README.txt"), []byte("changed\n"), 0o644)
	return "file://" + dir, commit("llvm again")
}

// linuxSum is the sha256 of the linux object c's dist directory lists.
func linuxSum(t *testing.T, distDir string) string {
	t.Helper()
	m, err := dist.Read(distDir)
	if err != nil || m == nil {
		t.Fatalf("%s: %v", distDir, err)
	}
	return m.Targets["linux"].SHA256
}

// TestOneTreeTwoSourceKinds: LLVM 19.1.7's compiler-rt tree through two
// source kinds, Debian's source package (the llvm-19 profile) and
// llvm-project at a commit (RACESYSO_LLVM_REV, the profile's series and
// tables kept), gives the same object bytes; and goroot:<GOROOT>, whose
// README names that commit and a .patch file of llvm-project paths (the
// profile's runtime fix, as Go ships its patch), builds them too, with the
// tables and build patches of the nearest profile (llvm-19).
func TestOneTreeTwoSourceKinds(t *testing.T) {
	testenv.SkipIfShort(t, "builds the llvm-19 linux object three times")
	ref := integration.ProfileObjects(t, "llvm-19", "linux")
	want := linuxSum(t, ref.DistDir)
	url, commit := llvmProjectFrom(t, ref.WorkTree, "19")

	c := integration.ProfileContext(t, "llvm-19", func(cfg *config.Config) { cfg.LLVMRev, cfg.LLVMURL = commit, url }, "linux")
	if err := integration.Build(c); err != nil {
		t.Fatal(err)
	}
	m, _ := dist.Read(c.DistDir)
	if m.Source.Kind != "llvm-project" || m.Source.Commit != commit || m.Source.URL != url {
		t.Errorf("manifest source %+v", m.Source)
	}
	if got := linuxSum(t, c.DistDir); got != want {
		t.Errorf("llvm-project at %s: linux object %s, the Debian source package's %s", commit, got, want)
	}

	// A GOROOT whose README names the commit and a patch of compiler-rt/
	// paths: the profile's runtime fix (the part after its base marker).
	g := filepath.Join(t.TempDir(), "goroot")
	race := filepath.Join(g, "src", "runtime", "race")
	os.MkdirAll(filepath.Join(race, "internal", "amd64v1"), 0o755)
	os.WriteFile(filepath.Join(g, "VERSION"), []byte("go1.99-test\n"), 0o644)
	s, err := ref.Series()
	if err != nil {
		t.Fatal(err)
	}
	var fix bytes.Buffer
	for _, p := range s.Patches[s.BaseLen:] {
		fix.Write(p.Data)
	}
	goPatch := strings.NewReplacer(" a/lib/", " a/compiler-rt/lib/", " b/lib/", " b/compiler-rt/lib/").Replace(fix.String())
	os.WriteFile(filepath.Join(race, "internal/amd64v1/race_linux.patch"), []byte(goPatch), 0o644)
	os.WriteFile(filepath.Join(race, "README"), []byte("runtime/race package.\n\ninternal/amd64v1/race_linux.syso built with LLVM "+commit+" with patch internal/amd64v1/race_linux.patch and Go abcdef.\n"), 0o644)
	var log bytes.Buffer
	gc := integration.ProfileContext(t, "goroot:"+g, func(cfg *config.Config) { cfg.LLVMURL = url }, "linux")
	gc.Log = &log
	if err := integration.Build(gc); err != nil {
		t.Fatal(err)
	}
	if gc.Profile() != "goroot-go1.99-test" || gc.GOROOT() != g {
		t.Errorf("profile %s, reference GOROOT %s", gc.Profile(), gc.GOROOT())
	}
	gm, _ := dist.Read(gc.DistDir)
	if len(gm.Extra) != 1 || gm.Extra[0].Name != "race_linux.patch" {
		t.Errorf("manifest extra patches %+v", gm.Extra)
	}
	if got := linuxSum(t, gc.DistDir); got != want {
		t.Errorf("goroot:%s: linux object %s, want %s", g, got, want)
	}
}

// TestLLVMPatchConflict: a RACESYSO_LLVM_PATCH that does not apply fails
// the patch stage naming the patch file, the file and the hunk, and leaves
// the tree as checked out.
func TestLLVMPatchConflict(t *testing.T) {
	testenv.SkipIfShort(t, "extracts the llvm-19 source")
	integration.ProfileObjects(t, "llvm-19", "linux") // the source in the cache
	bad := filepath.Join(t.TempDir(), "race_linux.patch")
	os.WriteFile(bad, []byte(`Subject: does not apply
---
diff --git a/compiler-rt/lib/tsan/rtl/tsan_trace.h b/compiler-rt/lib/tsan/rtl/tsan_trace.h
--- a/compiler-rt/lib/tsan/rtl/tsan_trace.h
+++ b/compiler-rt/lib/tsan/rtl/tsan_trace.h
@@ -190,3 +190,3 @@ struct Trace {
   Mutex mtx;
-  NotWhatIsThere* local_head;
+  NotWhatIsThere* local_head = nullptr;
   // First node non-queued into ctx->trace_part_recycle.
`), 0o644)
	c := integration.ProfileContext(t, "llvm-19", func(cfg *config.Config) { cfg.LLVMPatch = bad }, "linux")
	real := integration.SharedProfile(t, "llvm-19")
	c.Config.CacheDir = real.Config.CacheDir
	if err := c.UseProfile("llvm-19"); err != nil {
		t.Fatal(err)
	}
	if err := c.Checkout(); err != nil {
		t.Fatal(err)
	}
	err := c.Patch()
	var ce *patch.ConflictError
	if !errors.As(err, &ce) || ce.Patch != "race_linux.patch" || ce.File != "lib/tsan/rtl/tsan_trace.h" || ce.Hunk != 1 {
		t.Fatalf("err = %v, want a conflict of race_linux.patch in lib/tsan/rtl/tsan_trace.h hunk #1", err)
	}
	if out, _ := gitrun.Run(c.WorkTree, "status", "--porcelain"); out != "" {
		t.Errorf("the tree was left patched:\n%s", out)
	}
}
