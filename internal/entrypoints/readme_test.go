package entrypoints_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMENamesRealTests: every "`pkg` TestName" README cites (the bad
// inputs table, the leak bounds...) is a test function of that package.
func TestREADMENamesRealTests(t *testing.T) {
	root := moduleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// A row cites "`pkg` TestA, TestB; `pkg2` TestC".
	cite := regexp.MustCompile("`([a-z]+)` ((?:Test\\w+(?: \\([^)]*\\))?(?:, )?)+)")
	name := regexp.MustCompile(`Test\w+`)
	n := 0
	for _, m := range cite.FindAllStringSubmatch(string(readme), -1) {
		dir := filepath.Join(root, "internal", m[1])
		if m[1] == "goruntime" {
			dir = filepath.Join(root, "goruntime")
		}
		var src strings.Builder
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if len(files) == 0 {
			t.Errorf("README cites package %q, which has no tests (%s)", m[1], dir)
			continue
		}
		for _, f := range files {
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
		for _, test := range name.FindAllString(m[2], -1) {
			n++
			if !strings.Contains(src.String(), "func "+test+"(") {
				t.Errorf("README cites `%s` %s, which is not a test there", m[1], test)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d cited tests found: the pattern no longer matches README", n)
	}
}
