package dist

import (
	"strings"
	"testing"
)

// TestSameInputs: the commit, its revision and the series are inputs; the
// URL the pinned commit was fetched from is not (issue 12, bug 2).
func TestSameInputs(t *testing.T) {
	base := Manifest{Source: Source{URL: "https://github.com/llvm-mirror/compiler-rt.git", Commit: "81bba04449f2b776158dedd9fd9843506942e8e4", SVNRevision: 267674}, Series: "aaaa"}
	cases := []struct {
		name string
		edit func(m *Manifest)
		same bool
		diff string
	}{
		{"identical", func(m *Manifest) {}, true, ""},
		{"other URL, same commit", func(m *Manifest) { m.Source.URL = "../shared/compiler-rt.git" }, true, ""},
		{"other series", func(m *Manifest) { m.Series = "bbbb" }, false, "patch series bbbb, not aaaa"},
		{"other commit", func(m *Manifest) { m.Source.Commit = "0123456789abcdef" }, false, "commit 0123456789ab"},
	}
	for _, c := range cases {
		o := base
		c.edit(&o)
		if got := o.SameInputs(&base); got != c.same {
			t.Errorf("%s: SameInputs = %v, want %v", c.name, got, c.same)
		}
		if d := o.InputsDiff(&base); !strings.Contains(d, c.diff) || (c.diff == "") != (d == "") {
			t.Errorf("%s: InputsDiff = %q, want it to contain %q", c.name, d, c.diff)
		}
	}
}
