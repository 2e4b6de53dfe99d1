package goroot

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/atomicfile"
	"github.com/racesyso/racesyso/manifest"
)

// SeriesFile is the applied patch series, concatenated, as buildSyso
// writes it into dist/ and installGoroot copies it next to each object.
const SeriesFile = "racesyso.patch"

// BackupSuffix marks the copy of a GOROOT file that an install replaced.
const BackupSuffix = ".racesyso-orig"

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
// the original), writes atomically, regenerates the darwin dynamic-import
// list, writes the series next to each object and updates the race README.
func Install(o InstallOptions) error {
	m, err := manifest.Read(o.From)
	if err != nil {
		return err
	}
	if len(m.Targets) == 0 {
		return fmt.Errorf("%s has no manifest.json listing objects: run `go run mage.go buildSyso`, or point at a downloaded release", o.From)
	}
	goos := o.GOOS
	if len(goos) == 0 {
		for g := range m.Targets {
			goos = append(goos, g)
		}
		sort.Strings(goos)
	}
	sub := &manifest.Manifest{Targets: map[string]manifest.Target{}}
	for _, g := range goos {
		t, ok := m.Targets[g]
		if !ok {
			return fmt.Errorf("%s: no %s object in %s", g, g, filepath.Join(o.From, manifest.FileName))
		}
		sub.Targets[g] = t
	}
	if err := sub.CheckObjects(o.From); err != nil {
		return err
	}
	series, err := os.ReadFile(filepath.Join(o.From, SeriesFile))
	if err != nil {
		return fmt.Errorf("the applied series is missing (%w): rebuild with `go run mage.go buildSyso`", err)
	}
	// Refuse before touching anything.
	var refusals []string
	for _, g := range goos {
		missing, err := o.Missing(filepath.Join(o.From, m.Targets[g].Object), g, o.GOROOT)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			refusals = append(refusals, fmt.Sprintf("%s lacks %s", m.Targets[g].Object, strings.Join(missing, ", ")))
		}
	}
	if len(refusals) > 0 {
		return fmt.Errorf("refusing to install into %s (%s), whose runtime imports symbols the objects do not define: %s", o.GOROOT, Version(o.GOROOT), strings.Join(refusals, "; "))
	}
	var readme []string
	for _, g := range goos {
		t := m.Targets[g]
		slots, err := Slots(o.GOROOT, g)
		if err != nil {
			return err
		}
		for _, s := range slots {
			dst := filepath.Join(o.GOROOT, s.Syso)
			if err := backup(dst); err != nil {
				return err
			}
			if err := atomicfile.Copy(dst, filepath.Join(o.From, t.Object)); err != nil {
				return err
			}
			if err := backup(filepath.Join(o.GOROOT, s.Patch)); err != nil {
				return err
			}
			if err := atomicfile.Write(filepath.Join(o.GOROOT, s.Patch), series, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(o.Log, "installGoroot: %s -> %s\n", t.Object, s.Syso)
			readme = append(readme, ReadmeLine(s, m, t, Version(o.GOROOT)))
		}
		// Go >= 1.20 links darwin race binaries internally and lists the
		// object's dynamic imports in race_darwin_amd64.go; older Go links
		// externally and has no such list, which must not be added there.
		if _, err := os.Stat(filepath.Join(RaceDir(o.GOROOT), "race_darwin_amd64.go")); g == "darwin" && err == nil {
			if err := writeDarwinImports(o.GOROOT, filepath.Join(o.GOROOT, slots[0].Syso), o.Log); err != nil {
				return err
			}
		}
	}
	return updateReadme(o.GOROOT, readme)
}

// ReadmeLine is Go's README form, with the compiler added.
func ReadmeLine(s Slot, m *manifest.Manifest, t manifest.Target, goVersion string) string {
	return fmt.Sprintf("%s built with LLVM %s (r%d) with patch %s and Go %s, by racesyso with %s (%s).",
		s.Readme, m.Source.Commit, m.Source.SVNRevision, strings.TrimSuffix(s.Readme, ".syso")+".patch", goVersion, t.Compiler, t.CompilerVersion)
}

// updateReadme replaces the README lines of the objects installed and
// appends the ones it did not have.
func updateReadme(goroot string, lines []string) error {
	path := filepath.Join(RaceDir(goroot), "README")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := backup(path); err != nil {
		return err
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
	return atomicfile.Write(path, []byte(strings.Join(old, "\n")+"\n"), 0o644)
}

// darwinHeader is what Go's mkcgo.sh puts above the generated list.
const darwinHeader = `// Copyright 2022 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Code generated by mkcgo.sh. DO NOT EDIT.

//go:build race

`

// writeDarwinImports regenerates race_darwin_amd64.go as mkcgo.sh does:
// `go tool cgo -dynpackage race -dynimport <object>`, gofmt'ed.
func writeDarwinImports(goroot, object string, log io.Writer) error {
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
		return fmt.Errorf("go tool cgo -dynimport %s: %v: %s", object, err, stderr.String())
	}
	src, err := format.Source(append([]byte(darwinHeader), out...))
	if err != nil {
		return err
	}
	dst := filepath.Join(RaceDir(goroot), "race_darwin_amd64.go")
	if err := backup(dst); err != nil {
		return err
	}
	fmt.Fprintf(log, "installGoroot: regenerated %s (%d dynamic imports)\n", dst, bytes.Count(src, []byte("go:cgo_import_dynamic")))
	return atomicfile.Write(dst, src, 0o644)
}

// backup copies path to path+BackupSuffix unless a backup exists already
// (which then holds the original) or path does not exist.
func backup(path string) error {
	if _, err := os.Stat(path + BackupSuffix); err == nil {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return atomicfile.Copy(path+BackupSuffix, path)
}
