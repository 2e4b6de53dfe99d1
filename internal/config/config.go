// Package config is what configures a run of racesyso: every environment
// variable it reads, read once (Load), documented in one table (Vars, which
// README's "Environment" table must match) and handed to the stages.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/internal/targets"
)

// Var is one environment variable racesyso reads. In a Name, <OS> stands for
// a target in capitals (LINUX, DARWIN, FREEBSD, WINDOWS).
type Var struct {
	Name, Default, Meaning string
}

// Vars is every variable racesyso reads; nothing else in it calls
// os.Getenv (TestOnlyConfigReadsTheEnvironment).
var Vars = []Var{
	{"RACESYSO_PROFILE", "`perp-2016`", "the source profile: a profile's name (a directory of `patches/`: the profile table below), the path of a profile directory, or `goroot:<GOROOT>` (rebuild what that GOROOT ships, from the LLVM commit and patch its race README names)"},
	{"RACESYSO_LLVM_REV", "", "a full llvm-project commit hash: replaces the profile's source with llvm-project at that commit, keeping its series and tables (racebuild's `-rev`)"},
	{"RACESYSO_LLVM_URL", "`https://github.com/llvm/llvm-project.git`", "where llvm-project comes from (any git URL or local repository holding the commit)"},
	{"RACESYSO_LLVM_PATCH", "", "a patch file (of `compiler-rt/` paths as Go ships them, or of `lib/` paths) applied after the profile's series, recorded in the manifest and in the README lines installGoroot writes (racebuild's `-llvm-patch`)"},
	{"RACE_TARGETS", "the profile's targets", "comma list of the targets to build: `linux`, `darwin`, `freebsd`, `windows` (their GOAMD64=v1 objects) and `linux-v3` (the GOAMD64=v3 linux object), of those the profile's `targets.json` lists"},
	{"COMPILER_RT_URL", "the profile's URL (`patches/perp-2016/profile.json`)", "where a compiler-rt repository (a `git` source) comes from: any git URL or local repository holding the pinned commit"},
	{"RACESYSO_CACHE", "`~/.cache/racesyso`", "the cache: compiler-rt mirrors, the tests' builds, wine prefixes"},
	{"RACESYSO_GOROOT", "`go env GOROOT`", "the Go installation verify checks against and runs Go's tests in (a copy of it)"},
	{"RACESYSO_SKIP_GOROOT_TESTS", "", "`1`: leave Go's own race tests out of verify; reported as skipped, so release refuses that verify"},
	{"RACESYSO_HISTORY", "`ci`", "the Go releases `history` (and verify's history stage) proves the objects in (`internal/history/releases.json`): `ci` (1.6.4, 1.7.6, 1.12.17, 1.26.8), `full` (the last patch release of every minor from 1.6 to 1.26), `all`, a comma list of versions, or `off` (verify only: its history stage is reported skipped)"},
	{"RACESYSO_BENCH_RUNS", "`internal/bench/suite.json`'s (5)", "bench: runs per object and package"},
	{"RACESYSO_CXX_<OS>", "the targets table's", "another C++ compiler for one target (space-separated argv)"},
	{"RACESYSO_CC_<OS>", "the targets table's", "another C compiler for one target's smoke test (space-separated argv)"},
	{"RACESYSO_FROM", "`dist/`", "installGoroot: a downloaded release's directory to install from"},
	{"RELEASE_DRY_RUN", "", "`1`: release prints its plan and sends nothing (no token needed)"},
	{"RELEASE_FORCE", "", "`1`: release replaces assets that differ from dist/"},
	{"GITHUB_TOKEN", "", "release: the token (never printed)"},
	{"GITHUB_REPOSITORY", "", "release: owner/name"},
	{"GITHUB_API_URL", "`https://api.github.com`", "release: the API (GitHub Enterprise, tests)"},
	{"RACESYSO_UPLOAD_URL", "derived from the API URL", "release: the upload endpoint"},
	{"RACESYSO_SKIP_CROSS", "", "`1`: `scripts/install-tools.sh` installs only what the linux target needs (no MinGW-w64, wine64, zig)"},
	{"RACESYSO_REQUIRE_ALL", "", "`1` (CI sets it): a test that would skip fails instead, naming what is missing"},
}

// Compiler overrides a target's compilers (RACESYSO_CXX_<OS>, RACESYSO_CC_<OS>).
type Compiler struct {
	CXX, CC []string
}

