package goroot

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"
)

// BackupSuffix marks the copy of a GOROOT file that an install replaced.
const BackupSuffix = ".racesyso-orig"

// AbsentSuffix marks a file an install added: the empty marker says that
// uninstall removes the file rather than restoring a backup.
const AbsentSuffix = ".racesyso-absent"

// JournalName is the journal of an install or uninstall under way, in the
// GOROOT's race directory: every file it touches, written and synced before
// the first of them is. It is removed when the work is complete.
const JournalName = ".racesyso-journal.json"

// HolderName, next to the journal, names the run that holds the GOROOT's
// lock (a flock on the race directory itself, released by the kernel
// however the holder ends).
const HolderName = ".racesyso-lock-holder"

// scratchRe is the one name pattern of the files an install writes beside
// their destination before they take its place (new contents, originals
// set aside): .<name>.racesyso-new-<hex> and .<name>.racesyso-undo-<hex>.
var scratchRe = regexp.MustCompile(`^\..+\.racesyso-(new|undo)-[0-9a-f]{12}$`)

// journal is JournalName's content.
type journal struct {
	Op    string `json:"op"` // "install" (rolled back) or "uninstall" (completed)
	PID   int    `json:"pid"`
	Start string `json:"start"`
	// State "done": an install's files are all in place; what is left is
	// removing the originals set aside.
	State   string  `json:"state"`
	Entries []entry `json:"entries"`
}

// entry is one file of the journal; paths are relative to the GOROOT.
type entry struct {
	Path    string `json:"path"`
	Staged  string `json:"staged,omitempty"` // the new content, beside Path
	Undo    string `json:"undo,omitempty"`   // the original, hard-linked aside
	Existed bool   `json:"existed"`
	// Backup and Absent: this run makes Path's first record of the
	// original (BackupSuffix or AbsentSuffix); an uninstall's entries say
	// which of the two it undoes.
	Backup bool `json:"backup,omitempty"`
	Absent bool `json:"absent,omitempty"`
}

// afterStep runs after every write, rename and removal an install or
// uninstall makes in the GOROOT (a fault test stops the process there).
var afterStep = func() {}

// beforeReplace runs before each destination is replaced (a test injects
// failures there).
var beforeReplace = func(path string) error { return nil }

// withGOROOT runs f holding the GOROOT's lock, after finishing any
// interrupted work its journal records.
func withGOROOT(goroot, what string, log io.Writer, f func() error) error {
	unlock, err := lockGOROOT(goroot, what, log)
	if err != nil {
		return err
	}
	defer unlock()
	if err := recoverLocked(goroot, what, log); err != nil {
		return err
	}
	return f()
}

// lockGOROOT takes the exclusive lock of goroot's race directory, waiting
// (and saying for whom) while another run holds it.
func lockGOROOT(goroot, what string, log io.Writer) (func(), error) {
	dir := RaceDir(goroot)
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	holder := filepath.Join(dir, HolderName)
	err = syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		who, _ := os.ReadFile(holder)
		fmt.Fprintf(log, "%s: waiting for %s, held by %s; this run goes on when that one ends\n", what, goroot, strings.TrimSpace(string(who)))
		err = syscall.Flock(int(d.Fd()), syscall.LOCK_EX)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	os.WriteFile(holder, []byte(fmt.Sprintf("pid %d (%s, since %s)\n", os.Getpid(), what, time.Now().UTC().Format(time.RFC3339))), 0o644)
	return func() {
		os.Remove(holder)
		syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
		d.Close()
	}, nil
}

// Recover finishes the interrupted work a GOROOT's journal records (an
// install is rolled back, an uninstall completed), removes every scratch
// file an install left, and says so, naming the files. A GOROOT with
// neither is left alone.
func Recover(goroot string, log io.Writer) error {
	if err := checkGOROOT(goroot); err != nil {
		return err
	}
	unlock, err := lockGOROOT(goroot, "recover", log)
	if err != nil {
		return err
	}
	defer unlock()
	return recoverLocked(goroot, "racesyso", log)
}

