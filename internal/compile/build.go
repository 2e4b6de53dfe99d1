package compile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/toolchain"
)

// Options configure one build of several targets.
type Options struct {
	WorkTree string   // the patched compiler-rt checkout
	BuildDir string   // scratch space: .build/<target>/
	DistDir  string   // where objects, manifest.json and SHA256SUMS go
	Targets  []string // GOOS values
	// Manifest carries the source and series; Build fills in Targets.
	Manifest *dist.Manifest
	Log      io.Writer
	Jobs     int // compiles at once; 0 means runtime.NumCPU()
	// Compilers override the targets table's, by GOOS (internal/config).
	Compilers map[string]config.Compiler
	Force     bool
	// Spec is the profile's targets table; nil means the default's.
	Spec *targets.Spec
	// WinePrefix is the private wine prefix of the windows smoke test;
	// empty means BuildDir/wineprefix. It is kept between builds.
	WinePrefix string
}

func (o Options) winePrefix() string {
	if o.WinePrefix != "" {
		return o.WinePrefix
	}
	p, _ := filepath.Abs(filepath.Join(o.BuildDir, "wineprefix"))
	return p
}

// goDir is where buildgo.sh runs, relative to the work tree; the source
// lists and -I flags are relative to it.
const goDir = "lib/tsan/go"

// Timings are how long a build took, for reports (never for the manifest,
// which must not change when nothing else did).
type Timings struct {
	Wall    float64            // the whole build
	Compile map[string]float64 // per target: the compiler invocation alone (0: reused)
	Target  map[string]float64 // per target: compile, smoke test and output
}

// Build builds every target in o.Targets concurrently and writes dist/.
// It returns an error naming each target that failed.
func Build(o Options) error {
	_, err := BuildTimed(o)
	return err
}

// BuildTimed is Build, also returning how long each part took.
func BuildTimed(o Options) (*Timings, error) {
	tm := &Timings{Compile: map[string]float64{}, Target: map[string]float64{}}
	if o.Spec == nil {
		return nil, fmt.Errorf("compile: no targets table (Options.Spec)")
	}
	spec := *o.Spec
	prev, err := dist.Read(o.DistDir)
	if err != nil {
		return nil, err
	}
	if o.Manifest.Targets == nil {
		o.Manifest.Targets = map[string]dist.Built{}
	}
	// The manifest is merged per target: the other targets' entries stay
	// when their objects are intact and were built from the same inputs.
	// An object that cannot stay is removed from dist/, and said so.
	kept, dropped := mergePrevious(prev, o.Manifest, o.Targets, o.DistDir)
	for goos, t := range kept {
		o.Manifest.Targets[goos] = t
	}
	if err := removeDropped(o.DistDir, dropped, o.Log); err != nil {
		return nil, err
	}
	log := &syncWriter{w: o.Log}
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	slots := newCompileSlots(jobs)
	// Tickets: longest compile first, by the cost hints of targets.json.
	order := append([]string{}, o.Targets...)
	cost := func(goos string) float64 { t, _ := spec.Get(goos); return t.Cost }
	sort.SliceStable(order, func(i, j int) bool { return cost(order[i]) > cost(order[j]) })
	ticket := map[string]int{}
	for i, goos := range order {
		ticket[goos] = i
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	start := time.Now()
	for _, goos := range o.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			fmt.Fprintf(log, "[%s] started\n", goos)
			t, compile, err := buildTarget(o, spec, goos, prev.Targets[goos], slots, ticket[goos], log)
			mu.Lock()
			defer mu.Unlock()
			tm.Compile[goos], tm.Target[goos] = compile, time.Since(t0).Seconds()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", goos, err))
				fmt.Fprintf(log, "[%s] FAILED after %.1fs: %v\n", goos, time.Since(t0).Seconds(), err)
				return
			}
			o.Manifest.Targets[goos] = t
			fmt.Fprintf(log, "[%s] finished in %.1fs: %s (%d bytes, sha256 %.12s)\n", goos, time.Since(t0).Seconds(), t.Object, t.Size, t.SHA256)
		}()
	}
	wg.Wait()
	tm.Wall = time.Since(start).Seconds()
	// A verification (and history's results, and the report drawn from
	// them) speaks for the objects it checked: it survives a build that
	// compiled nothing, and is withdrawn by one that changed anything.
	changed := len(errs) > 0 || len(dropped) > 0
	for _, c := range tm.Compile {
		changed = changed || c > 0
	}
	if !changed && prev.SameInputs(o.Manifest) {
		o.Manifest.Verify = prev.Verify
	} else {
		for _, f := range dist.Findings {
			if err := os.Remove(filepath.Join(o.DistDir, f)); err != nil && !os.IsNotExist(err) {
				return tm, err
			}
		}
	}
	if err := o.Manifest.Write(o.DistDir); err != nil {
		return tm, err
	}
	fmt.Fprintf(log, "build: %d of %d targets built in %.1fs; wrote %s\n", len(o.Targets)-len(errs), len(o.Targets), time.Since(start).Seconds(), filepath.Join(o.DistDir, dist.FileName))
	var ran, linked []string
	for _, goos := range o.Targets {
		if t, ok := o.Manifest.Targets[goos]; ok {
			if t.SmokeRan {
				ran = append(ran, goos)
			} else {
				linked = append(linked, goos)
			}
		}
	}
	fmt.Fprintf(log, "build: smoke test ran (race reported) for [%s]; only linked, not run, for [%s]\n", strings.Join(ran, " "), strings.Join(linked, " "))
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return tm, errors.Join(errs...)
}

