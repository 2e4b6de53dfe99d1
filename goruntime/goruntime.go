// Package goruntime exercises a Go race-detector runtime object
// (race_linux_amd64.syso) the way the Go runtime drives it, without building
// a Go toolchain: it copies the object next to the cgo sources of package
// goruntime/wrapper in a temporary module, builds the scenario program
// goruntime/mainprog with the build tag racesyso_wrapper, runs one process
// per scenario and parses the JSON each prints.
//
// The object's interface (base: pre-split ThreadSanitizer of early 2016;
// per-P: Processor contexts, Go >= 1.7) is detected from its ELF symbols
// (__tsan_proc_create defined → per-P) and cross-checked with what the
// program's C shim detected at run time.
package goruntime

import (
	"bytes"
	"context"
	"debug/elf"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/goruntime/wire"
	"github.com/racesyso/racesyso/internal/gotool"
)

//go:embed wrapper/*.go mainprog/*.go wire/*.go
var sources embed.FS

// Interface is the C API spoken by a race object.
type Interface string

const (
	Base Interface = "base"  // __tsan_init(thr, cb); __tsan_free(thr, p, sz)
	PerP Interface = "per-p" // __tsan_init(thr, proc, cb); __tsan_proc_create; __tsan_free(p, sz)
)

// Scenario names a check run in its own process.
type Scenario string

const (
	// Race: two goroutines write the same heap word without sync; a
	// "WARNING: DATA RACE" report must appear on stderr.
	Race Scenario = "race"
	// NoRace: the same with release/acquire in between; no report.
	NoRace Scenario = "norace"
	// GetProc: per-P only: the getProc callback (cmd 0) is invoked during
	// malloc/atomics/free and the answered Processor is the current P's.
	GetProc Scenario = "getproc"
	// GCFree: memory is freed from GC context (no goroutine) and reused.
	GCFree Scenario = "gcfree"
	// Leak: BenchmarkSyncLeak (Go issue 14533) with RSS sampled per level.
	Leak Scenario = "leak"
)

// AllScenarios are the scenarios Run uses when none are given. Leak is not
// included (it is long and memory hungry); ask for it explicitly.
var AllScenarios = []Scenario{Race, NoRace, GetProc, GCFree}

// HostSupported says why this machine cannot run the harness, or nil: it
// runs linux/amd64 objects and needs a C compiler for cgo.
func HostSupported() error {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return fmt.Errorf("the harness runs linux/amd64 race objects only (this is %s/%s)", runtime.GOOS, runtime.GOARCH)
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		if _, err := exec.LookPath("cc"); err != nil {
			return errors.New("no C compiler for cgo: apt-get install gcc")
		}
	}
	return nil
}

// DefaultPerPObject is the per-P object shipped with the Go toolchain that
// runs the harness (Go 1.26: race/internal/amd64v1/race_linux.syso).
func DefaultPerPObject() string {
	root := goroot()
	for _, p := range []string{
		"src/runtime/race/internal/amd64v1/race_linux.syso",
		"src/runtime/race/race_linux_amd64.syso",
	} {
		f := filepath.Join(root, p)
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso")
}

func goroot() string {
	root, _ := gotool.GOROOT()
	return root
}

func goCmd() string { return filepath.Join(goroot(), "bin", "go") }

// ObjectInfo describes a race object from its ELF symbol table.
type ObjectInfo struct {
	Path      string
	Interface Interface
	// Missing lists Go-facing entry points the harness needs that the
	// object does not define.
	Missing []string
}

// RequiredSymbols are the entry points the wrapper calls on every object.
var RequiredSymbols = []string{
	"__tsan_init", "__tsan_fini", "__tsan_map_shadow", "__tsan_go_start",
	"__tsan_go_end", "__tsan_malloc", "__tsan_free", "__tsan_read",
	"__tsan_write", "__tsan_acquire", "__tsan_release", "__tsan_release_merge",
	"__tsan_func_enter", "__tsan_func_exit", "__tsan_go_atomic32_fetch_add",
}

// InspectObject reads the object's symbols with debug/elf and decides its
// interface: __tsan_proc_create defined → per-P, else base.
func InspectObject(objectPath string) (*ObjectInfo, error) {
	f, err := elf.Open(objectPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%s: machine %v, want x86-64", objectPath, f.Machine)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", objectPath, err)
	}
	defined := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			defined[s.Name] = true
		}
	}
	info := &ObjectInfo{Path: objectPath, Interface: Base}
	if defined["__tsan_proc_create"] {
		info.Interface = PerP
		if !defined["__tsan_proc_destroy"] {
			info.Missing = append(info.Missing, "__tsan_proc_destroy")
		}
	}
	for _, s := range RequiredSymbols {
		if !defined[s] {
			info.Missing = append(info.Missing, s)
		}
	}
	return info, nil
}

