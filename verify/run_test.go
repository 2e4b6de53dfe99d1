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
	if !rep.OK {
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
	rep := Report{Results: []Result{{Name: "format", Target: "x.syso", OK: false, Summary: "bad", Details: []string{"d"}}}}
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
	for _, k := range []string{"name", "target", "ok", "summary", "details"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON result lacks %q: %s", k, b)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
