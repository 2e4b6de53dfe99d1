package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func shippedObjects(t *testing.T) []Object {
	var objs []Object
	for _, goos := range shippedGOOS {
		o := shipped(t, goos)
		o.GOOS = "" // exercise GOOS detection from race_<goos>.syso
		objs = append(objs, o)
	}
	return objs
}

func TestRunShipped(t *testing.T) {
	objs := shippedObjects(t)
	refs := map[string]string{}
	for _, goos := range shippedGOOS {
		refs[goos] = shipped(t, goos).Path
	}
	rep := Run(objs, Options{Reference: refs, GlibcFloor: "2.17", AMD64Level: "v1"})
	var buf bytes.Buffer
	if err := rep.Table(&buf); err != nil {
		t.Fatal(err)
	}
	if !rep.Complete() {
		t.Fatalf("shipped objects fail:\n%s", buf.String())
	}
	// 4 objects × (format, abi, undefined, diff, isa) + linux glibc.
	if got := len(rep.Results); got != 21 {
		t.Errorf("%d results, want 21:\n%s", got, buf.String())
	}
	if !strings.HasPrefix(buf.String(), "CHECK") || !strings.Contains(buf.String(), "glibc") {
		t.Errorf("table:\n%s", buf.String())
	}
}

func TestRunInterfaceAndFailures(t *testing.T) {
	linux := shipped(t, "linux")
	bad := doctored(t, linux, func(t *testing.T, b []byte) { replaceAll(t, b, "__tsan_go_start\x00", "__tsan_go_stXrt\x00") })
	rep := Run([]Object{linux, bad}, Options{Interface: "go1.7-perP"})
	if rep.OK {
		t.Fatal("report OK despite a doctored object")
	}
	var buf bytes.Buffer
	rep.Table(&buf)
	if !strings.Contains(buf.String(), "FAIL") || !strings.Contains(buf.String(), "go1.7-perP") {
		t.Errorf("table:\n%s", buf.String())
	}
	if rep := Run([]Object{{Path: "/nonexistent/foo.o"}}, Options{Interface: "go1.7-perP"}); rep.OK {
		t.Error("object without GOOS accepted")
	}
}

func TestWriteJSON(t *testing.T) {
	rep := NewReport()
	rep.Add(Result{Name: "format", Target: "x.syso", Status: Failed, Summary: "bad", Details: []string{"d"}})
	rep.Add(Skip("leak", "x.syso", "not run: no linux object"))
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	r := m["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "target", "status", "summary", "details"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON result lacks %q: %s", k, b)
		}
	}
	if r["status"] != "failed" || m["results"].([]any)[1].(map[string]any)["status"] != "skipped" {
		t.Errorf("statuses: %s", b)
	}
	if m["ok"] != false || m["failed"] != 1.0 || m["skipped"] != 1.0 || m["passed"] != 0.0 {
		t.Errorf("counts: %s", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestRunSkipsChecksAfterFormatFailure: an arm64 ELF fails the format check,
// and the checks that read it as amd64 say skipped, not ok.
func TestRunSkipsChecksAfterFormatFailure(t *testing.T) {
	linux := shipped(t, "linux")
	arm64 := doctored(t, linux, func(t *testing.T, b []byte) { b[18], b[19] = 183, 0 }) // e_machine = EM_AARCH64
	rep := Run([]Object{arm64}, Options{Interface: "go1.7-perP", Reference: map[string]string{"linux": linux.Path}})
	want := map[string]Status{"format": Failed, "abi": Skipped, "undefined": Skipped, "undefined-diff": Skipped, "glibc": Skipped, "isa": Skipped}
	if len(rep.Results) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(rep.Results), len(want), rep.Results)
	}
	for _, r := range rep.Results {
		if r.Status != want[r.Name] {
			t.Errorf("%s: %s (%s), want %s", r.Name, r.Status, r.Summary, want[r.Name])
		}
	}
	if rep.OK || rep.Failed != 1 || rep.Skipped != 5 || rep.Passed != 0 {
		t.Errorf("report ok=%v passed=%d failed=%d skipped=%d", rep.OK, rep.Passed, rep.Failed, rep.Skipped)
	}
}

func TestReportStatuses(t *testing.T) {
	for _, tt := range []struct {
		name         string
		add          []Result
		ok, complete bool
		wantInTable  []string
		notInTable   []string
	}{
		{"all passed", []Result{{Name: "a", Status: Passed}}, true, true, []string{"a ", " ok "}, []string{"SKIPPED"}},
		{"a skip is not a pass", []Result{{Name: "a", Status: Passed}, Skip("b", "t", "no wine64")}, true, false,
			[]string{"SKIPPED", "1 check(s) SKIPPED", "no wine64"}, nil},
		{"a failure", []Result{{Name: "a", Status: Failed}, {Name: "b", Status: Passed}}, false, false, []string{"FAIL"}, []string{"SKIPPED"}},
		{"no status counts as failed", []Result{{Name: "a", Summary: "forgot the status"}}, false, false, []string{"FAIL"}, nil},
		{"nothing ran", nil, true, false, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := NewReport()
			for _, r := range tt.add {
				rep.Add(r)
			}
			if rep.OK != tt.ok || rep.Complete() != tt.complete {
				t.Errorf("ok=%v complete=%v, want %v %v", rep.OK, rep.Complete(), tt.ok, tt.complete)
			}
			var buf bytes.Buffer
			rep.Table(&buf)
			for _, w := range tt.wantInTable {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, buf.String())
				}
			}
			for _, w := range tt.notInTable {
				if strings.Contains(buf.String(), w) {
					t.Errorf("table has %q:\n%s", w, buf.String())
				}
			}
		})
	}
}
