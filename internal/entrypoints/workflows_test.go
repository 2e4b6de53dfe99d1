// Package entrypoints_test checks the project's entry points: the GitHub
// Actions workflows (linted with actionlint), .ci/run and the magefile.
package entrypoints_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/racesyso/racesyso/internal/gotool"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := gotool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestWorkflowsLint(t *testing.T) {
	root := moduleRoot(t)
	var files []string
	for _, name := range []string{"ci.yml", "release.yml"} {
		path := filepath.Join(root, ".github", "workflows", name)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("workflow missing: %v", err)
		}
		files = append(files, path)
	}
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{
		Color:   actionlint.ColorOptionKindNever,
		Oneline: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

func parse(t *testing.T, name string) *actionlint.Workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	w, errs := actionlint.Parse(data)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs[0])
	}
	return w
}

// TestNoObjectShipsWithoutANativeRun: the release job waits for a native
// smoke job per cross target (linux's smoke test runs in the build job).
func TestNoObjectShipsWithoutANativeRun(t *testing.T) {
	w := parse(t, "release.yml")
	rel := w.Jobs["release"]
	if rel == nil {
		t.Fatal("release.yml has no release job")
	}
	needs := map[string]bool{}
	for _, n := range rel.Needs {
		needs[n.Value] = true
	}
	for _, job := range []string{"build", "smoke-macos", "smoke-windows", "smoke-freebsd"} {
		if !needs[job] {
			t.Errorf("the release job does not need %s", job)
		}
		if w.Jobs[job] == nil {
			t.Errorf("release.yml has no %s job", job)
		}
	}
	uses := ""
	if j := w.Jobs["smoke-freebsd"]; j != nil {
		for _, s := range j.Steps {
			if a, ok := s.Exec.(*actionlint.ExecAction); ok {
				uses += a.Uses.Value + " "
			}
		}
	}
	if !strings.Contains(uses, "vmactions/freebsd-vm@") {
		t.Errorf("smoke-freebsd does not run in a FreeBSD VM (uses: %s)", uses)
	}
}

// TestCIRunsTheProjectsEntryPoint: GitHub's ci.yml and the project's CI run
// the same script, so both check the same things in strict mode.
func TestCIRunsTheProjectsEntryPoint(t *testing.T) {
	w := parse(t, "ci.yml")
	var runs []string
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if r, ok := s.Exec.(*actionlint.ExecRun); ok && r.Run != nil {
				runs = append(runs, r.Run.Value)
			}
		}
	}
	if !slices.ContainsFunc(runs, func(r string) bool { return strings.Contains(r, "bash .ci/run") }) {
		t.Errorf("ci.yml does not run `bash .ci/run`: %q", runs)
	}
	script, err := os.ReadFile(filepath.Join(moduleRoot(t), ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export RACESYSO_REQUIRE_ALL=1", "go run mage.go checkout", "go vet ./...", "gofmt -l", "go test -timeout 30m",
		"RACESYSO_HISTORY=ci go run mage.go history"} {
		if !strings.Contains(string(script), want) {
			t.Errorf(".ci/run lacks %q", want)
		}
	}
}