// LeakParams size the leak scenario (see mainprog).
type LeakParams struct {
	G      int   // goroutines
	H      int   // blocks each goroutine keeps alive
	S      int   // block size in bytes
	Iters  int   // iterations per goroutine at work level 1
	Levels []int // cumulative work levels, multiples of Iters
}

// DefaultLeakParams: G=100 goroutines, H=10, S=4000 (BenchmarkSyncLeak uses
// G=1000, S=1000 uint32s, H=10; G is reduced because every sync object's
// vector clock grows with the number of goroutines). Level 1 is 50k
// allocations; levels 1,2,4,8. The base object leaks about 1.5 KiB per
// allocation here (README's leak table, from `go run mage.go verify`: +497
// MiB from 50k to 400k allocations), so its run peaks near 620 MiB RSS;
// longer levels would cost more memory than a shared machine should spend.
func DefaultLeakParams() LeakParams {
	return LeakParams{G: 100, H: 10, S: 4000, Iters: 500, Levels: []int{1, 2, 4, 8}}
}

func (p LeakParams) args() []string {
	lv := make([]string, len(p.Levels))
	for i, l := range p.Levels {
		lv[i] = strconv.Itoa(l)
	}
	return []string{
		"-g", strconv.Itoa(p.G), "-h", strconv.Itoa(p.H), "-s", strconv.Itoa(p.S),
		"-iters", strconv.Itoa(p.Iters), "-levels", strings.Join(lv, ","),
	}
}

// Options configure Run.
type Options struct {
	Procs int        // number of Ps (default 4)
	Leak  LeakParams // zero value → DefaultLeakParams
	// Log, if set, receives build and run progress lines.
	Log io.Writer
}

// Counts and Level are the program's callback counts and leak samples.
type (
	Counts = wire.Counts
	Level  = wire.Level
)

// Result is one scenario's outcome: the program's JSON plus what the
// harness observed (exit status, race reports on stderr) and its verdict.
type Result struct {
	wire.Result
	Scenario Scenario `json:"-"` // Result.Scenario, typed

	ExitCode    int    `json:"-"`
	RaceReports int    `json:"-"` // "WARNING: DATA RACE" lines on stderr
	Stderr      string `json:"-"` // at most the last 4 KiB
	// FreedSyncObjects (gcfree only): the GC free destroyed the sync
	// object of the freed block (probe race reported). Expected for per-P
	// objects; false for the base object, whose __tsan_free(NULL, ...) is a
	// no-op (the Go issue 14533 leak).
	FreedSyncObjects bool   `json:"-"`
	Pass             bool   `json:"-"`
	Why              string `json:"-"` // reason for the verdict
}

// Report is the outcome of Run.
type Report struct {
	Object  *ObjectInfo
	Results []Result
}

// Passed reports whether every result passed.
func (r *Report) Passed() bool {
	for _, x := range r.Results {
		if !x.Pass {
			return false
		}
	}
	return true
}

// Get returns the result of scenario s.
func (r *Report) Get(s Scenario) (Result, bool) {
	for _, x := range r.Results {
		if x.Scenario == s {
			return x, true
		}
	}
	return Result{}, false
}

