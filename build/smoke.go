package build

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/toolchain"
)

// raceReport is what test.c's deliberate race must print.
const raceReport = "WARNING: DATA RACE"

// Smoke checks obj against compiler-rt's test.c as spec says. It returns a
// one-line account and whether the test program actually ran.
func Smoke(goos string, tc toolchain.Toolchain, spec SmokeSpec, obj, testC, dir string) (string, bool, error) {
	exe := filepath.Join(dir, "test-"+goos)
	link := append(append([]string{}, tc.CC...), testC, obj, "-o", exe)
	link = append(link, spec.LinkFlags...)
	if err := run(dir, nil, link...); err != nil {
		return "", false, fmt.Errorf("linking test.c against the object: %w", err)
	}
	switch spec.Kind {
	case "link":
		return fmt.Sprintf("linked test.c with %s: every undefined symbol resolved (not run: no %s here)", tc.Name, goos), false, nil
	case "run":
		out, err := output(dir, []string{"GORACE=exitcode=0 atexit_sleep_ms=0"}, exe)
		if err != nil {
			return "", true, fmt.Errorf("running test.c: %w", err)
		}
		if !strings.Contains(out, raceReport) {
			return "", true, fmt.Errorf("test.c ran but its race was not reported; output:\n%s", out)
		}
		return "ran test.c: race reported", true, nil
	default:
		return "", false, fmt.Errorf("unknown smoke kind %q in build/targets.json", spec.Kind)
	}
}
