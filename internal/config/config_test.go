package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/gotool"
)

func TestLoad(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tt := range []struct {
		name    string
		getenv  func(string) string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{"defaults", env(), func(t *testing.T, c Config) {
			if strings.Join(c.Targets, ",") != "linux,darwin,freebsd,windows" || c.CacheDir == "" || c.SkipGorootTests || len(c.Compilers) != 0 {
				t.Errorf("%+v", c)
			}
		}, ""},
		{"everything set", env("RACE_TARGETS", "windows,linux", "COMPILER_RT_URL", "../shared/compiler-rt.git", "RACESYSO_CACHE", "/c",
			"RACESYSO_GOROOT", "/g", "RACESYSO_SKIP_GOROOT_TESTS", "1", "RACESYSO_CXX_DARWIN", "zig c++ -target x86_64-macos",
			"RACESYSO_CC_LINUX", "gcc", "RACESYSO_FROM", "/rel", "RELEASE_DRY_RUN", "1", "RELEASE_FORCE", "1", "GITHUB_TOKEN", "tok"),
			func(t *testing.T, c Config) {
				if strings.Join(c.Targets, ",") != "windows,linux" || c.CompilerRTURL != "../shared/compiler-rt.git" || c.CacheDir != "/c" ||
					c.GOROOT != "/g" || !c.SkipGorootTests || c.From != "/rel" || !c.ReleaseDryRun || !c.ReleaseForce || c.GitHub["GITHUB_TOKEN"] != "tok" {
					t.Errorf("%+v", c)
				}
				if got := c.Compilers["darwin"].CXX; strings.Join(got, " ") != "zig c++ -target x86_64-macos" {
					t.Errorf("darwin CXX %q", got)
				}
				if got := c.Compilers["linux"]; got.CXX != nil || strings.Join(got.CC, " ") != "gcc" {
					t.Errorf("linux %+v", got)
				}
			}, ""},
		{"a switch is 1, nothing else", env("RACESYSO_SKIP_GOROOT_TESTS", "yes", "RELEASE_DRY_RUN", "true"), func(t *testing.T, c Config) {
			if c.SkipGorootTests || c.ReleaseDryRun {
				t.Errorf("%+v", c)
			}
		}, ""},
		{"no target", env("RACE_TARGETS", ","), nil, "names no target"},
		{"unknown target", env("RACE_TARGETS", "plan9"), nil, `unknown target "plan9"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestLoadReadsOnlyVars: Load asks for no variable Vars does not document,
// and for every one it does (the test-side RACESYSO_REQUIRE_ALL aside).
func TestLoadReadsOnlyVars(t *testing.T) {
	asked := map[string]bool{}
	if _, err := Load(func(k string) string { asked[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	documented, read := map[string]bool{}, map[string]bool{}
	for _, v := range Vars {
		documented[v.Name] = true
	}
	for k := range asked {
		name := k
		for _, os := range []string{"LINUX", "DARWIN", "FREEBSD", "WINDOWS"} {
			if strings.HasSuffix(k, "_"+os) {
				name = strings.TrimSuffix(k, "_"+os) + "_<OS>"
			}
		}
		if !documented[name] {
			t.Errorf("Load reads %s, which Vars does not document", k)
		}
		read[name] = true
	}
	read["RACESYSO_REQUIRE_ALL"] = true // read by internal/testenv
	// The scripts' variables: each documented, and counted as read.
	root, err := gotool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	scripts, _ := filepath.Glob(filepath.Join(root, "scripts", "*.sh"))
	scripts = append(scripts, filepath.Join(root, ".ci", "run"))
	for _, f := range scripts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\$\{?(RACESYSO_[A-Z0-9_]+)`).FindAllStringSubmatch(string(b), -1) {
			if !documented[m[1]] {
				t.Errorf("%s reads %s, which Vars does not document", f, m[1])
			}
			read[m[1]] = true
		}
	}
	for k := range documented {
		if !read[k] {
			t.Errorf("Vars documents %s, which Load never reads", k)
		}
	}
}

// TestOnlyConfigReadsTheEnvironment: no package but this one (and the
// tests' internal/testenv) calls os.Getenv or os.LookupEnv.
func TestOnlyConfigReadsTheEnvironment(t *testing.T) {
	root, err := gotool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"internal/config": true, "internal/testenv": true}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "compiler-rt" || d.Name() == "dist" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || allowed[filepath.Dir(rel)] {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && (sel.Sel.Name == "Getenv" || sel.Sel.Name == "LookupEnv") {
					t.Errorf("%s calls os.%s: read it in internal/config", rel, sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestREADMETable: README's "Environment" table is Vars, row for row.
func TestREADMETable(t *testing.T) {
	root, err := gotool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := Table()
	if !strings.Contains(string(data), want) {
		t.Errorf("README.md lacks the environment table as internal/config documents it; put this under \"Environment\":\n%s", want)
	}
}

// TestProfile: RACESYSO_PROFILE and the llvm-project variables are read as
// given (trimmed); internal/profile resolves and checks them
// (profile.TestLoadByPath refuses an unknown name).
func TestProfile(t *testing.T) {
	env := map[string]string{"RACESYSO_PROFILE": " llvm-19 ", "RACESYSO_LLVM_REV": "abc", "RACESYSO_LLVM_URL": "file:///x", "RACESYSO_LLVM_PATCH": "/p.patch", "RACESYSO_CACHE": "/tmp/x"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != "llvm-19" || c.LLVMRev != "abc" || c.LLVMURL != "file:///x" || c.LLVMPatch != "/p.patch" {
		t.Errorf("config %+v", c)
	}
}
