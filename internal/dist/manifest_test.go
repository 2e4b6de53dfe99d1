package dist

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAndRead(t *testing.T) {
	dir := t.TempDir()
	objs := map[string]string{"linux": "race_linux_amd64.syso", "windows": "race_windows_amd64.syso"}
	m := &Manifest{
		Source:  Source{URL: "/mirror/compiler-rt", Commit: "81bba04449f2b776158dedd9fd9843506942e8e4", SVNRevision: 267674},
		Series:  "abc",
		Patches: []Patch{{Name: "0001-x.patch", SHA256: "00"}},
		Targets: map[string]Built{},
	}
	for goos, name := range objs {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("object for "+goos), 0o644)
		sum, n, err := FileSHA256(p)
		if err != nil {
			t.Fatal(err)
		}
		m.Targets[goos] = Built{Object: name, SHA256: sum, Size: n, Compiler: "clang", CompilerVersion: "Debian clang version 14.0.6"}
	}
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != m.Source || len(got.Targets) != 2 || got.Targets["linux"].CompilerVersion != "Debian clang version 14.0.6" || got.Patches[0].Name != "0001-x.patch" {
		t.Fatalf("round trip: %+v", got)
	}
	if err := got.CheckObjects(dir); err != nil {
		t.Fatal(err)
	}
	sums, _ := os.ReadFile(filepath.Join(dir, SumsName))
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "  race_linux_amd64.syso") || !strings.HasSuffix(lines[1], "  race_windows_amd64.syso") {
		t.Fatalf("SHA256SUMS =\n%s", sums)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", SumsName)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}
	// A changed object is caught.
	os.WriteFile(filepath.Join(dir, objs["linux"]), []byte("tampered"), 0o644)
	if err := got.CheckObjects(dir); err == nil || !strings.Contains(err.Error(), "linux: race_linux_amd64.syso has sha256") {
		t.Fatalf("CheckObjects after tampering: %v", err)
	}
}

func TestReadMissingIsEmpty(t *testing.T) {
	m, err := Read(t.TempDir())
	if err != nil || len(m.Targets) != 0 {
		t.Fatalf("Read of empty dir = %+v, %v", m, err)
	}
}

// TestCheckObjectsNamesTheFix: a missing object names the target to
// rebuild and the command.
func TestCheckObjectsNamesTheFix(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Targets: map[string]Built{
		"linux":  {Object: "race_linux_amd64.syso", SHA256: "00"},
		"darwin": {Object: "race_darwin_amd64.syso", SHA256: "00"},
	}}
	err := m.CheckObjects(dir)
	for _, want := range []string{"linux: race_linux_amd64.syso is missing", "RACE_TARGETS=darwin,linux go run mage.go buildSyso"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}
