package compile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/racesyso/racesyso/internal/atomicfile"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/toolchain"
)

// raceReport is what test.c's deliberate race must print.
const raceReport = "WARNING: DATA RACE"

// Wine64 is Debian's 64-bit wine loader.
const Wine64 = "/usr/lib/wine/wine64"

// Smoke checks obj against compiler-rt's test.c as spec says, working in
// dir. It returns a one-line account and whether the test program ran.
// winePrefix is the private WINEPREFIX for the "wine" kind.
func Smoke(goos string, tc toolchain.Toolchain, spec targets.SmokeSpec, obj, testC, dir, winePrefix string) (string, bool, error) {
	// Some linkers (zig's) insist on a known object suffix.
	linkObj := filepath.Join(dir, "race-"+goos+".o")
	if err := atomicfile.Copy(linkObj, obj); err != nil {
		return "", false, err
	}
	exe := filepath.Join(dir, "test-"+goos)
	if goos == "windows" {
		exe += ".exe"
	}
	link := append(append([]string{}, tc.CC...), testC, linkObj, "-o", exe)
	link = append(link, spec.LinkFlags...)
	if err := run(dir, tc.Env(dir), link...); err != nil {
		return "", false, fmt.Errorf("linking test.c against the object: %w", err)
	}
	env := []string{"GORACE=exitcode=0 atexit_sleep_ms=0"}
	argv := []string{exe}
	switch spec.Kind {
	case "link":
		return fmt.Sprintf("linked test.c with %s: every undefined symbol resolved (not run: nothing here runs %s)", tc.Name, goos), false, nil
	case "run":
	case "wine":
		if _, err := os.Stat(Wine64); err != nil {
			return "", false, fmt.Errorf("%s not found: install it with `apt-get install wine64` (or run `go run mage.go tools`)", Wine64)
		}
		env = append(env, WineEnv(winePrefix)...)
		argv = []string{Wine64, exe}
	default:
		return "", false, fmt.Errorf("unknown smoke kind %q in build/targets.json", spec.Kind)
	}
	out, err := output(dir, env, argv...)
	if err != nil {
		return "", true, fmt.Errorf("running test.c: %w", err)
	}
	if !strings.Contains(out, raceReport) {
		return "", true, fmt.Errorf("test.c ran but its race was not reported; output:\n%s", out)
	}
	if spec.Kind == "wine" {
		return "ran test.c under wine64: race reported", true, nil
	}
	return "ran test.c: race reported", true, nil
}

// WineEnv is the environment of a private wine prefix: no debug chatter, no
// Mono or Gecko installers.
func WineEnv(prefix string) []string {
	return []string{"WINEPREFIX=" + prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml="}
}

// StartWinePrefix creates the prefix in the background (wineboot takes
// seconds the first time) so that it is ready when the smoke test needs it;
// wait blocks until it is. A prefix that exists already costs nothing.
func StartWinePrefix(prefix string) (wait func()) {
	if _, err := os.Stat(filepath.Join(prefix, "system.reg")); err == nil {
		return func() {}
	}
	if _, err := os.Stat(Wine64); err != nil {
		return func() {}
	}
	os.MkdirAll(prefix, 0o755)
	cmd := exec.Command(Wine64, "wineboot", "--init")
	cmd.Env = append(os.Environ(), WineEnv(prefix)...)
	if err := cmd.Start(); err != nil {
		return func() {}
	}
	return func() { cmd.Wait() }
}
