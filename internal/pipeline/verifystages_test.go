package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/verify"
)

// fakeDist makes a dist/ holding one object and its manifest: what
// VerifyWith reads before running its stages.
func fakeDist(t *testing.T) *pipeline.Context {
	t.Helper()
	dir := t.TempDir()
	obj := filepath.Join(dir, "race_linux_amd64.syso")
	if err := os.WriteFile(obj, []byte("not really an object"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, n, err := dist.FileSHA256(obj)
	if err != nil {
		t.Fatal(err)
	}
	m := &dist.Manifest{Targets: map[string]dist.Built{"linux": {Object: filepath.Base(obj), SHA256: sum, Size: n}}}
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	root, err := pipeline.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := &pipeline.Context{Root: root, DistDir: dir, Log: &bytes.Buffer{}}
	if err := c.UseProfile(""); err != nil {
		t.Fatal(err)
	}
	return c
}

// stub is a stage that records that it ran and adds the given results.
func stub(name string, ran *[]string, results ...verify.Result) pipeline.VerifyStage {
	return pipeline.VerifyStage{Name: name, Run: func(c *pipeline.Context, m *dist.Manifest, rep *verify.Report) {
		*ran = append(*ran, name)
		for _, r := range results {
			rep.Add(r)
		}
	}}
}

// TestVerifyWithStubStages: stages run in the listed order; verify fails on
// a failed check, passes with skipped ones but says so loudly and records
// them, and verify.json and the manifest agree on the counts.
func TestVerifyWithStubStages(t *testing.T) {
	pass := verify.Result{Name: "p", Target: "linux", Status: verify.Passed, Summary: "fine"}
	fail := verify.Result{Name: "f", Target: "linux", Status: verify.Failed, Summary: "broken"}
	skip := verify.Skip("s", "linux", "wine64 is missing: apt-get install wine64")
	noStatus := verify.Result{Name: "n", Target: "linux", Summary: "a stage that forgot the status"}
	for _, tt := range []struct {
		name                    string
		results                 [][]verify.Result // per stage
		wantErr                 string
		passed, failed, skipped int
		wantLog                 []string
	}{
		{"all pass", [][]verify.Result{{pass}, {pass, pass}}, "", 3, 0, 0, []string{"[1/2] a", "[2/2] b", "3 passed, 0 failed, 0 skipped"}},
		{"a failure fails verify", [][]verify.Result{{pass}, {fail}}, "verify failed: 1 of 2 checks", 1, 1, 0, []string{"FAIL"}},
		{"a skip is loud, not a failure", [][]verify.Result{{pass}, {skip}}, "", 1, 0, 1, []string{"1 check(s) SKIPPED", "wine64 is missing"}},
		{"no status is a failure", [][]verify.Result{{noStatus}, {pass}}, "verify failed", 1, 1, 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeDist(t)
			var ran []string
			stages := []pipeline.VerifyStage{stub("a", &ran, tt.results[0]...), stub("b", &ran, tt.results[1]...)}
			err := c.VerifyWith(stages)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("VerifyWith = %v, want error %q", err, tt.wantErr)
			}
			if strings.Join(ran, ",") != "a,b" {
				t.Errorf("stages ran %v, want a,b in order", ran)
			}
			log := c.Log.(*bytes.Buffer).String()
			for _, w := range tt.wantLog {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			var rep verify.Report
			data, _ := os.ReadFile(filepath.Join(c.DistDir, pipeline.VerifyFile))
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			m, err := dist.Read(c.DistDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range [][3]int{{rep.Passed, rep.Failed, rep.Skipped}, {m.Verify.Passed, m.Verify.Failed, m.Verify.Skipped}} {
				if got != [3]int{tt.passed, tt.failed, tt.skipped} {
					t.Errorf("counts %v, want %d/%d/%d", got, tt.passed, tt.failed, tt.skipped)
				}
			}
			if m.Verify.OK != (tt.failed == 0) {
				t.Errorf("manifest ok=%v with %d failed", m.Verify.OK, tt.failed)
			}
		})
	}
}

// TestVerifyStagesOrder: the real stages, in the order README describes.
func TestVerifyStagesOrder(t *testing.T) {
	var names []string
	for _, s := range pipeline.VerifyStages {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "objects,interface-2016,harness,goroot,history" {
		t.Errorf("VerifyStages = %s", got)
	}
}

// TestVerifyResumesAfterInterrupt: a verify whose context is cancelled in a
// stage stops there, changes nothing in dist/ and keeps the stages it
// finished; the next verify of the same objects takes their results
// (saying so), runs the rest and writes the whole report; a verify of
// other objects starts afresh.
func TestVerifyResumesAfterInterrupt(t *testing.T) {
	c := fakeDist(t)
	c.BuildDir = t.TempDir()
	before := listing(t, c.DistDir)
	ctx, cancel := context.WithCancel(context.Background())
	c.Ctx = ctx
	pass := verify.Result{Name: "p", Target: "linux", Status: verify.Passed, Summary: "fine"}
	var ran []string
	interrupted := pipeline.VerifyStage{Name: "b", Run: func(c *pipeline.Context, m *dist.Manifest, rep *verify.Report) {
		ran = append(ran, "b")
		cancel() // Ctrl-C while the stage's tools run: they fail
		rep.Add(verify.Result{Name: "q", Target: "linux", Status: verify.Failed, Summary: "killed"})
	}}
	stages := []pipeline.VerifyStage{stub("a", &ran, pass), interrupted, stub("c", &ran, pass)}
	err := c.VerifyWith(stages)
	if err == nil || !strings.Contains(err.Error(), "verify interrupted in its b stage") || !strings.Contains(err.Error(), "goes on from b") {
		t.Fatalf("VerifyWith = %v, want an interruption that names the stage", err)
	}
	if got := listing(t, c.DistDir); got != before {
		t.Errorf("an interrupted verify changed dist/:\n%s\nwas:\n%s", got, before)
	}
	if strings.Join(ran, ",") != "a,b" {
		t.Errorf("ran %v, want a,b and nothing after the interruption", ran)
	}

	// The rerun.
	ran = nil
	c.Ctx = context.Background()
	log := c.Log.(*bytes.Buffer)
	log.Reset()
	stages[1] = stub("b", &ran, pass)
	if err := c.VerifyWith(stages); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ran, ",") != "b,c" {
		t.Errorf("the rerun ran %v, want b,c (a's results kept)", ran)
	}
	for _, w := range []string{"resuming an interrupted verify", "stages a finished", "[1/3] a: finished by the interrupted verify; its 1 results are kept", "3 passed, 0 failed"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
	if _, err := os.Stat(filepath.Join(c.BuildDir, pipeline.ProgressFile)); !os.IsNotExist(err) {
		t.Errorf("the progress record outlived the finished verify: %v", err)
	}

	// An interrupted verify of other objects is not taken.
	ran = nil
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	c.Ctx = ctx
	stages[1] = interrupted
	c.VerifyWith(stages)
	m, _ := dist.Read(c.DistDir)
	b := m.Targets["linux"]
	os.WriteFile(filepath.Join(c.DistDir, b.Object), []byte("another object"), 0o644)
	b.SHA256, b.Size, _ = dist.FileSHA256(filepath.Join(c.DistDir, b.Object))
	m.Targets["linux"] = b
	m.Write(c.DistDir)
	ran = nil
	c.Ctx = context.Background()
	stages[1] = stub("b", &ran, pass)
	if err := c.VerifyWith(stages); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ran, ",") != "a,b,c" {
		t.Errorf("a verify of other objects ran %v, want a,b,c", ran)
	}
}

// listing is every file of dir with its bytes' sha256.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			sum, _, _ := dist.FileSHA256(p)
			out = append(out, p+" "+sum)
		}
		return nil
	})
	return strings.Join(out, "\n")
}