func recoverLocked(goroot, what string, log io.Writer) error {
	path := filepath.Join(RaceDir(goroot), JournalName)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err == nil {
		var j journal
		if err := json.Unmarshal(data, &j); err != nil {
			// A journal is written whole (renamed into place): an
			// unreadable one was not written by racesyso.
			return fmt.Errorf("%s: %v: not a racesyso journal; move it away and run `go run mage.go uninstallGoroot %s`", path, err, goroot)
		}
		var did []string
		switch {
		case j.Op == "uninstall":
			did, err = finishUninstall(goroot, j)
			fmt.Fprintf(log, "%s: %s holds the journal of an uninstallGoroot (pid %d, %s) that did not finish: completed it: %s\n", what, goroot, j.PID, j.Start, strings.Join(did, ", "))
		case j.State == "done":
			did = finishInstall(goroot, j)
			fmt.Fprintf(log, "%s: %s holds the journal of an installGoroot (pid %d, %s) that had put every file in place: finished it (removed %d originals set aside)\n", what, goroot, j.PID, j.Start, len(did))
		default:
			did, err = rollback(goroot, j)
			fmt.Fprintf(log, "%s: %s holds the journal of an installGoroot (pid %d, %s) that did not finish: rolled it back, the GOROOT is as it was before it: %s\n", what, goroot, j.PID, j.Start, strings.Join(did, ", "))
		}
		if err != nil {
			return fmt.Errorf("finishing the interrupted work in %s: %w (the journal %s stays; run the command again when the GOROOT is writable)", goroot, err, path)
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		afterStep()
	}
	swept, err := sweep(goroot)
	if len(swept) > 0 {
		fmt.Fprintf(log, "%s: removed %d files an interrupted install left in %s: %s\n", what, len(swept), goroot, strings.Join(swept, ", "))
	}
	return err
}

// rollback puts back what an unfinished install changed, in reverse order.
func rollback(goroot string, j journal) ([]string, error) {
	var did []string
	abs := func(p string) string { return filepath.Join(goroot, p) }
	for i := len(j.Entries) - 1; i >= 0; i-- {
		e := j.Entries[i]
		switch {
		case e.Existed && e.Undo != "" && exists(abs(e.Undo)):
			// Renaming a link onto itself (the destination was not
			// replaced yet) does nothing: the leftover is removed below.
			if err := os.Rename(abs(e.Undo), abs(e.Path)); err != nil {
				return did, err
			}
			afterStep()
			did = append(did, "restored "+e.Path)
		case !e.Existed && exists(abs(e.Path)):
			if err := os.Remove(abs(e.Path)); err != nil {
				return did, err
			}
			afterStep()
			did = append(did, "removed "+e.Path)
		}
		for _, p := range []struct {
			path string
			mine bool
		}{{e.Undo, e.Undo != ""}, {e.Staged, e.Staged != ""}, {e.Path + BackupSuffix, e.Backup}, {e.Path + AbsentSuffix, e.Absent}} {
			if p.mine && exists(abs(p.path)) {
				if err := os.Remove(abs(p.path)); err != nil {
					return did, err
				}
				afterStep()
			}
		}
	}
	if len(did) == 0 {
		did = []string{"nothing had been replaced yet"}
	}
	return did, nil
}

// finishInstall removes what a complete install had set aside.
func finishInstall(goroot string, j journal) []string {
	var did []string
	for _, e := range j.Entries {
		for _, p := range []string{e.Undo, e.Staged} {
			if p != "" && exists(filepath.Join(goroot, p)) {
				os.Remove(filepath.Join(goroot, p))
				afterStep()
				did = append(did, p)
			}
		}
	}
	return did
}

// sweep removes every scratch file of an install under the race directory
// (there are none but an interrupted run's: the lock is held).
func sweep(goroot string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(RaceDir(goroot), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !scratchRe.MatchString(d.Name()) {
			return err
		}
		if err := os.Remove(p); err != nil {
			return err
		}
		afterStep()
		rel, _ := filepath.Rel(goroot, p)
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out, err
}

// writeJournal writes j whole (a scratch file synced, renamed into place,
// the directory synced).
func writeJournal(goroot string, j journal) error {
	dir := RaceDir(goroot)
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, JournalName)
	tmp := tempName(path, "new")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the journal %s: %w", path, err)
	}
	afterStep()
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// commit puts files in place under a journal: it records every file, stages
// every new content beside its destination, then replaces the destinations
// one by one, backing up each original once. A failure rolls back what it
// did; a crash leaves the journal, from which the next command rolls back.
func commit(goroot string, files []file) (err error) {
	j := journal{Op: "install", PID: os.Getpid(), Start: time.Now().UTC().Format(time.RFC3339), State: "prepared"}
	rel := func(p string) string { r, _ := filepath.Rel(goroot, p); return r }
	for _, f := range files {
		e := entry{Path: rel(f.path), Staged: rel(tempName(f.path, "new"))}
		recorded := exists(f.path+BackupSuffix) || exists(f.path+AbsentSuffix)
		if _, err := os.Lstat(f.path); err == nil {
			e.Existed, e.Undo, e.Backup = true, rel(tempName(f.path, "undo")), !recorded
		} else if errors.Is(err, os.ErrNotExist) {
			e.Absent = !recorded
		} else {
			return err
		}
		j.Entries = append(j.Entries, e)
	}
	if err := writeJournal(goroot, j); err != nil {
		return err
	}
	replaced := 0 // destinations whose replacement began
	defer func() {
		if err == nil {
			return
		}
		if _, rerr := rollback(goroot, j); rerr != nil {
			err = fmt.Errorf("%w; restoring the GOROOT failed too (%v): the journal %s stays; run `go run mage.go uninstallGoroot %s` when it is writable", err, rerr, filepath.Join(RaceDir(goroot), JournalName), goroot)
			return
		}
		os.Remove(filepath.Join(RaceDir(goroot), JournalName))
		if replaced > 0 {
			err = fmt.Errorf("%w (nothing installed: the GOROOT was restored as it was)", err)
		} else {
			err = fmt.Errorf("%w (nothing installed)", err)
		}
	}()
	abs := func(p string) string { return filepath.Join(goroot, p) }
	for i, f := range files {
		if err := stage(f, abs(j.Entries[i].Staged)); err != nil {
			return err
		}
		afterStep()
	}
	for i, f := range files {
		e := j.Entries[i]
		replaced++ // from here on the GOROOT is written to
		if e.Backup {
			if err := linkOrCopy(f.path, f.path+BackupSuffix); err != nil {
				return err
			}
			afterStep()
		}
		if e.Absent {
			if err := os.WriteFile(f.path+AbsentSuffix, nil, 0o644); err != nil {
				return err
			}
			afterStep()
		}
		if e.Existed {
			if err := linkOrCopy(f.path, abs(e.Undo)); err != nil {
				return err
			}
			afterStep()
		}
		if err := beforeReplace(f.path); err != nil {
			return err
		}
		if err := os.Rename(abs(e.Staged), f.path); err != nil {
			return err
		}
		afterStep()
	}
	j.State = "done"
	if err := writeJournal(goroot, j); err != nil {
		return err
	}
	finishInstall(goroot, j)
	if err := os.Remove(filepath.Join(RaceDir(goroot), JournalName)); err != nil {
		return err
	}
	afterStep()
	return nil
}

// linkOrCopy makes dst hold src's content: a hard link, or where the file
// system has none a copy (staged under the scratch pattern, then renamed).
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	tmp := tempName(dst, "new")
	if err := stage(file{path: src, data: data}, tmp); err != nil {
		return err
	}
	os.Chmod(tmp, st.Mode().Perm())
	return os.Rename(tmp, dst)
}

