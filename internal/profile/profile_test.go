package profile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/source"
)

func projectRoot(t *testing.T) string {
	t.Helper()
	root, err := gotool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestProfiles: every profile directory of the project loads, with the
// facts its directory holds (kind, output directories, history, claims).
func TestProfiles(t *testing.T) {
	root := projectRoot(t)
	if err := Check(root); err != nil {
		t.Fatal(err)
	}
	if got := Names(root); len(got) < 2 || got[0] != Default {
		t.Fatalf("Names = %v, want the default first", got)
	}
	for _, tt := range []struct {
		name, kind string
		dirs       Dirs
		history    bool
		parity     float64
		treePaths  []string
		targets    string
	}{
		{"perp-2016", source.KindGit, Dirs{"compiler-rt", ".build", "dist"}, true, 0, []string{"lib/", "include/"}, "linux,darwin,freebsd,windows"},
		{"llvm-19", source.KindDebian, Dirs{"compiler-rt-llvm-19", ".build/llvm-19", "dist-llvm-19"}, false, 1.1, []string{"lib/", "include/"}, "linux,linux-v3,darwin,freebsd,windows"},
		{"llvm-22", source.KindDebian, Dirs{"compiler-rt-llvm-22", ".build/llvm-22", "dist-llvm-22"}, false, 1.1, []string{"lib/", "include/"}, "linux,linux-v3,darwin,freebsd,windows"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(root, tt.name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.name || p.Source.Kind != tt.kind || p.Dirs != tt.dirs || p.History != tt.history {
				t.Errorf("%s: name %q kind %q dirs %+v history %v", tt.name, p.Name, p.Source.Kind, p.Dirs, p.History)
			}
			var parity float64
			if p.Spec.ShippedParity != nil {
				parity = p.Spec.ShippedParity.SyncLeakPeakRSS
			}
			if parity != tt.parity {
				t.Errorf("%s: shipped_parity %v, want %v", tt.name, parity, tt.parity)
			}
			if got := p.TreePaths(); !reflect.DeepEqual(got, tt.treePaths) {
				t.Errorf("%s: TreePaths %v, want %v", tt.name, got, tt.treePaths)
			}
			if got := strings.Join(p.Spec.IDs(), ","); got != tt.targets {
				t.Errorf("%s: targets %s, want %s", tt.name, got, tt.targets)
			}
			if _, err := os.Stat(p.AllowlistFile("linux")); err != nil {
				t.Error(err)
			}
		})
	}
	def, _ := Load(root, "", Options{})
	llvm, _ := Load(root, "llvm-19", Options{})
	if def.Name != Default || reflect.DeepEqual(def.Spec.Sources, llvm.Spec.Sources) {
		t.Errorf("the default is %q; llvm-19's table must be its own", def.Name)
	}
}

// copyDir copies a profile directory.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLoadByPath: a copy of a profile's directory anywhere is the same
// profile; a name that is neither a profile nor a directory lists them.
func TestLoadByPath(t *testing.T) {
	root := projectRoot(t)
	cp := filepath.Join(t.TempDir(), "mine")
	copyDir(t, filepath.Join(root, "patches", "llvm-19"), cp)
	a, err := Load(root, "llvm-19", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(root, cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Dir != cp || !reflect.DeepEqual(a.Spec, b.Spec) || !reflect.DeepEqual(a.Source, b.Source) || a.Dirs != b.Dirs {
		t.Errorf("a copy of llvm-19 is not llvm-19: %+v vs %+v", b, a)
	}
	sa, _ := a.Series()
	sb, _ := b.Series()
	if sa.Digest() != sb.Digest() {
		t.Error("a copy's series differs")
	}
	for _, bad := range []string{"llvm19", "./no-such-dir", "/nonexistent/profile"} {
		_, err := Load(root, bad, Options{})
		if err == nil || !strings.Contains(err.Error(), "perp-2016, llvm-19, llvm-22") || !strings.Contains(err.Error(), "goroot:<GOROOT>") {
			t.Errorf("RACESYSO_PROFILE=%s: %v, want a refusal listing the profiles", bad, err)
		}
	}
}

// TestBadProfileDir: a profile directory missing a file or with a
// malformed table is refused, naming the file and the field.
func TestBadProfileDir(t *testing.T) {
	root := projectRoot(t)
	for _, tt := range []struct {
		name   string
		change func(dir string)
		want   []string
	}{
		{"no profile.json", func(d string) { os.Remove(filepath.Join(d, "profile.json")) }, []string{"profile.json", "no such file"}},
		{"no targets.json", func(d string) { os.Remove(filepath.Join(d, "targets.json")) }, []string{"targets.json", "no such file"}},
		{"no series", func(d string) { os.Remove(filepath.Join(d, "series")) }, []string{"series"}},
		{"a patch of the series missing", func(d string) {
			os.Remove(filepath.Join(d, "0008-tsan-start-every-Trace-with-a-null-local_head.patch"))
		}, []string{"0008-tsan-start-every-Trace-with-a-null-local_head.patch"}},
		{"no allowlist", func(d string) { os.Remove(filepath.Join(d, "undefined_windows.txt")) }, []string{"undefined_windows.txt"}},
		{"unknown field in profile.json", func(d string) { edit(d, "profile.json", `"history": false`, `"histroy": false`) }, []string{"profile.json", `"histroy"`}},
		{"unknown source field", func(d string) { edit(d, "profile.json", `"orig_size"`, `"orig_bytes"`) }, []string{"profile.json", `"orig_bytes"`}},
		{"unknown kind", func(d string) { edit(d, "profile.json", `"debian-source"`, `"tarball"`) }, []string{"profile.json", "source.kind", `"tarball"`}},
		{"no orig sha256", func(d string) { edit(d, "profile.json", `"orig_sha256"`, `"orig_md5"`) }, []string{"profile.json", `"orig_md5"`}},
		{"malformed targets.json", func(d string) { edit(d, "targets.json", `"goos": "freebsd"`, `"goos": "plan9"`) }, []string{"targets.json", "targets[3].goos", "plan9"}},
		{"targets.json not JSON", func(d string) { os.WriteFile(filepath.Join(d, "targets.json"), []byte("{"), 0o644) }, []string{"targets.json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			copyDir(t, filepath.Join(root, "patches", "llvm-19"), dir)
			tt.change(dir)
			_, err := LoadDir(dir)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
		})
	}
	// The unchanged copy loads: the cases above fail for their change.
	dir := filepath.Join(t.TempDir(), "p")
	copyDir(t, filepath.Join(root, "patches", "llvm-19"), dir)
	if _, err := LoadDir(dir); err != nil {
		t.Fatal(err)
	}
}

func edit(dir, file, old, new string) {
	p := filepath.Join(dir, file)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644)
}

// TestApply: RACESYSO_LLVM_REV replaces the source with llvm-project at a
// full commit, keeping the series and tables; RACESYSO_LLVM_PATCH adds a
// patch after the series.
func TestApply(t *testing.T) {
	root := projectRoot(t)
	rev := strings.Repeat("ab", 20)
	patchFile := filepath.Join(t.TempDir(), "race_linux.patch")
	os.WriteFile(patchFile, []byte("Subject: x\n---\ndiff --git a/compiler-rt/lib/tsan/go/test.c b/compiler-rt/lib/tsan/go/test.c\n--- a/compiler-rt/lib/tsan/go/test.c\n+++ b/compiler-rt/lib/tsan/go/test.c\n@@ -1 +1 @@\n-a\n+b\n"), 0o644)
	for _, tt := range []struct {
		name    string
		o       Options
		wantErr string
		check   func(t *testing.T, p *Profile)
	}{
		{"rev", Options{LLVMRev: rev}, "", func(t *testing.T, p *Profile) {
			g := p.Source.Git
			if p.Source.Kind != source.KindLLVMProject || g.Commit != rev || g.URL != source.DefaultLLVMURL || !reflect.DeepEqual(g.Paths, source.LLVMPaths) {
				t.Errorf("source %+v", g)
			}
			if p.Name != "llvm-19" || len(p.Notes) == 0 {
				t.Errorf("name %q notes %v", p.Name, p.Notes)
			}
			if got := p.TreePaths(); !reflect.DeepEqual(got, []string{"lib/", "include/"}) {
				t.Errorf("TreePaths %v", got)
			}
		}},
		{"rev and url", Options{LLVMRev: rev, LLVMURL: "file:///srv/llvm-project"}, "", func(t *testing.T, p *Profile) {
			if p.Source.Git.URL != "file:///srv/llvm-project" {
				t.Errorf("url %s", p.Source.Git.URL)
			}
		}},
		{"short rev", Options{LLVMRev: "51bfeff0"}, "40 hex digits", nil},
		{"patch", Options{LLVMPatch: patchFile}, "", func(t *testing.T, p *Profile) {
			if len(p.Extra) != 1 || p.Extra[0].Name != "race_linux.patch" || p.Extra[0].Strip != 2 {
				t.Errorf("extra %+v", p.Extra)
			}
			s, _ := p.Series()
			if last := s.Patches[len(s.Patches)-1]; last.Name != "race_linux.patch" {
				t.Errorf("the extra patch is not last: %s", last.Name)
			}
		}},
		{"patch missing", Options{LLVMPatch: "/nonexistent.patch"}, "RACESYSO_LLVM_PATCH: the patch /nonexistent.patch", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(root, "llvm-19", Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = p.Apply(tt.o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func TestNearest(t *testing.T) {
	known := []*Profile{{Name: "a", LLVMMajor: 3}, {Name: "b", LLVMMajor: 19}, {Name: "c", LLVMMajor: 22}}
	for _, tt := range []struct {
		major int
		want  string
	}{{22, "c"}, {21, "c"}, {20, "b"}, {19, "b"}, {12, "b"}, {10, "a"}, {0, "c"}, {30, "c"}} {
		if got := Nearest(known, tt.major).Name; got != tt.want {
			t.Errorf("Nearest(%d) = %s, want %s", tt.major, got, tt.want)
		}
	}
}

// TestFromGOROOTBadReadme: a GOROOT whose README has no LLVM line for an
// object, or whose objects come from two sources, is refused naming them.
func TestFromGOROOTBadReadme(t *testing.T) {
	root := projectRoot(t)
	c1, c2 := strings.Repeat("1", 40), strings.Repeat("2", 40)
	for _, tt := range []struct {
		name, readme string
		targets      []string
		want         []string
	}{
		{"no line", "internal/amd64v1/race_linux.syso built with LLVM " + c1 + " and Go x.\n", []string{"linux", "windows"}, []string{"no LLVM line for the windows object", "internal/amd64v1/race_windows.syso"}},
		{"no README", "", []string{"linux"}, []string{"README"}},
		{"two sources", "internal/amd64v1/race_linux.syso built with LLVM " + c1 + " and Go x.\ninternal/amd64v1/race_darwin.syso built with LLVM " + c2 + " and Go x.\n", []string{"linux", "darwin"}, []string{"different sources", "darwin: LLVM " + c2, "linux: LLVM " + c1, "RACE_TARGETS"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := t.TempDir()
			race := filepath.Join(g, "src", "runtime", "race")
			os.MkdirAll(race, 0o755)
			if tt.readme != "" {
				os.WriteFile(filepath.Join(race, "README"), []byte(tt.readme), 0o644)
			}
			_, err := FromGOROOT(root, g, Options{Targets: tt.targets, CacheDir: t.TempDir()})
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
		})
	}
}

// TestReadReadme reads Go 1.26's README form and the older layout's.
func TestReadReadme(t *testing.T) {
	g := t.TempDir()
	race := filepath.Join(g, "src", "runtime", "race")
	os.MkdirAll(race, 0o755)
	c := strings.Repeat("a", 40)
	os.WriteFile(filepath.Join(race, "README"), []byte("header\n"+
		"internal/amd64v1/race_linux.syso built with LLVM "+c+" with patch internal/amd64v1/race_linux.patch and Go abc.\n"+
		"internal/amd64v3/race_linux.syso built with LLVM "+c+" with patch internal/amd64v3/race_linux.patch and Go abc.\n"+
		"race_freebsd_amd64.syso built with LLVM "+c+" and Go abc.\n"+
		"race_linux_arm64.syso built with LLVM "+c+" and Go abc.\n"), 0o644)
	got, err := ReadReadme(g)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ReadmeLine{
		"linux":   {Object: "internal/amd64v1/race_linux.syso", GOOS: "linux", Commit: c, Patch: "internal/amd64v1/race_linux.patch"},
		"freebsd": {Object: "race_freebsd_amd64.syso", GOOS: "freebsd", Commit: c},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadReadme = %+v, want %+v", got, want)
	}
}