// Run builds the scenario program against objectPath and runs the given
// scenarios (AllScenarios if none) with default options.
func Run(ctx context.Context, objectPath string, checks ...Scenario) (*Report, error) {
	return RunWith(ctx, objectPath, Options{}, checks...)
}

// RunWith is Run with options.
func RunWith(ctx context.Context, objectPath string, opts Options, checks ...Scenario) (*Report, error) {
	prog, err := Build(ctx, objectPath, opts.Log)
	if err != nil {
		return nil, err
	}
	defer prog.Close()
	if len(checks) == 0 {
		checks = AllScenarios
	}
	rep := &Report{Object: prog.Object}
	for _, s := range checks {
		res, err := prog.RunScenario(ctx, s, opts)
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// Program is a built scenario program linked with one object.
type Program struct {
	Object *ObjectInfo
	Dir    string // temporary module
	Binary string
	log    io.Writer
}

// Close removes the temporary module.
func (p *Program) Close() error { return os.RemoveAll(p.Dir) }

// BuildLDFlags link the program externally and non-PIE: the 2016 Go mapping
// of ThreadSanitizer only accepts application memory in the Go heap range or
// at low addresses (non-PIE data/bss).
const BuildLDFlags = "-linkmode=external -extldflags=-no-pie"

// Build creates a temporary module holding the wrapper sources, the object
// (as goruntime/wrapper/race_linux_amd64.syso) and mainprog, and builds it
// with -tags racesyso_wrapper.
func Build(ctx context.Context, objectPath string, log io.Writer) (*Program, error) {
	info, err := InspectObject(objectPath)
	if err != nil {
		return nil, err
	}
	if len(info.Missing) > 0 {
		return nil, fmt.Errorf("%s (%s interface): missing entry points %v", objectPath, info.Interface, info.Missing)
	}
	dir, err := os.MkdirTemp("", "racesyso-goruntime-")
	if err != nil {
		return nil, err
	}
	prog := &Program{Object: info, Dir: dir, log: log}
	fail := func(err error) (*Program, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module github.com/racesyso/racesyso\n\ngo 1.26\n"), 0o644); err != nil {
		return fail(err)
	}
	err = fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, "goruntime", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return fail(err)
	}
	obj, err := os.ReadFile(objectPath)
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "goruntime", "wrapper", "race_linux_amd64.syso"), obj, 0o644); err != nil {
		return fail(err)
	}
	prog.Binary = filepath.Join(dir, "racesyso-scenarios")
	cmd := exec.CommandContext(ctx, goCmd(), "build", "-tags", "racesyso_wrapper",
		"-ldflags="+BuildLDFlags, "-o", prog.Binary, "./goruntime/mainprog")
	cmd.Dir = dir
	cmd.Env = gotool.Env(goroot(), "GOWORK=off", "CGO_ENABLED=1", "GOOS=linux", "GOARCH=amd64")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	prog.logf("building scenario program for %s (%s)", objectPath, info.Interface)
	if err := cmd.Run(); err != nil {
		return fail(fmt.Errorf("go build with %s: %v\n%s", objectPath, err, tail(out.String(), 4096)))
	}
	if ef, err := elf.Open(prog.Binary); err == nil {
		typ := ef.Type
		ef.Close()
		if typ != elf.ET_EXEC {
			return fail(fmt.Errorf("scenario program is %v, want non-PIE ET_EXEC", typ))
		}
	}
	return prog, nil
}

func (p *Program) logf(format string, args ...any) {
	if p.log != nil {
		fmt.Fprintf(p.log, "goruntime: "+format+"\n", args...)
	}
}

// GORACE is the environment the scenario processes run with: keep going
// after reports, exit 0 from __tsan_fini, no sleep at exit.
const GORACE = "exitcode=0 atexit_sleep_ms=0 halt_on_error=0"