// dropped is an object of dist/ that a build does not keep, and why.
type dropped struct {
	GOOS, Object, Why string
	Missing           bool // nothing to remove: the object is already gone
}

// mergePrevious returns the entries of the previous manifest that a build
// of targets keeps (those of the other targets whose objects are intact and
// were built from the same inputs), and the objects of dist/ it drops: built
// from other inputs, missing, changed since, or listed nowhere.
func mergePrevious(prev, next *dist.Manifest, names []string, distDir string) (map[string]dist.Built, []dropped) {
	building := map[string]bool{}
	for _, g := range names {
		building[g] = true
	}
	kept := map[string]dist.Built{}
	var drop []dropped
	listed := map[string]bool{}
	diff := next.InputsDiff(prev)
	for goos, t := range prev.Targets {
		listed[t.Object] = true
		if building[goos] {
			continue
		}
		sum, _, err := dist.FileSHA256(filepath.Join(distDir, t.Object))
		switch {
		case err != nil:
			drop = append(drop, dropped{GOOS: goos, Object: t.Object, Why: "it is missing from dist/", Missing: true})
		case diff != "":
			drop = append(drop, dropped{GOOS: goos, Object: t.Object, Why: "it was built from other inputs (this build: " + diff + ")"})
		case sum != t.SHA256:
			drop = append(drop, dropped{GOOS: goos, Object: t.Object, Why: "it changed since it was built (sha256 " + sum[:12] + ", manifest.json says " + t.SHA256[:min(12, len(t.SHA256))] + ")"})
		default:
			kept[goos] = t
		}
	}
	// Objects manifest.json does not list (left by an interrupted or older
	// run) are not this build's either.
	for _, goos := range targets.Known {
		name := dist.ObjectName(goos)
		if listed[name] || building[goos] {
			continue
		}
		if _, err := os.Stat(filepath.Join(distDir, name)); err == nil {
			drop = append(drop, dropped{GOOS: goos, Object: name, Why: "manifest.json does not list it"})
		}
	}
	sort.Slice(drop, func(i, j int) bool { return drop[i].GOOS < drop[j].GOOS })
	return kept, drop
}

// removeDropped removes the dropped objects from dist/, saying why and how
// to build them again.
func removeDropped(distDir string, drop []dropped, log io.Writer) error {
	if len(drop) == 0 {
		return nil
	}
	var again []string
	for _, d := range drop {
		again = append(again, d.GOOS)
		if d.Missing {
			fmt.Fprintf(log, "build: %s leaves manifest.json: %s\n", d.Object, d.Why)
			continue
		}
		fmt.Fprintf(log, "build: removing %s from dist/: %s\n", d.Object, d.Why)
		if err := os.Remove(filepath.Join(distDir, d.Object)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing %s, which this build does not keep: %w", filepath.Join(distDir, d.Object), err)
		}
	}
	fmt.Fprintf(log, "build: to build them again: RACE_TARGETS=%s go run mage.go buildSyso\n", strings.Join(again, ","))
	return nil
}

