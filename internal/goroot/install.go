package goroot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/dist"
)

// InstallOptions say what to install where.
type InstallOptions struct {
	GOROOT string
	From   string   // dist/ or a downloaded release: objects, manifest.json, racesyso.patch
	GOOS   []string // empty: every target the manifest lists
	// Missing returns the __tsan_* symbols goroot's runtime imports that
	// the object lacks.
	Missing func(object, goos, goroot string) ([]string, error)
	Log     io.Writer
}

// Install copies the objects into the GOROOT after checking each one's
// sha256 against the manifest and its symbols against what that GOROOT's
// runtime imports. It backs up what it replaces (once: the first backup is
// the original), regenerates the darwin dynamic-import list, writes the
// series next to each object and updates the race README.
//
// It is all or nothing: every check runs, every destination directory is
// found writable and every new file is staged next to its destination
// before the first file is replaced; if a replacement fails, what was
// replaced is put back, so the GOROOT is as it was.
//
// A crash cannot leave it mixed either: the journal (JournalName) lists
// every file before the first is staged, and the next command that touches
// the GOROOT rolls an unfinished install back (Recover). Runs on one GOROOT
// go one at a time (a lock on its race directory).
func Install(o InstallOptions) error {
	if err := checkGOROOT(o.GOROOT); err != nil {
		return err
	}
	return withGOROOT(o.GOROOT, "installGoroot", o.Log, func() error { return install(o) })
}

func install(o InstallOptions) error {
	files, err := plan(o)
	if err != nil {
		return err
	}
	if err := preflight(o.GOROOT, files); err != nil {
		return err
	}
	if err := commit(o.GOROOT, files); err != nil {
		return err
	}
	for _, f := range files {
		if f.note != "" {
			fmt.Fprintf(o.Log, "installGoroot: %s\n", f.note)
		}
	}
	return nil
}

// file is one file an install writes.
type file struct {
	path string // absolute
	data []byte
	note string // what to say once it is in place
}

// checkGOROOT refuses, naming the fix, a directory that is not a Go
// installation.
func checkGOROOT(goroot string) error {
	if _, err := os.Stat(filepath.Join(RaceDir(goroot), "race.go")); err != nil {
		return fmt.Errorf("%s is not a GOROOT with the race runtime (no src/runtime/race/race.go): pass the Go installation's root, the directory `go env GOROOT` prints (or a copy of it)", goroot)
	}
	return nil
}

// plan runs every check and returns every file the install writes, with
// its content, without writing anything.
func plan(o InstallOptions) ([]file, error) {
	if err := checkGOROOT(o.GOROOT); err != nil {
		return nil, err
	}
	m, err := dist.Read(o.From)
	if err != nil {
		return nil, err
	}
	if len(m.Targets) == 0 {
		return nil, fmt.Errorf("%s has no manifest.json listing objects: run `go run mage.go buildSyso`, or point at a downloaded release", o.From)
	}
	goos := o.GOOS
	if len(goos) == 0 {
		for g := range m.Targets {
			goos = append(goos, g)
		}
		sort.Strings(goos)
	}
	sub := &dist.Manifest{Targets: map[string]dist.Built{}}
	for _, g := range goos {
		t, ok := m.Targets[g]
		if !ok {
			return nil, fmt.Errorf("%s: no %s object in %s: build it with `RACE_TARGETS=%s go run mage.go buildSyso`", g, g, filepath.Join(o.From, dist.FileName), g)
		}
		sub.Targets[g] = t
	}
	if err := sub.CheckObjects(o.From); err != nil {
		return nil, err
	}
	series, err := os.ReadFile(filepath.Join(o.From, dist.SeriesFile))
	if err != nil {
		return nil, fmt.Errorf("the applied series is missing (%w): rebuild with `go run mage.go buildSyso`", err)
	}
	var refusals []string
	for _, g := range goos {
		missing, err := o.Missing(filepath.Join(o.From, m.Targets[g].Object), g, o.GOROOT)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			refusals = append(refusals, fmt.Sprintf("%s lacks %s", m.Targets[g].Object, strings.Join(missing, ", ")))
		}
	}
	if len(refusals) > 0 {
		return nil, fmt.Errorf("refusing to install into %s (%s), whose runtime imports symbols the objects do not define: %s", o.GOROOT, Version(o.GOROOT), strings.Join(refusals, "; "))
	}
	var (
		files  []file
		readme []string
	)
	for _, g := range goos {
		t := m.Targets[g]
		src := filepath.Join(o.From, t.Object)
		obj, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		// What is installed is what was checked: the bytes read here.
		if sum := sha256.Sum256(obj); hex.EncodeToString(sum[:]) != t.SHA256 {
			return nil, fmt.Errorf("%s changed while installGoroot read it: run it again when nothing writes %s", src, o.From)
		}
		slots, err := Slots(o.GOROOT, g)
		if err != nil {
			return nil, err
		}
		for _, s := range slots {
			note := fmt.Sprintf("%s -> %s", t.Object, s.Syso)
			if v3 := s.GOOS + "-v3"; g == s.GOOS && strings.Contains(s.Syso, "amd64v3") {
				if slices.Contains(goos, v3) {
					continue // the v3 object goes there
				}
				note += fmt.Sprintf(" (the GOAMD64=v1 object: %s has no %s object)", o.From, v3)
			}
			files = append(files,
				file{path: filepath.Join(o.GOROOT, s.Syso), data: obj, note: note},
				file{path: filepath.Join(o.GOROOT, s.Patch), data: series})
			readme = append(readme, ReadmeLine(s, m, t, Version(o.GOROOT)))
		}
		// Go >= 1.20 links darwin race binaries internally and lists the
		// object's dynamic imports in race_darwin_amd64.go; older Go links
		// externally and has no such list, which must not be added there.
		if _, err := os.Stat(filepath.Join(RaceDir(o.GOROOT), "race_darwin_amd64.go")); g == "darwin" && err == nil {
			f, err := darwinImports(o.GOROOT, src)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
	}
	f, err := readmeFile(o.GOROOT, readme)
	if err != nil {
		return nil, err
	}
	return append(files, f), nil
}

