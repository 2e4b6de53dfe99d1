package history

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/racetest"
)

// fakeEngine records what the steps ran and answers as told.
type fakeEngine struct {
	calls      []string
	runs       map[string]racetest.ObjectRun // by side
	runErr     map[string]error
	provGot    map[string]string // by want: what the binary links
	installErr error
}

func (f *fakeEngine) engine() Engine {
	prov := func(want string) (racetest.Provenance, error) {
		got := f.provGot[want]
		if got == "" {
			got = want
		}
		return racetest.Provenance{Want: want, Got: got}, nil
	}
	return Engine{
		RaceTests: func(_ context.Context, _ *Env, object, _ string) (racetest.ObjectRun, error) {
			f.calls = append(f.calls, "race "+object)
			return f.runs[object], f.runErr[object]
		},
		WindowsTests: func(_ context.Context, _ *Env, object string, _ racetest.Wine, _ string) (racetest.ObjectRun, string, error) {
			f.calls = append(f.calls, "windows "+object)
			return f.runs["windows "+object], "x.exe", f.runErr["windows "+object]
		},
		Provenance: func(_ context.Context, _ *Env, want, _, _ string) (racetest.Provenance, error) {
			f.calls = append(f.calls, "provenance "+want)
			return prov(want)
		},
		Install: func(_ context.Context, _ *Env, _ string, goos []string, _ io.Writer) error {
			f.calls = append(f.calls, "install "+strings.Join(goos, ","))
			return f.installErr
		},
		WindowsProvenance: func(_, want, _, _ string) (racetest.Provenance, error) { return prov(want) },
	}
}

func objRun(object string, cases map[string]string) racetest.ObjectRun {
	s := racetest.SuiteRun{Package: "runtime/race", ExitOK: true, Tests: []racetest.Test{{Name: "runtime/race.TestOutput", Result: racetest.Pass}}}
	for _, n := range slices.Sorted(maps.Keys(cases)) {
		s.Cases = append(s.Cases, racetest.Case{Name: n, Result: cases[n]})
	}
	return racetest.ObjectRun{Object: object, Suites: []racetest.SuiteRun{s}, Seconds: 1}
}

// newProof is a proof past setup and inspect: a work directory with a
// shipped linux object and a GOROOT with a windows slot.
func newProof(t *testing.T, f *fakeEngine, runs *racetest.Runs) *proof {
	t.Helper()
	work := t.TempDir()
	gr := filepath.Join(work, "goroot")
	os.MkdirAll(filepath.Join(gr, "src", "runtime", "race", "internal", "amd64v1"), 0o755)
	os.WriteFile(filepath.Join(gr, "src", "runtime", "race", "race.go"), nil, 0o644)
	os.WriteFile(filepath.Join(gr, "src", "runtime", "race", "internal", "amd64v1", "race_windows.syso"), []byte("shipped windows"), 0o644)
	shipped := filepath.Join(work, "shipped_race_linux_amd64.syso")
	os.WriteFile(shipped, []byte("shipped linux"), 0o644)
	ours := filepath.Join(work, "race_linux_amd64.syso")
	os.WriteFile(ours, []byte("ours linux"), 0o644)
	var log bytes.Buffer
	r := Release{Version: "1.26.8", Object: PerP, Windows: true}
	return &proof{r: r, o: Options{Log: &log, Runs: runs, Wine: &racetest.Wine{}}, eng: f.engine(), e: &Entry{}, env: &Env{Env: &racetest.Env{GOROOT: gr}, Release: r},
		work: work, gr: gr, oursObj: ours, shippedCopy: shipped, perp: map[string]string{"windows": ours}}
}