// buildTarget compiles and smoke-tests one target, unless its input key
// matches the previous build and the object in dist/ is intact.
func buildTarget(o Options, spec targets.Spec, goos string, prev dist.Built, slots *compileSlots, ticket int, log io.Writer) (dist.Built, float64, error) {
	compiling := false
	defer func() {
		if !compiling {
			slots.pass(ticket)
		}
	}()
	srcRoot, err := filepath.Abs(o.WorkTree)
	if err != nil {
		return dist.Built{}, 0, err
	}
	sources, flags, ts, err := spec.Build(goos, func(f string) bool {
		_, err := os.Stat(filepath.Join(srcRoot, goDir, f))
		return err == nil
	})
	if err != nil {
		return dist.Built{}, 0, err
	}
	tc, err := toolchain.ForSpec(spec, goos, o.Compilers[targets.GOOSOf(goos)])
	if err != nil {
		return dist.Built{}, 0, err
	}
	version, err := tc.Version()
	if err != nil {
		return dist.Built{}, 0, err
	}
	dir, err := filepath.Abs(filepath.Join(o.BuildDir, goos))
	if err != nil {
		return dist.Built{}, 0, err
	}
	unit, err := concat(srcRoot, sources)
	if err != nil {
		return dist.Built{}, 0, err
	}
	// Absolute -I paths, mapped away so that the object does not depend on
	// where the checkout or the build directory lives.
	args := append([]string{}, tc.CXX...)
	for _, f := range flags {
		if strings.HasPrefix(f, "-I") {
			f = "-I" + filepath.Join(srcRoot, goDir, f[2:])
		}
		args = append(args, f)
	}
	args = append(args, "-ffile-prefix-map="+srcRoot+"=compiler-rt", "-ffile-prefix-map="+dir+"=build", "-c", "gotsan.cc", "-o", dist.ObjectName(goos))
	key, err := inputKey(srcRoot, unit, args, version, ts.Smoke, dir, srcRoot)
	if err != nil {
		return dist.Built{}, 0, err
	}
	out := filepath.Join(o.DistDir, dist.ObjectName(goos))
	if !o.Force && prev.InputKey == key {
		if sum, _, err := dist.FileSHA256(out); err == nil && sum == prev.SHA256 {
			fmt.Fprintf(log, "[%s] up to date (input key %.12s), nothing compiled\n", goos, key)
			return prev, 0, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dist.Built{}, 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "gotsan.cc"), unit, 0o644); err != nil {
		return dist.Built{}, 0, err
	}
	waitWine := func() {}
	if ts.Smoke.Kind == "wine" {
		waitWine = StartWinePrefix(o.winePrefix())
	}
	compiling = true
	slots.take(ticket)
	t0 := time.Now()
	fmt.Fprintf(log, "[%s] compiling with %s (%s)\n", goos, tc.Name, version)
	err = run(dir, tc.Env(dir), args...)
	slots.release()
	if err != nil {
		return dist.Built{}, 0, fmt.Errorf("compiling %s: %w", dist.ObjectName(goos), err)
	}
	compile := time.Since(t0).Seconds()
	fmt.Fprintf(log, "[%s] compiled in %.1fs\n", goos, compile)
	obj := filepath.Join(dir, dist.ObjectName(goos))
	waitWine()
	smoke, ran, err := Smoke(targets.GOOSOf(goos), tc, ts.Smoke, obj, filepath.Join(srcRoot, goDir, "test.c"), dir, o.winePrefix())
	if err != nil {
		return dist.Built{}, 0, fmt.Errorf("smoke test: %w", err)
	}
	fmt.Fprintf(log, "[%s] smoke test: %s\n", goos, smoke)
	if err := atomicfile.Copy(out, obj); err != nil {
		return dist.Built{}, 0, err
	}
	sum, size, err := dist.FileSHA256(out)
	if err != nil {
		return dist.Built{}, 0, err
	}
	return dist.Built{
		Object: dist.ObjectName(goos), SHA256: sum, Size: size,
		Compiler: tc.Name, CompilerVersion: version, Command: redact(args, srcRoot, dir), Flags: flags,
		InputKey: key, Smoke: smoke, SmokeRan: ran,
	}, compile, nil
}

// concat joins the sources into one translation unit, as buildgo.sh does.
func concat(srcRoot string, sources []string) ([]byte, error) {
	var unit bytes.Buffer
	for _, s := range sources {
		data, err := os.ReadFile(filepath.Join(srcRoot, goDir, s))
		if err != nil {
			return nil, fmt.Errorf("reading source (did `go run mage.go checkout patch` run?): %w", err)
		}
		unit.Write(data)
	}
	return unit.Bytes(), nil
}

// inputKey hashes everything the compile and smoke test read: every file of
// lib/tsan, lib/sanitizer_common and include (headers included), the unit,
// the command line with local paths removed, and the compiler version.
func inputKey(srcRoot string, unit []byte, args []string, version string, smoke targets.SmokeSpec, localPaths ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "compiler %s\nargs %q\nsmoke %q %q\n", version, redact(args, localPaths...), smoke.Kind, smoke.LinkFlags)
	h.Write(unit)
	for _, d := range []string{"lib/tsan", "lib/sanitizer_common", "include"} {
		err := filepath.WalkDir(filepath.Join(srcRoot, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(srcRoot, p)
			fmt.Fprintf(h, "file %s %d\n", rel, len(data))
			h.Write(data)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// redact replaces local directories in args so they can be recorded.
func redact(args []string, paths ...string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for j, p := range paths {
			a = strings.ReplaceAll(a, p, []string{"compiler-rt", "build"}[min(j, 1)])
		}
		out[i] = a
	}
	return out
}

// run runs argv in dir with extra environment and returns its output in the
// error when it fails.
func run(dir string, env []string, argv ...string) error {
	_, err := output(dir, env, argv...)
	return err
}

func output(dir string, env []string, argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		text := strings.TrimSpace(string(out))
		if len(text) > 4000 {
			text = text[:4000] + "\n..."
		}
		return string(out), fmt.Errorf("%s: %v\n%s", filepath.Base(argv[0]), err, text)
	}
	return string(out), nil
}

// syncWriter serialises progress lines from concurrent targets.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