// probeDir checks that a file can be created in dir (a test replaces it).
var probeDir = func(dir string) error {
	f, err := os.CreateTemp(dir, ".racesyso-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// preflight checks that every directory the install writes to is writable
// (the new file, the backup and the staged copy all go there) and that no
// destination is a directory.
func preflight(goroot string, files []file) error {
	var bad []string
	seen := map[string]bool{}
	for _, f := range files {
		if st, err := os.Stat(f.path); err == nil && st.IsDir() {
			bad = append(bad, fmt.Sprintf("%s is a directory", f.path))
		}
		dir := filepath.Dir(f.path)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if err := probeDir(dir); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			bad = append(bad, fmt.Sprintf("%s is not writable (%v)", dir, err))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("nothing installed: %s; run installGoroot as the owner of %s (e.g. `sudo -E go run mage.go installGoroot %s`), or install into a copy you own (`cp -a %s ~/go-racesyso && go run mage.go installGoroot ~/go-racesyso`)",
			strings.Join(bad, "; "), goroot, goroot, goroot)
	}
	return nil
}

// ReadmeLine is Go's README form, with the compiler added.
func ReadmeLine(s Slot, m *dist.Manifest, t dist.Built, goVersion string) string {
	llvm := m.Source.Commit
	if m.Source.SVNRevision != 0 {
		llvm = fmt.Sprintf("%s (r%d)", m.Source.Commit, m.Source.SVNRevision)
	}
	if m.Source.Archive != "" { // a Debian source package
		llvm = fmt.Sprintf("%s %s (%s, sha256 %s)", m.Source.Package, m.Source.Version, m.Source.Archive, m.Source.ArchiveSHA256)
	}
	extra := ""
	for _, p := range m.Extra {
		extra += fmt.Sprintf(", after the profile's series the extra patch %s (sha256 %s)", p.Name, p.SHA256)
	}
	return fmt.Sprintf("%s built with LLVM %s with patch %s and Go %s, by racesyso (profile %s%s) with %s (%s).",
		s.Readme, llvm, strings.TrimSuffix(s.Readme, ".syso")+".patch", goVersion, m.ProfileName(), extra, t.Compiler, t.CompilerVersion)
}

// readmeFile is the race README with the lines of the objects installed
// replaced, and those it did not have appended.
func readmeFile(goroot string, lines []string) (file, error) {
	path := filepath.Join(RaceDir(goroot), "README")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return file{}, err
	}
	old := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for _, l := range lines {
		name := strings.Fields(l)[0]
		replaced := false
		for i, o := range old {
			if strings.HasPrefix(o, name+" ") {
				old[i], replaced = l, true
			}
		}
		if !replaced {
			old = append(old, l)
		}
	}
	return file{path: path, data: []byte(strings.Join(old, "\n") + "\n")}, nil
}

// darwinHeader is what Go's mkcgo.sh puts above the generated list.
const darwinHeader = `// Copyright 2022 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Code generated by mkcgo.sh. DO NOT EDIT.

//go:build race

`

// darwinImports regenerates race_darwin_amd64.go for object as mkcgo.sh
// does: `go tool cgo -dynpackage race -dynimport <object>`, gofmt'ed.
func darwinImports(goroot, object string) (file, error) {
	gobin, env := filepath.Join(goroot, "bin", "go"), []string{"GOROOT=" + goroot}
	if _, err := os.Stat(gobin); err != nil {
		gobin, env = "go", nil // a GOROOT without its toolchain: use the one on PATH
	}
	cmd := exec.Command(gobin, "tool", "cgo", "-dynpackage", "race", "-dynimport", object)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return file{}, fmt.Errorf("go tool cgo -dynimport %s: %v: %s", object, err, stderr.String())
	}
	src, err := format.Source(append([]byte(darwinHeader), out...))
	if err != nil {
		return file{}, err
	}
	dst := filepath.Join(RaceDir(goroot), "race_darwin_amd64.go")
	return file{path: dst, data: src, note: fmt.Sprintf("regenerated %s (%d dynamic imports)", dst, bytes.Count(src, []byte("go:cgo_import_dynamic")))}, nil
}
