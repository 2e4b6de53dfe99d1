package goroot

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/testenv"
	"github.com/racesyso/racesyso/internal/verify"
)

// realGOROOT is the installed Go, whose shipped race objects are the
// fixtures here.
func realGOROOT(t *testing.T) string {
	t.Helper()
	root, err := Default()
	if err != nil {
		testenv.Skip(t, "%v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso")); err != nil {
		testenv.Skip(t, "this Go (%s) ships no amd64v1 race objects: %v", root, err)
	}
	return root
}

// fakeGOROOT copies what Install reads and writes from the real GOROOT:
// race.go, race_amd64.s and the race directory (README, objects), in the
// Go >= 1.20 layout, or with old=true in the older one.
func fakeGOROOT(t *testing.T, real string, old bool) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "goroot")
	cp := func(rel, to string) {
		data, err := os.ReadFile(filepath.Join(real, rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, to)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"src/runtime/race.go", "src/runtime/race_amd64.s", "src/runtime/race/race.go", "src/runtime/race/README", "VERSION"} {
		cp(f, f)
	}
	if !old { // older Go has no list of the darwin object's dynamic imports
		cp("src/runtime/race/race_darwin_amd64.go", "src/runtime/race/race_darwin_amd64.go")
	}
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
		if old {
			cp("src/runtime/race/internal/amd64v1/race_"+goos+".syso", "src/runtime/race/race_"+goos+"_amd64.syso")
		} else {
			cp("src/runtime/race/internal/amd64v1/race_"+goos+".syso", "src/runtime/race/internal/amd64v1/race_"+goos+".syso")
		}
	}
	if !old {
		cp("src/runtime/race/internal/amd64v3/race_linux.syso", "src/runtime/race/internal/amd64v3/race_linux.syso")
	}
	return dst
}

// releaseDir makes a directory like a downloaded release: objects (taken
// from the real GOROOT, doctored by edit if given), manifest.json and the
// series file.
func releaseDir(t *testing.T, real string, edit func(goos string, data []byte) []byte, goos ...string) string {
	t.Helper()
	dir := t.TempDir()
	m := &dist.Manifest{Source: dist.Source{Commit: "81bba04449f2b776158dedd9fd9843506942e8e4", SVNRevision: 267674}, Targets: map[string]dist.Built{}}
	for _, g := range goos {
		data, err := os.ReadFile(filepath.Join(real, "src/runtime/race/internal/amd64v1/race_"+g+".syso"))
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			data = edit(g, data)
		}
		name := "race_" + g + "_amd64.syso"
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
		sum, n, _ := dist.FileSHA256(filepath.Join(dir, name))
		m.Targets[g] = dist.Built{Object: name, SHA256: sum, Size: n, Compiler: "clang", CompilerVersion: "Debian clang version 14.0.6"}
	}
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, dist.SeriesFile), []byte("From 0000 our series\n"), 0o644)
	return dir
}

func options(root, from string, goos ...string) InstallOptions {
	return InstallOptions{GOROOT: root, From: from, GOOS: goos, Log: io.Discard,
		Missing: func(obj, goos, root string) ([]string, error) { return verify.MissingSymbols(obj, root) }}
}

func TestSlots(t *testing.T) {
	real := realGOROOT(t)
	cases := []struct {
		old  bool
		goos string
		want []string
	}{
		{false, "linux", []string{"src/runtime/race/internal/amd64v1/race_linux.syso", "src/runtime/race/internal/amd64v3/race_linux.syso"}},
		{false, "windows", []string{"src/runtime/race/internal/amd64v1/race_windows.syso"}},
		{true, "linux", []string{"src/runtime/race/race_linux_amd64.syso"}},
		{true, "darwin", []string{"src/runtime/race/race_darwin_amd64.syso"}},
	}
	for _, c := range cases {
		root := fakeGOROOT(t, real, c.old)
		slots, err := Slots(root, c.goos)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range slots {
			got = append(got, s.Syso)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("old=%v %s: slots %v, want %v", c.old, c.goos, got, c.want)
		}
	}
	if _, err := Slots(t.TempDir(), "linux"); err == nil || !strings.Contains(err.Error(), "not a GOROOT") {
		t.Errorf("Slots of a non-GOROOT: %v", err)
	}
}

