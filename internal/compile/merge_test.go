package compile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/targets"
)

// TestMergePrevious: a build of some targets keeps the others' entries when
// their objects are intact and come from the same inputs (wherever the
// source was fetched from), and otherwise removes those objects from dist/
// and says so.
func TestMergePrevious(t *testing.T) {
	const commit = "81bba04449f2b776158dedd9fd9843506942e8e4"
	distDir := func(t *testing.T) (string, *dist.Manifest) {
		dir := t.TempDir()
		m := &dist.Manifest{Source: dist.Source{URL: "https://github.com/llvm-mirror/compiler-rt.git", Commit: commit, SVNRevision: 267674}, Series: "aaaa", Targets: map[string]dist.Built{}}
		for _, goos := range targets.All() {
			p := filepath.Join(dir, dist.ObjectName(goos))
			os.WriteFile(p, []byte("object "+goos), 0o644)
			sum, n, _ := dist.FileSHA256(p)
			m.Targets[goos] = dist.Built{Object: dist.ObjectName(goos), SHA256: sum, Size: n}
		}
		if err := m.Write(dir); err != nil {
			t.Fatal(err)
		}
		return dir, m
	}
	cases := []struct {
		name string
		edit func(dir string, next *dist.Manifest)
		kept string // targets kept, sorted
		gone string // objects removed from dist/
		log  string
	}{
		{"same inputs", func(string, *dist.Manifest) {}, "darwin,freebsd,windows", "", ""},
		{"other URL, same commit", func(_ string, n *dist.Manifest) { n.Source.URL = "../shared/compiler-rt.git" }, "darwin,freebsd,windows", "", ""},
		{"other series", func(_ string, n *dist.Manifest) { n.Series = "bbbb" }, "", "darwin,freebsd,windows",
			"removing race_darwin_amd64.syso from dist/: it was built from other inputs (this build: patch series bbbb, not aaaa)"},
		{"object changed by hand", func(dir string, _ *dist.Manifest) {
			os.WriteFile(filepath.Join(dir, dist.ObjectName("windows")), []byte("edited"), 0o644)
		}, "darwin,freebsd", "windows", "removing race_windows_amd64.syso from dist/: it changed since it was built"},
		{"object removed by hand", func(dir string, _ *dist.Manifest) {
			os.Remove(filepath.Join(dir, dist.ObjectName("freebsd")))
		}, "darwin,windows", "freebsd", "race_freebsd_amd64.syso leaves manifest.json: it is missing from dist/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, prev := distDir(t)
			next := prev.Inputs()
			c.edit(dir, next)
			kept, drop := mergePrevious(prev, next, []string{"linux"}, dir)
			var log bytes.Buffer
			if err := removeDropped(dir, drop, &log); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range targets.All() {
				if _, ok := kept[g]; ok {
					got = append(got, g)
				}
			}
			if strings.Join(got, ",") != strings.Join(strings.Fields(strings.ReplaceAll(c.kept, ",", " ")), ",") {
				t.Errorf("kept %v, want %s", got, c.kept)
			}
			for _, g := range strings.Split(c.gone, ",") {
				if g == "" {
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, dist.ObjectName(g))); !os.IsNotExist(err) {
					t.Errorf("%s still in dist/ (stat: %v)", dist.ObjectName(g), err)
				}
			}
			if !strings.Contains(log.String(), c.log) || (c.log == "") != (log.Len() == 0) {
				t.Errorf("log %q, want %q", log.String(), c.log)
			}
			if c.gone != "" && !strings.Contains(log.String(), "RACE_TARGETS="+c.gone+" go run mage.go buildSyso") {
				t.Errorf("log does not say how to build them again: %q", log.String())
			}
		})
	}
}

// TestMergePreviousStray: an object no manifest lists is removed, said so.
func TestMergePreviousStray(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, dist.ObjectName("darwin")), []byte("stray"), 0o644)
	m := &dist.Manifest{Targets: map[string]dist.Built{}}
	_, drop := mergePrevious(m, m.Inputs(), []string{"linux"}, dir)
	var log bytes.Buffer
	removeDropped(dir, drop, &log)
	if _, err := os.Stat(filepath.Join(dir, dist.ObjectName("darwin"))); !os.IsNotExist(err) || !strings.Contains(log.String(), "manifest.json does not list it") {
		t.Fatalf("stray object: stat %v, log %q", err, log.String())
	}
}

// TestMergePreviousOtherProfile: objects of another profile never stay in a
// build's dist/: a manifest of perp-2016 (or one naming none, as before
// profiles) and a build of llvm-19 share nothing.
func TestMergePreviousOtherProfile(t *testing.T) {
	for _, prevProfile := range []string{"", "perp-2016"} {
		dir := t.TempDir()
		prev := &dist.Manifest{Profile: prevProfile, Source: dist.Source{Commit: "81bba04449f2b776158dedd9fd9843506942e8e4", SVNRevision: 267674}, Series: "aaaa", Targets: map[string]dist.Built{}}
		p := filepath.Join(dir, dist.ObjectName("windows"))
		os.WriteFile(p, []byte("object windows"), 0o644)
		sum, n, _ := dist.FileSHA256(p)
		prev.Targets["windows"] = dist.Built{Object: dist.ObjectName("windows"), SHA256: sum, Size: n}
		next := &dist.Manifest{Profile: "llvm-19", Source: dist.Source{ArchiveSHA256: "ae498f3b"}, Series: "aaaa", Targets: map[string]dist.Built{}}
		kept, drop := mergePrevious(prev, next, []string{"linux"}, dir)
		if len(kept) != 0 || len(drop) != 1 || !strings.Contains(drop[0].Why, "profile llvm-19, not perp-2016") {
			t.Errorf("previous profile %q: kept %v, dropped %+v; want windows dropped for its profile", prevProfile, kept, drop)
		}
	}
}
