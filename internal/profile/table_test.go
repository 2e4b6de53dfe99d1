package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEProfileTable: README's profile table is the one the profile
// directories give.
func TestREADMEProfileTable(t *testing.T) {
	root := projectRoot(t)
	want, err := Table(root)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md lacks the profile table as patches/*/ gives it; put this under \"Profiles\":\n%s", want)
	}
}