// TestProofSteps runs the steps with a fake engine: what each runs, what
// it records, and how a failure ends or does not end the proof.
func TestProofSteps(t *testing.T) {
	same := map[string]string{"RaceA": racetest.Pass, "NoRaceB": racetest.Pass}
	for _, tt := range []struct {
		name  string
		f     fakeEngine
		steps []func(*proof, context.Context) bool
		ok    bool   // the last step's answer
		calls string // what the engine was asked
		why   string // in the entry's Why ("" = none)
	}{
		{"shipped, ours, judge: equal runs pass", fakeEngine{runs: map[string]racetest.ObjectRun{"ours": objRun("ours", same), "shipped": objRun("shipped", same)}},
			[]func(*proof, context.Context) bool{(*proof).shipped, (*proof).ours, (*proof).judge}, true,
			"provenance shipped, race shipped, install linux, provenance ours, race ours", ""},
		{"a regression fails the judge", fakeEngine{runs: map[string]racetest.ObjectRun{"ours": objRun("ours", map[string]string{"RaceA": racetest.Pass, "NoRaceB": racetest.FalsePos}), "shipped": objRun("shipped", same)}},
			[]func(*proof, context.Context) bool{(*proof).shipped, (*proof).ours, (*proof).judge}, true,
			"provenance shipped, race shipped, install linux, provenance ours, race ours", "judge: 1 regressions"},
		{"the shipped run failing ends the proof", fakeEngine{runErr: map[string]error{"shipped": errors.New("no go")}},
			[]func(*proof, context.Context) bool{(*proof).shipped}, false, "provenance shipped, race shipped", "race tests (shipped): no go"},
		{"a build linking the wrong object ends ours before its run", fakeEngine{provGot: map[string]string{"ours": "shipped"}},
			[]func(*proof, context.Context) bool{(*proof).ours}, false, "install linux, provenance ours", "a race build with our object installed links shipped"},
		{"an install that fails ends ours", fakeEngine{installErr: errors.New("lacks __tsan_go_start")},
			[]func(*proof, context.Context) bool{(*proof).ours}, false, "install linux", "install: lacks __tsan_go_start"},
		{"windows: shipped then ours, judged", fakeEngine{runs: map[string]racetest.ObjectRun{"windows ours": objRun("ours", same), "windows shipped": objRun("shipped", same)}},
			[]func(*proof, context.Context) bool{(*proof).windowsShipped, (*proof).windowsOurs}, true, "windows shipped, install windows, windows ours", ""},
		{"windows: a regression fails", fakeEngine{runs: map[string]racetest.ObjectRun{"windows ours": objRun("ours", map[string]string{"RaceA": racetest.Fail, "NoRaceB": racetest.Pass}), "windows shipped": objRun("shipped", same)}},
			[]func(*proof, context.Context) bool{(*proof).windowsShipped, (*proof).windowsOurs}, true, "windows shipped, install windows, windows ours", "windows: 1 regressions"},
		{"windows: the shipped run failing skips ours", fakeEngine{runErr: map[string]error{"windows shipped": errors.New("wine")}},
			[]func(*proof, context.Context) bool{(*proof).windowsShipped, (*proof).windowsOurs}, true, "windows shipped", "windows (shipped): wine"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			p := newProof(t, &f, nil)
			ok := true
			for _, st := range tt.steps {
				if ok = st(p, context.Background()); !ok {
					break
				}
			}
			if ok != tt.ok || strings.Join(f.calls, ", ") != tt.calls {
				t.Errorf("ok=%v (want %v); ran %q, want %q", ok, tt.ok, strings.Join(f.calls, ", "), tt.calls)
			}
			why := strings.Join(p.e.Why, "\n")
			if (tt.why == "") != (why == "") || !strings.Contains(why, tt.why) {
				t.Errorf("why %q, want %q", why, tt.why)
			}
		})
	}
}

// TestProofTakesRemembered: a run this process made before for the same
// release and object (verify's goroot stage) is taken, not run again;
// another object's is not.
func TestProofTakesRemembered(t *testing.T) {
	same := map[string]string{"RaceA": racetest.Pass}
	f := &fakeEngine{runs: map[string]racetest.ObjectRun{"ours": objRun("ours", same), "shipped": objRun("shipped", same)}}
	runs := racetest.NewRuns(nil)
	p := newProof(t, f, runs)
	before := objRun("x", same)
	runs.Do(racetest.RunKey("1.26.8", "linux", racetest.FileSHA(p.shippedCopy)), "shipped", func() (racetest.ObjectRun, error) { return before, nil })
	runs.Do(racetest.RunKey("1.26.8", "linux", racetest.FileSHA(p.oursObj)), "ours", func() (racetest.ObjectRun, error) { return before, nil })
	p.shipped(context.Background())
	p.ours(context.Background())
	if got := strings.Join(f.calls, ", "); got != "provenance shipped, install linux, provenance ours" {
		t.Errorf("ran %q: the remembered suites ran again", got)
	}
	os.WriteFile(p.oursObj, []byte("another object"), 0o644)
	p.ours(context.Background())
	if !strings.HasSuffix(strings.Join(f.calls, ", "), "race ours") {
		t.Errorf("another object's run was taken from memory: %v", f.calls)
	}
}