// Config is one run's configuration.
type Config struct {
	// Profile is the source profile (RACESYSO_PROFILE): a name, a
	// directory or goroot:<GOROOT> (internal/profile reads it).
	Profile string
	// LLVMRev, LLVMURL and LLVMPatch change the profile's source
	// (RACESYSO_LLVM_REV, RACESYSO_LLVM_URL, RACESYSO_LLVM_PATCH).
	LLVMRev, LLVMURL, LLVMPatch string
	Targets                     []string
	// TargetsGiven says RACE_TARGETS was set; unset, a run builds every
	// target of its profile's table.
	TargetsGiven    bool
	CompilerRTURL   string
	CacheDir        string
	GOROOT          string // empty: `go env GOROOT`
	SkipGorootTests bool
	// BenchRuns overrides the bench suite's runs (RACESYSO_BENCH_RUNS; 0:
	// the suite's).
	BenchRuns int
	// History is the release list of the history stage (RACESYSO_HISTORY):
	// "ci" (default), "full", "all", "off" or a comma list of versions.
	History       string
	Compilers     map[string]Compiler // by GOOS
	From          string              // empty: dist/
	ReleaseDryRun bool
	ReleaseForce  bool
	// GitHub holds release's settings by variable name (GITHUB_TOKEN,
	// GITHUB_REPOSITORY, GITHUB_API_URL, RACESYSO_UPLOAD_URL).
	GitHub map[string]string
}

// FromEnv is Load(os.Getenv).
func FromEnv() (Config, error) { return Load(os.Getenv) }

// Load reads every variable of Vars through getenv, once.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var err error
	c.Profile = strings.TrimSpace(getenv("RACESYSO_PROFILE"))
	c.LLVMRev = strings.TrimSpace(getenv("RACESYSO_LLVM_REV"))
	c.LLVMURL = strings.TrimSpace(getenv("RACESYSO_LLVM_URL"))
	c.LLVMPatch = strings.TrimSpace(getenv("RACESYSO_LLVM_PATCH"))
	c.TargetsGiven = strings.TrimSpace(getenv("RACE_TARGETS")) != ""
	if c.Targets, err = targets.Parse(getenv("RACE_TARGETS")); err != nil {
		return c, err
	}
	c.CompilerRTURL = getenv("COMPILER_RT_URL")
	if c.CacheDir = getenv("RACESYSO_CACHE"); c.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return c, fmt.Errorf("no cache directory (set RACESYSO_CACHE): %w", err)
		}
		c.CacheDir = filepath.Join(base, "racesyso")
	}
	c.GOROOT = getenv("RACESYSO_GOROOT")
	c.SkipGorootTests = getenv("RACESYSO_SKIP_GOROOT_TESTS") == "1"
	if v := strings.TrimSpace(getenv("RACESYSO_BENCH_RUNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("RACESYSO_BENCH_RUNS=%q: want a count of runs, at least 1 (unset: the suite's)", v)
		}
		c.BenchRuns = n
	}
	if c.History = strings.TrimSpace(getenv("RACESYSO_HISTORY")); c.History == "" {
		c.History = "ci"
	}
	c.Compilers = map[string]Compiler{}
	for _, goos := range targets.All() {
		up := strings.ToUpper(goos)
		var cc Compiler
		if f := strings.Fields(getenv("RACESYSO_CXX_" + up)); len(f) > 0 {
			cc.CXX = f
		}
		if f := strings.Fields(getenv("RACESYSO_CC_" + up)); len(f) > 0 {
			cc.CC = f
		}
		if cc.CXX != nil || cc.CC != nil {
			c.Compilers[goos] = cc
		}
	}
	c.From = getenv("RACESYSO_FROM")
	c.ReleaseDryRun = getenv("RELEASE_DRY_RUN") == "1"
	c.ReleaseForce = getenv("RELEASE_FORCE") == "1"
	c.GitHub = map[string]string{}
	for _, k := range []string{"GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "RACESYSO_UPLOAD_URL"} {
		c.GitHub[k] = getenv(k)
	}
	return c, nil
}

// Table is Vars as the Markdown table README shows.
func Table() string {
	var b strings.Builder
	b.WriteString("| variable | default | what it does |\n| --- | --- | --- |\n")
	for _, v := range Vars {
		def := v.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, def, v.Meaning)
	}
	return b.String()
}