func TestInstall(t *testing.T) {
	real := realGOROOT(t)
	root := fakeGOROOT(t, real, false)
	// Make the installed objects recognisably different from what they
	// replace: a marker appended after the object's end is harmless.
	mark := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso"...) }
	from := releaseDir(t, real, mark, "linux", "darwin")
	origLinux, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso"))
	if err := Install(options(root, from)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"internal/amd64v1/race_linux.syso", "internal/amd64v3/race_linux.syso", "internal/amd64v1/race_darwin.syso"} {
		got, _ := os.ReadFile(filepath.Join(RaceDir(root), p))
		if !bytes.HasSuffix(got, []byte("racesyso")) {
			t.Errorf("%s was not replaced", p)
		}
		patch, err := os.ReadFile(filepath.Join(RaceDir(root), strings.TrimSuffix(p, ".syso")+".patch"))
		if err != nil || !strings.Contains(string(patch), "our series") {
			t.Errorf("%s: series not written next to it: %v", p, err)
		}
	}
	backup, _ := os.ReadFile(filepath.Join(RaceDir(root), "internal/amd64v1/race_linux.syso"+BackupSuffix))
	if !bytes.Equal(backup, origLinux) {
		t.Error("the replaced linux object was not backed up")
	}
	readme, _ := os.ReadFile(filepath.Join(RaceDir(root), "README"))
	for _, want := range []string{
		"internal/amd64v1/race_linux.syso built with LLVM 81bba04449f2b776158dedd9fd9843506942e8e4 (r267674) with patch internal/amd64v1/race_linux.patch and Go ",
		"by racesyso (profile perp-2016) with clang (Debian clang version 14.0.6).",
		"internal/amd64v1/race_windows.syso built with LLVM 51bfeff", // untouched line stays
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}
	if n := strings.Count(string(readme), "internal/amd64v1/race_linux.syso built"); n != 1 {
		t.Errorf("README has %d lines for race_linux.syso, want 1", n)
	}
	dyn, _ := os.ReadFile(filepath.Join(RaceDir(root), "race_darwin_amd64.go"))
	if !strings.Contains(string(dyn), "//go:cgo_import_dynamic") || !strings.Contains(string(dyn), "Code generated by mkcgo.sh") {
		t.Errorf("race_darwin_amd64.go not regenerated:\n%.300s", dyn)
	}
	// A second install keeps the first backup, which holds the original.
	if err := Install(options(root, from)); err != nil {
		t.Fatal(err)
	}
	backup, _ = os.ReadFile(filepath.Join(RaceDir(root), "internal/amd64v1/race_linux.syso"+BackupSuffix))
	if !bytes.Equal(backup, origLinux) {
		t.Error("a second install overwrote the original's backup")
	}
}

func TestInstallOldLayout(t *testing.T) {
	real := realGOROOT(t)
	root := fakeGOROOT(t, real, true)
	from := releaseDir(t, real, nil, "windows", "darwin")
	if err := Install(options(root, from)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"race_windows_amd64.patch", "race_darwin_amd64.patch"} {
		if _, err := os.Stat(filepath.Join(RaceDir(root), p)); err != nil {
			t.Fatalf("old layout: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(RaceDir(root), "race_darwin_amd64.go")); !os.IsNotExist(err) {
		t.Fatalf("old layout got a darwin dynamic-import list it does not use (stat: %v)", err)
	}
}

func TestInstallRefuses(t *testing.T) {
	real := realGOROOT(t)
	rename := func(goos string, data []byte) []byte {
		return bytes.ReplaceAll(data, []byte("__tsan_go_start\x00"), []byte("__tsan_go_stXrt\x00"))
	}
	cases := []struct {
		name    string
		from    func() string
		wantErr string
	}{
		{"missing symbol", func() string { return releaseDir(t, real, rename, "linux") }, "race_linux_amd64.syso lacks __tsan_go_start"},
		{"sha256 mismatch", func() string {
			d := releaseDir(t, real, nil, "linux")
			f, _ := os.OpenFile(filepath.Join(d, "race_linux_amd64.syso"), os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("tampered"))
			f.Close()
			return d
		}, "linux: race_linux_amd64.syso has sha256"},
		{"no manifest", func() string { return t.TempDir() }, "no manifest.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := fakeGOROOT(t, real, false)
			before, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso"))
			err := Install(options(root, c.from()))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			after, _ := os.ReadFile(filepath.Join(root, "src/runtime/race/internal/amd64v1/race_linux.syso"))
			if !bytes.Equal(before, after) {
				t.Error("a refused install changed the GOROOT")
			}
		})
	}
}

// TestReadmeLine: the README line names the source as its kind records it
// and every extra patch (RACESYSO_LLVM_PATCH) by name and sha256.
func TestReadmeLine(t *testing.T) {
	s := Slot{Readme: "internal/amd64v1/race_linux.syso"}
	tg := dist.Built{Compiler: "clang", CompilerVersion: "14"}
	c := strings.Repeat("5", 40)
	for _, tt := range []struct {
		name string
		m    dist.Manifest
		want string
	}{
		{"git", dist.Manifest{Source: dist.Source{Commit: c, SVNRevision: 7}}, "built with LLVM " + c + " (r7) with patch internal/amd64v1/race_linux.patch and Go go1.x, by racesyso (profile perp-2016) with clang (14)."},
		{"llvm-project with a patch", dist.Manifest{Profile: "llvm-19", Source: dist.Source{Kind: "llvm-project", Commit: c}, Extra: []dist.Patch{{Name: "fix.patch", SHA256: "ab12"}}},
			"built with LLVM " + c + " with patch internal/amd64v1/race_linux.patch and Go go1.x, by racesyso (profile llvm-19, after the profile's series the extra patch fix.patch (sha256 ab12)) with clang (14)."},
		{"debian", dist.Manifest{Profile: "llvm-19", Source: dist.Source{Package: "p", Version: "1", Archive: "p.orig.tar.xz", ArchiveSHA256: "ff"}}, "built with LLVM p 1 (p.orig.tar.xz, sha256 ff) with patch"},
	} {
		if got := ReadmeLine(s, &tt.m, tg, "go1.x"); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want it to contain %q", tt.name, got, tt.want)
		}
	}
}