// RunScenario runs one scenario process and judges it.
func (p *Program) RunScenario(ctx context.Context, s Scenario, opts Options) (Result, error) {
	procs := opts.Procs
	if procs <= 0 {
		procs = 4
	}
	args := []string{"-scenario", string(s), "-procs", strconv.Itoa(procs)}
	if s == Leak {
		lp := opts.Leak
		if lp.G == 0 {
			lp = DefaultLeakParams()
		}
		args = append(args, lp.args()...)
	}
	cmd := exec.CommandContext(ctx, p.Binary, args...)
	cmd.Env = append(os.Environ(), "GORACE="+GORACE)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	p.logf("running %s %s", filepath.Base(p.Object.Path), strings.Join(args, " "))
	runErr := cmd.Run()
	var res Result
	res.Scenario = s
	res.ExitCode = cmd.ProcessState.ExitCode()
	res.Stderr = tail(stderr.String(), 4096)
	res.RaceReports = strings.Count(stderr.String(), "WARNING: DATA RACE")
	line := firstJSONLine(stdout.String())
	if line == "" {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		res.Why = fmt.Sprintf("no JSON result (exit %d, %v); stderr: %s", res.ExitCode, runErr, res.Stderr)
		return res, nil
	}
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		res.Why = fmt.Sprintf("bad JSON %q: %v", line, err)
		return res, nil
	}
	res.Scenario = s
	res.FreedSyncObjects = s == GCFree && res.RaceReports > 0
	res.Pass, res.Why = judge(p.Object.Interface, res)
	return res, nil
}

func judge(iface Interface, r Result) (bool, string) {
	switch {
	case r.ExitCode != 0:
		return false, fmt.Sprintf("exit status %d", r.ExitCode)
	case !r.OK:
		return false, "scenario failed: " + r.Detail
	case Interface(r.Interface) != iface:
		return false, fmt.Sprintf("C shim detected %s interface, ELF symbols say %s", r.Interface, iface)
	case r.Callbacks.Unknown != 0:
		return false, fmt.Sprintf("%d callbacks with unknown command", r.Callbacks.Unknown)
	case r.Callbacks.GetProcNull != 0:
		return false, fmt.Sprintf("getProc asked %d times while no P was current", r.Callbacks.GetProcNull)
	case strings.Contains(r.Stderr, "CHECK failed") || strings.Contains(r.Stderr, "SEGV"):
		return false, "runtime error on stderr"
	}
	switch r.Scenario {
	case Race:
		if r.RaceReports < 1 {
			return false, "no data race reported"
		}
		if r.Callbacks.SymbolizeCode == 0 {
			return false, "race reported without the symbolize-code callback"
		}
		return true, fmt.Sprintf("%d race report(s)", r.RaceReports)
	case NoRace:
		if r.RaceReports != 0 {
			return false, fmt.Sprintf("%d unexpected race report(s)", r.RaceReports)
		}
		return true, "no report"
	case GetProc:
		if iface == Base {
			if !r.NotApplicable {
				return false, "base object: getproc should be not applicable"
			}
			return true, "not applicable (base interface)"
		}
		if r.Callbacks.GetProc == 0 {
			return false, "getProc callback never invoked"
		}
		return true, fmt.Sprintf("getProc answered %d times: %s", r.Callbacks.GetProc, r.Detail)
	case GCFree:
		if iface == PerP && r.Callbacks.GetProc == 0 {
			return false, "GC free did not ask for the current P"
		}
		if iface == PerP && !r.FreedSyncObjects {
			return false, "per-P GC free left the freed block's sync object alive (no probe race)"
		}
		if r.RaceReports > 1 {
			return false, fmt.Sprintf("%d race reports, want at most the probe's one", r.RaceReports)
		}
		return true, fmt.Sprintf("%s; free destroyed sync objects: %v", r.Detail, r.FreedSyncObjects)
	case Leak:
		if len(r.Levels) == 0 {
			return false, "no RSS samples"
		}
		return true, r.Detail
	}
	return false, "unknown scenario"
}

func firstJSONLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "{") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

var errNoObject = errors.New("race object not found")

// CheckObjectExists returns a descriptive error if path is not a readable file.
func CheckObjectExists(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoObject, err)
	}
	if st.IsDir() {
		return fmt.Errorf("%w: %s is a directory", errNoObject, p)
	}
	return nil
}
