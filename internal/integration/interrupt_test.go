package integration_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/pipeline"
	"github.com/racesyso/racesyso/internal/testenv"
)

// projectCopy copies the project's tracked files into a fresh directory:
// a checkout of its own, with its own compiler-rt/, .build/ and dist/.
func projectCopy(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "racesyso")
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, rel)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestInterruptedVerify: `mage verify` interrupted with SIGINT to its
// process group (Ctrl-C) in its harness stage stops within mage's grace
// period, leaves dist/ as the build left it (objects and manifest agree, no
// verify.json, no scratch file), and the next `mage verify` says it
// resumes, keeps the finished stages and writes the whole report.
func TestInterruptedVerify(t *testing.T) {
	testenv.SkipIfShort(t, "builds a linux object in a copy of the project and runs mage twice")
	c := integration.ForTest(t, "linux") // skips without a compiler-rt source
	proj := projectCopy(t, c.Root)
	bin := filepath.Join(t.TempDir(), "rs-mage")
	cmd := exec.Command("go", "run", "mage.go", "-compile", bin)
	cmd.Dir = proj
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mage -compile: %v\n%s", err, out)
	}
	env := append(os.Environ(), "RACE_TARGETS=linux", "RACESYSO_SKIP_GOROOT_TESTS=1", "RACESYSO_HISTORY=off", "RACESYSO_PROFILE=")
	mage := func(interruptAt string) (string, error) {
		cmd := exec.Command(bin, "verify")
		cmd.Dir, cmd.Env = proj, env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		pr, pw, _ := os.Pipe()
		cmd.Stdout, cmd.Stderr = pw, pw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		var out bytes.Buffer
		var mu sync.Mutex
		var sent time.Time
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				mu.Lock()
				out.WriteString(sc.Text() + "\n")
				mu.Unlock()
				if interruptAt != "" && sent.IsZero() && strings.Contains(sc.Text(), interruptAt) {
					time.Sleep(3 * time.Second) // into the stage's tools
					sent = time.Now()
					syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
				}
			}
		}()
		err := cmd.Wait()
		<-done
		if !sent.IsZero() {
			if d := time.Since(sent); d > 10*time.Second {
				t.Errorf("verify took %v to stop after SIGINT", d)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return out.String(), err
	}
	out, err := mage("verify: [3/5] harness")
	if err == nil || !strings.Contains(out, "verify interrupted in its harness stage") {
		t.Fatalf("interrupted verify: err=%v, want it to stop in the harness stage:\n%s", err, out)
	}
	distDir := filepath.Join(proj, "dist")
	m, err := dist.Read(distDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckObjects(distDir); err != nil {
		t.Errorf("dist/ after the interruption: %v", err)
	}
	if m.Verify != nil {
		t.Errorf("the manifest records a verify that did not finish: %+v", m.Verify)
	}
	entries, _ := os.ReadDir(distDir)
	for _, e := range entries {
		if e.Name() == dist.VerifyFile || strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("dist/ holds %s after the interruption", e.Name())
		}
	}
	progress := filepath.Join(proj, ".build", pipeline.ProgressFile)
	if _, err := os.Stat(progress); err != nil {
		t.Errorf("no record of the finished stages: %v", err)
	}

	out, err = mage("")
	if err != nil {
		t.Fatalf("the rerun failed: %v\n%s", err, out)
	}
	for _, w := range []string{"resuming an interrupted verify", "[1/5] objects: finished by the interrupted verify", "[3/5] harness\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("the rerun's log lacks %q:\n%s", w, out)
		}
	}
	if _, err := os.Stat(filepath.Join(distDir, dist.VerifyFile)); err != nil {
		t.Errorf("the rerun wrote no verify.json: %v", err)
	}
	if _, err := os.Stat(progress); !os.IsNotExist(err) {
		t.Errorf("the progress record outlived the finished verify")
	}
}