// TestV3Object: a linux-v3 object goes into internal/amd64v3 and the v1
// object into amd64v1 only; without a linux-v3 object the v3 slot keeps
// the v1 object and the install says so; a Go without internal/amd64v3 is
// refused, naming the slot and the fix.
func TestV3Object(t *testing.T) {
	real := realGOROOT(t)
	mark := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso v1"...) }
	from := releaseDir(t, real, mark, "linux")
	v3, err := os.ReadFile(filepath.Join(real, "src/runtime/race/internal/amd64v3/race_linux.syso"))
	if err != nil {
		t.Fatal(err)
	}
	withV3 := t.TempDir()
	for _, f := range []string{dist.FileName, dist.SeriesFile, dist.ObjectName("linux")} {
		b, _ := os.ReadFile(filepath.Join(from, f))
		os.WriteFile(filepath.Join(withV3, f), b, 0o644)
	}
	v3 = append(v3, "racesyso v3"...)
	os.WriteFile(filepath.Join(withV3, dist.ObjectName("linux-v3")), v3, 0o644)
	m, _ := dist.Read(withV3)
	sum, n, _ := dist.FileSHA256(filepath.Join(withV3, dist.ObjectName("linux-v3")))
	m.Targets["linux-v3"] = dist.Built{Object: dist.ObjectName("linux-v3"), SHA256: sum, Size: n, Compiler: "clang", CompilerVersion: "14"}
	if err := m.Write(withV3); err != nil {
		t.Fatal(err)
	}
	read := func(root, p string) string { b, _ := os.ReadFile(filepath.Join(RaceDir(root), p)); return string(b) }
	for _, tt := range []struct {
		name, from, v1Slot, v3Slot, note string
	}{
		{"with a v3 object", withV3, "racesyso v1", "racesyso v3", ""},
		{"without", from, "racesyso v1", "racesyso v1", "the GOAMD64=v1 object: " + from + " has no linux-v3 object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeGOROOT(t, real, false)
			var log bytes.Buffer
			o := options(root, tt.from)
			o.Log = &log
			if err := Install(o); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(read(root, "internal/amd64v1/race_linux.syso"), tt.v1Slot) || !strings.HasSuffix(read(root, "internal/amd64v3/race_linux.syso"), tt.v3Slot) {
				t.Errorf("slots hold the wrong objects:\n%s", log.String())
			}
			if tt.note != "" && !strings.Contains(log.String(), tt.note) {
				t.Errorf("the install did not say the v3 slot keeps the v1 object:\n%s", log.String())
			}
		})
	}
	old := fakeGOROOT(t, real, true)
	err = Install(options(old, withV3, "linux-v3"))
	if err == nil || !strings.Contains(err.Error(), "has no src/runtime/race/internal/amd64v3") || !strings.Contains(err.Error(), "leave linux-v3 out (RACE_TARGETS)") {
		t.Errorf("linux-v3 into a Go without amd64v3: %v", err)
	}
	if got, _ := Slots(fakeGOROOT(t, real, false), "linux-v3"); len(got) != 1 || got[0].Syso != "src/runtime/race/internal/amd64v3/race_linux.syso" {
		t.Errorf("Slots(linux-v3) = %+v", got)
	}
}
