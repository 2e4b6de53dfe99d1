package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/goroot"
	"github.com/racesyso/racesyso/internal/verify"
)

// ProgressFile is where verify keeps the stages it has finished, in the
// profile's scratch directory (.build/), until it has written
// verify.json: an interrupted verify (Ctrl-C, mage -t, a crash) leaves it,
// and the next verify of the same objects takes those stages' results and
// goes on from the stage that was interrupted.
const ProgressFile = "verify-progress.json"

// verifyProgress is an unfinished verify: what it checks (Key) and the
// stages it finished.
type verifyProgress struct {
	Key    string          `json:"key"`
	What   string          `json:"what"`
	Stages []stageProgress `json:"stages"`
}

type stageProgress struct {
	Name    string          `json:"name"`
	Results []verify.Result `json:"results"`
}

// progressKey names what a verify proves: the profile, every object's
// sha256, the GOROOT they are held against, the settings that change which
// checks run, and the stages. A verify that differs in any of them starts
// afresh.
func (c *Context) progressKey(m *dist.Manifest, stages []VerifyStage) (key, what string) {
	var parts []string
	parts = append(parts, "profile="+c.Profile())
	var goos []string
	for g := range m.Targets {
		goos = append(goos, g)
	}
	sort.Strings(goos)
	for _, g := range goos {
		parts = append(parts, g+"="+m.Targets[g].SHA256)
	}
	root := c.GOROOT()
	if root == "" {
		root, _ = goroot.Default() // the go on PATH: another Go there is another verify
	}
	parts = append(parts, "goroot="+root+" ("+goroot.Version(root)+")",
		fmt.Sprintf("skip_goroot_tests=%v", c.Config.SkipGorootTests), "history="+c.Config.History)
	for _, st := range stages {
		parts = append(parts, "stage="+st.Name)
	}
	h := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(h[:]), strings.Join(parts, ", ")
}

func (c *Context) progressPath() string {
	if c.BuildDir == "" {
		return ""
	}
	return filepath.Join(c.BuildDir, ProgressFile)
}

// loadProgress is the unfinished verify of the same objects and settings,
// if one is saved (said in the log); any other is set aside.
func (c *Context) loadProgress(key, what string) *verifyProgress {
	p := &verifyProgress{Key: key, What: what}
	path := c.progressPath()
	if path == "" {
		return p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return p
	}
	var old verifyProgress
	if json.Unmarshal(data, &old) != nil || old.Key != key {
		fmt.Fprintf(c.Log, "verify: %s is of an interrupted verify of other objects or settings: starting afresh\n", path)
		return p
	}
	var names []string
	for _, s := range old.Stages {
		names = append(names, s.Name)
	}
	if len(names) > 0 {
		fmt.Fprintf(c.Log, "verify: resuming an interrupted verify of these objects (%s): stages %s finished then; their results are kept and the rest run now\n", path, strings.Join(names, ", "))
	}
	return &old
}

// done is the saved results of a stage the interrupted verify finished.
func (p *verifyProgress) done(name string) ([]verify.Result, bool) {
	for _, s := range p.Stages {
		if s.Name == name {
			return s.Results, true
		}
	}
	return nil, false
}

// save records a finished stage, atomically.
func (c *Context) saveProgress(p *verifyProgress, name string, results []verify.Result) error {
	p.Stages = append(p.Stages, stageProgress{Name: name, Results: results})
	path := c.progressPath()
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}

// dropProgress removes the record once verify.json holds the whole run.
func (c *Context) dropProgress() {
	if path := c.progressPath(); path != "" {
		os.Remove(path)
	}
}
