package goroot

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/dist"
)

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
// the original), regenerates the darwin dynamic-import list, writes the
// series next to each object and updates the race README.
//
// It is all or nothing: every check runs, every destination directory is
// found writable and every new file is staged next to its destination
// before the first file is replaced; if a replacement fails, what was
// replaced is put back, so the GOROOT is as it was.
func Install(o InstallOptions) error {
	files, err := plan(o)
	if err != nil {
		return err
	}
	if err := preflight(o.GOROOT, files); err != nil {
		return err
	}
	if err := commit(files); err != nil {
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
	sub := &dist.Manifest{Targets: map[string]dist.Target{}}
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
			files = append(files,
				file{path: filepath.Join(o.GOROOT, s.Syso), data: obj, note: fmt.Sprintf("%s -> %s", t.Object, s.Syso)},
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

// beforeReplace runs before each destination is replaced (a test injects
// failures there).
var beforeReplace = func(path string) error { return nil }

// AbsentSuffix marks a file an install added: the empty marker says that
// uninstall removes the file rather than restoring a backup.
const AbsentSuffix = ".racesyso-absent"

// commit stages every file next to its destination, then replaces the
// destinations one by one, backing up each original once. On any failure it
// undoes what it did, in reverse order.
func commit(files []file) (err error) {
	var (
		staged []string // staged[i] is files[i]'s new content
		kept   []string // the originals, hard-linked aside until the end
		undo   []func() error
	)
	defer func() {
		for _, p := range staged {
			if p != "" {
				os.Remove(p)
			}
		}
		var failed []string
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				if uerr := undo[i](); uerr != nil {
					failed = append(failed, uerr.Error())
				}
			}
		}
		if len(failed) == 0 {
			for _, p := range kept {
				os.Remove(p) // gone already where undo renamed it back
			}
		}
		if err == nil {
			return
		}
		if len(failed) > 0 {
			err = fmt.Errorf("%w; restoring the GOROOT failed too (%s): run `go run mage.go uninstallGoroot <GOROOT>` when it is writable", err, strings.Join(failed, "; "))
		} else if len(undo) > 0 {
			err = fmt.Errorf("%w (nothing installed: the GOROOT was restored as it was)", err)
		} else {
			err = fmt.Errorf("%w (nothing installed)", err)
		}
	}()
	for _, f := range files {
		p, err := stage(f)
		if err != nil {
			return err
		}
		staged = append(staged, p)
	}
	for i, f := range files {
		// The first install's record of the original stays: a backup
		// (the file existed) or an absent marker (an install added it).
		recorded := exists(f.path+BackupSuffix) || exists(f.path+AbsentSuffix)
		if st, err := os.Lstat(f.path); err == nil {
			if !recorded {
				if err := atomicfile.Copy(f.path+BackupSuffix, f.path); err != nil {
					return err
				}
				undo = append(undo, removeFile(f.path+BackupSuffix))
			}
			keep := tempName(f.path, "undo")
			if err := os.Link(f.path, keep); err != nil {
				if err := atomicfile.Copy(keep, f.path); err != nil {
					return err
				}
				os.Chmod(keep, st.Mode().Perm())
			}
			kept = append(kept, keep)
			undo = append(undo, func() error { return os.Rename(keep, f.path) })
		} else if errors.Is(err, os.ErrNotExist) {
			if !recorded {
				if err := os.WriteFile(f.path+AbsentSuffix, nil, 0o644); err != nil {
					return err
				}
				undo = append(undo, removeFile(f.path+AbsentSuffix))
			}
			undo = append(undo, removeFile(f.path))
		} else {
			return err
		}
		if err := beforeReplace(f.path); err != nil {
			return err
		}
		if err := os.Rename(staged[i], f.path); err != nil {
			return err
		}
		staged[i] = ""
	}
	return nil
}

// stage writes f's content next to its destination, synced, with the
// destination's permissions (0644 for a new file).
func stage(f file) (string, error) {
	perm := os.FileMode(0o644)
	if st, err := os.Stat(f.path); err == nil {
		perm = st.Mode().Perm()
	}
	p := tempName(f.path, "new")
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return "", err
	}
	_, err = out.Write(f.data)
	if err == nil {
		err = out.Chmod(perm)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return "", fmt.Errorf("staging %s: %w", f.path, err)
	}
	return p, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func tempName(path, what string) string {
	var b [6]byte
	rand.Read(b[:])
	return filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.racesyso-%s-%x", filepath.Base(path), what, b))
}

func removeFile(p string) func() error {
	return func() error {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
}

// Uninstall restores every file an install replaced in goroot (from its
// backup) and removes every file an install added. Each file is restored
// atomically; a run stopped half-way is completed by running it again.
func Uninstall(goroot string, log io.Writer) error {
	if err := checkGOROOT(goroot); err != nil {
		return err
	}
	var restore, remove []string
	err := filepath.WalkDir(RaceDir(goroot), func(p string, e fs.DirEntry, err error) error {
		switch {
		case err != nil || e.IsDir():
			return err
		case strings.HasSuffix(p, BackupSuffix):
			restore = append(restore, strings.TrimSuffix(p, BackupSuffix))
		case strings.HasSuffix(p, AbsentSuffix):
			remove = append(remove, strings.TrimSuffix(p, AbsentSuffix))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(restore)+len(remove) == 0 {
		return fmt.Errorf("nothing to uninstall: %s holds no racesyso backups (*%s)", goroot, BackupSuffix)
	}
	var probe []file
	for _, p := range append(append([]string{}, restore...), remove...) {
		probe = append(probe, file{path: p})
	}
	if err := preflight(goroot, probe); err != nil {
		return err
	}
	for _, p := range restore {
		if err := os.Rename(p+BackupSuffix, p); err != nil {
			return err
		}
		rel, _ := filepath.Rel(goroot, p)
		fmt.Fprintf(log, "uninstallGoroot: restored %s\n", rel)
	}
	for _, p := range remove {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Remove(p + AbsentSuffix); err != nil {
			return err
		}
		rel, _ := filepath.Rel(goroot, p)
		fmt.Fprintf(log, "uninstallGoroot: removed %s (installGoroot added it)\n", rel)
	}
	return nil
}

// ReadmeLine is Go's README form, with the compiler added.
func ReadmeLine(s Slot, m *dist.Manifest, t dist.Target, goVersion string) string {
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
