package goroot

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/testenv"
)

// snapshot is every file under root: path -> mode and sha256.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if e.IsDir() {
			m[rel] = st.Mode().String()
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m[rel] = st.Mode().String() + " " + hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree reports how after differs from before.
func sameTree(before, after map[string]string) string {
	var d []string
	for p, v := range before {
		if w, ok := after[p]; !ok {
			d = append(d, "removed "+p)
		} else if w != v {
			d = append(d, "changed "+p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			d = append(d, "added "+p)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// TestInstallBadInputs: each bad input is refused with a message naming
// the fix, and the GOROOT is left byte for byte as it was (issue 12).
func TestInstallBadInputs(t *testing.T) {
	real := realGOROOT(t)
	mark := func(goos string, data []byte) []byte { return append(append([]byte{}, data...), "racesyso"...) }
	cases := []struct {
		name    string
		setup   func(t *testing.T, root, from string) (string, string) // the GOROOT and dist to use
		wantErr []string
	}{
		{"a destination fails part-way (internal/amd64v3 holds a directory where race_linux.patch goes)", func(t *testing.T, root, from string) (string, string) {
			if err := os.Mkdir(filepath.Join(RaceDir(root), "internal/amd64v3/race_linux.patch"), 0o755); err != nil {
				t.Fatal(err)
			}
			return root, from
		}, []string{"race_linux.patch is a directory", "nothing installed"}},
		{"not a GOROOT", func(t *testing.T, root, from string) (string, string) {
			return t.TempDir(), from
		}, []string{"is not a GOROOT", "`go env GOROOT`"}},
		{"an object removed from dist/", func(t *testing.T, root, from string) (string, string) {
			os.Remove(filepath.Join(from, "race_darwin_amd64.syso"))
			return root, from
		}, []string{"darwin: race_darwin_amd64.syso is missing", "RACE_TARGETS=darwin go run mage.go buildSyso"}},
		{"read-only internal/amd64v3", func(t *testing.T, root, from string) (string, string) {
			readOnly(t, filepath.Join(RaceDir(root), "internal/amd64v3"))
			return root, from
		}, []string{"amd64v3 is not writable (", "run installGoroot as the owner of", "install into a copy you own"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, from := c.setup(t, fakeGOROOT(t, real, false), releaseDir(t, real, mark, "linux", "darwin", "windows"))
			before := snapshot(t, root)
			err := Install(options(root, from))
			for _, want := range c.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want %q", err, want)
				}
			}
			if d := sameTree(before, snapshot(t, root)); d != "" {
				t.Errorf("a failed install changed the GOROOT:\n%s", d)
			}
		})
	}
}

// readOnly makes dir unwritable for this process until the test ends: mode
// 0555 for a user, the immutable attribute for root (who writes through
// modes; chattr is e2fsprogs', on every Debian).
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return
	}
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		testenv.Skip(t, "as root, a read-only directory needs `chattr +i` (e2fsprogs) on a filesystem that supports it: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
}
