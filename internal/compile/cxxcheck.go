package compile

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/racesyso/racesyso/internal/config"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/toolchain"
)

// CxxModeResult is what CheckCxxMode found.
type CxxModeResult struct {
	Files    int      // sources checked per variant
	Compiles int      // compiler runs
	Failures []string // "variant file: first error line"
}

// CheckCxxMode syntax-checks the C/C++ (non-Go) runtime sources of the
// patched tree in workTree with the linux toolchain, one compiler run per
// file and variant, NumCPU at a time, as the profile's targets table
// (its cxx_mode_check) says.
func CheckCxxMode(profile targets.Spec, workTree string, over config.Compiler) (*CxxModeResult, error) {
	spec := profile.CxxModeCheck
	if spec.Ext == "" || len(spec.Dirs) == 0 {
		return nil, fmt.Errorf("profile %s: its targets table has no cxx_mode_check (dirs, ext)", profile.Profile)
	}
	tc, err := toolchain.ForSpec(profile, "linux", over)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, d := range spec.Dirs {
		matches, err := filepath.Glob(filepath.Join(workTree, d, "*"+spec.Ext))
		if err != nil {
			return nil, err
		}
	next:
		for _, m := range matches {
			for _, x := range spec.Exclude {
				if strings.Contains(filepath.Base(m), x) {
					continue next
				}
			}
			rel, _ := filepath.Rel(workTree, m)
			files = append(files, rel)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no *%s sources under %s in %v: run `go run mage.go checkout patch` first", spec.Ext, workTree, spec.Dirs)
	}
	res := &CxxModeResult{Files: len(files)}
	var mu sync.Mutex
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for _, v := range spec.Variants {
		for _, f := range files {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				argv := append(append(append(append([]string{}, tc.CXX...), spec.Flags...), v...), f)
				out, err := output(workTree, nil, argv...)
				mu.Lock()
				defer mu.Unlock()
				res.Compiles++
				if err != nil {
					res.Failures = append(res.Failures, fmt.Sprintf("%s %s: %s", strings.Join(v, " "), f, firstError(out, err)))
				}
			}()
		}
	}
	wg.Wait()
	sort.Strings(res.Failures)
	return res, nil
}

func firstError(out string, err error) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "error:") {
			return strings.TrimSpace(l)
		}
	}
	return err.Error()
}