// stage writes f's content at p, beside its destination, synced, with the
// destination's permissions (0644 for a new file).
func stage(f file, p string) error {
	perm := os.FileMode(0o644)
	if st, err := os.Stat(f.path); err == nil {
		perm = st.Mode().Perm()
	}
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
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
		return fmt.Errorf("staging %s: %w", f.path, err)
	}
	return nil
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

// Uninstall restores every file an install replaced in goroot (from its
// backup) and removes every file an install added, under a journal: an
// uninstall stopped half-way is completed by the next command that touches
// the GOROOT. It also removes any scratch file an interrupted install left.
func Uninstall(goroot string, log io.Writer) error {
	if err := checkGOROOT(goroot); err != nil {
		return err
	}
	return withGOROOT(goroot, "uninstallGoroot", log, func() error { return uninstall(goroot, log) })
}

func uninstall(goroot string, log io.Writer) error {
	j := journal{Op: "uninstall", PID: os.Getpid(), Start: time.Now().UTC().Format(time.RFC3339)}
	err := filepath.WalkDir(RaceDir(goroot), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(goroot, p)
		switch {
		case strings.HasSuffix(p, BackupSuffix):
			j.Entries = append(j.Entries, entry{Path: strings.TrimSuffix(rel, BackupSuffix), Backup: true})
		case strings.HasSuffix(p, AbsentSuffix):
			j.Entries = append(j.Entries, entry{Path: strings.TrimSuffix(rel, AbsentSuffix), Absent: true})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(j.Entries) == 0 {
		return fmt.Errorf("nothing to uninstall: %s holds no racesyso backups (*%s)", goroot, BackupSuffix)
	}
	var probe []file
	for _, e := range j.Entries {
		probe = append(probe, file{path: filepath.Join(goroot, e.Path)})
	}
	if err := preflight(goroot, probe); err != nil {
		return err
	}
	if err := writeJournal(goroot, j); err != nil {
		return err
	}
	did, err := finishUninstall(goroot, j)
	for _, d := range did {
		fmt.Fprintf(log, "uninstallGoroot: %s\n", d)
	}
	if err != nil {
		return fmt.Errorf("%w (the journal stays: the next racesyso command on %s completes the uninstall)", err, goroot)
	}
	if err := os.Remove(filepath.Join(RaceDir(goroot), JournalName)); err != nil {
		return err
	}
	afterStep()
	return nil
}

// finishUninstall does (or completes) an uninstall's entries; each step is
// idempotent.
func finishUninstall(goroot string, j journal) ([]string, error) {
	var did []string
	for _, e := range j.Entries {
		p := filepath.Join(goroot, e.Path)
		switch {
		case e.Backup && exists(p+BackupSuffix):
			if err := os.Rename(p+BackupSuffix, p); err != nil {
				return did, err
			}
			afterStep()
			did = append(did, "restored "+e.Path)
		case e.Absent && exists(p+AbsentSuffix):
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return did, err
			}
			afterStep()
			if err := os.Remove(p + AbsentSuffix); err != nil {
				return did, err
			}
			afterStep()
			did = append(did, "removed "+e.Path+" (installGoroot added it)")
		}
	}
	swept, err := sweep(goroot)
	for _, s := range swept {
		did = append(did, "removed the scratch file "+s)
	}
	return did, err
}
