package patch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/gitrun"
)

const original = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\ntwelve\n"

// newTree makes a git repository with lib/a.txt and returns its path.
func newTree(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "compiler-rt")
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "lib", "a.txt"), []byte(original), 0o644)
	for _, args := range [][]string{{"init", "--quiet"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "base"}} {
		if _, err := gitrun.Run(dir, args...); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// makePatch edits lib/a.txt in tree with edit, returns the diff and resets.
func makePatch(t *testing.T, tree string, edit func(string) string) string {
	t.Helper()
	p := filepath.Join(tree, "lib", "a.txt")
	old, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(edit(string(old))), 0o644)
	diff, err := gitrun.Run(tree, "diff", "-U1")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, old, 0o644)
	return diff + "\n"
}

func writeSeries(t *testing.T, patches map[string]string, order ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "patches")
	os.MkdirAll(dir, 0o755)
	for name, body := range patches {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "series"), []byte("# our series\n\n"+strings.Join(order, "\n")+"\n"), 0o644)
	return dir
}

func TestParseSeries(t *testing.T) {
	cases := []struct {
		name    string
		series  string
		files   []string
		want    []string
		wantErr string
	}{
		{"order and comments", "# c\n0002-b.patch\n\n0001-a.patch\n", []string{"0001-a.patch", "0002-b.patch"}, []string{"0002-b.patch", "0001-a.patch"}, ""},
		{"missing file", "0001-a.patch\n0009-gone.patch\n", []string{"0001-a.patch"}, nil, "series:2: patch 0009-gone.patch"},
		{"duplicate", "0001-a.patch\n0001-a.patch\n", []string{"0001-a.patch"}, nil, "already listed at line 1"},
		{"path escapes", "../x.patch\n", nil, nil, "without a path"},
		{"empty", "# nothing yet\n", nil, nil, ""},
		{"base marker", "0001-a.patch\n# --- end of base ---\n0002-b.patch\n", []string{"0001-a.patch", "0002-b.patch"}, []string{"0001-a.patch", "0002-b.patch"}, ""},
		{"two markers", "# --- end of base ---\n# --- end of base ---\n", nil, nil, "a second"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "series"), []byte(c.series), 0o644)
			for _, f := range c.files {
				os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
			}
			s, err := ParseSeries(dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(s.Names(), ",") != strings.Join(c.want, ",") {
				t.Fatalf("names = %v, want %v", s.Names(), c.want)
			}
			wantBase := len(c.want)
			if strings.Contains(c.series, BaseMarker) {
				wantBase = 1
			}
			if len(s.Base().Patches) != wantBase {
				t.Fatalf("base = %v, want %d patches", s.Base().Names(), wantBase)
			}
		})
	}
}

func TestApplyIdempotentAndResetsOtherSeries(t *testing.T) {
	tree := newTree(t)
	p1 := makePatch(t, tree, func(s string) string { return strings.Replace(s, "two\n", "TWO\n", 1) })
	p2 := makePatch(t, tree, func(s string) string { return strings.Replace(s, "ten\n", "TEN\n", 1) })
	var log bytes.Buffer
	a := mustSeries(t, writeSeries(t, map[string]string{"0001-a.patch": p1, "0002-b.patch": p2}, "0001-a.patch", "0002-b.patch"))
	if err := Apply(tree, a, []string{"lib"}, &log); err != nil {
		t.Fatal(err)
	}
	assertFile(t, tree, strings.NewReplacer("two\n", "TWO\n", "ten\n", "TEN\n").Replace(original))

	log.Reset()
	if err := Apply(tree, a, []string{"lib"}, &log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "nothing to do") {
		t.Fatalf("second apply was not a no-op: %s", log.String())
	}

	// Another series: the tree is reset first, so only p2 is in.
	b := mustSeries(t, writeSeries(t, map[string]string{"0002-b.patch": p2}, "0002-b.patch"))
	if err := Apply(tree, b, []string{"lib"}, &log); err != nil {
		t.Fatal(err)
	}
	assertFile(t, tree, strings.Replace(original, "ten\n", "TEN\n", 1))

	// A tree changed behind our back is not taken for a patched one.
	os.WriteFile(filepath.Join(tree, "lib", "a.txt"), []byte("edited by hand\n"), 0o644)
	log.Reset()
	if err := Apply(tree, b, []string{"lib"}, &log); err != nil {
		t.Fatal(err)
	}
	assertFile(t, tree, strings.Replace(original, "ten\n", "TEN\n", 1))
}

func TestApplyConflictNamesPatchFileAndHunk(t *testing.T) {
	tree := newTree(t)
	good := makePatch(t, tree, func(s string) string { return strings.Replace(s, "two\n", "TWO\n", 1) })
	// Two hunks; the second one expects text that the first patch does not
	// leave there.
	bad := makePatch(t, tree, func(s string) string {
		return strings.NewReplacer("five\n", "5\n", "eleven\n", "11\n").Replace(s)
	})
	bad = strings.Replace(bad, " ten\n", " TEN?\n", 1)
	s := mustSeries(t, writeSeries(t, map[string]string{"0001-good.patch": good, "0002-bad.patch": bad}, "0001-good.patch", "0002-bad.patch"))
	err := Apply(tree, s, []string{"lib"}, &bytes.Buffer{})
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a ConflictError", err)
	}
	if ce.Patch != "0002-bad.patch" || ce.File != "lib/a.txt" || ce.Hunk != 2 {
		t.Fatalf("conflict = %+v, want patch 0002-bad.patch, lib/a.txt, hunk 2", ce)
	}
	for _, want := range []string{"0002-bad.patch", "lib/a.txt hunk #2 (@@ -10,3 +10,3 @@"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// The failed apply leaves a pristine tree, not half a series.
	assertFile(t, tree, original)
}

func mustSeries(t *testing.T, dir string) *Series {
	t.Helper()
	s, err := ParseSeries(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assertFile(t *testing.T, tree, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(tree, "lib", "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("lib/a.txt =\n%s\nwant\n%s", got, want)
	}
}
