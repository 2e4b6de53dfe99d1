package history

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/racesyso/racesyso/internal/verify"
)

// ABICheck is one object against one release's imports.
type ABICheck struct {
	Object  string   `json:"object"` // "perp/linux", "base/linux", "shipped/linux"
	Path    string   `json:"path"`
	OK      bool     `json:"ok"`
	Missing []string `json:"missing,omitempty"`
	// Required: the check counts in the release's verdict (every per-P
	// object, and the base object where it is the one installed). The base
	// object against Go 1.7+ and the shipped object are reported only.
	Required bool `json:"required"`
}

// ABI is a release's interface and the checks of every object against it.
type ABI struct {
	Imports int        `json:"imports"` // __tsan_* symbols the release's runtime imports
	Checks  []ABICheck `json:"checks"`
	OK      bool       `json:"ok"`
}

// Summary is "5/5 (72 imports)", the required checks passed of those run.
func (a ABI) Summary() string {
	n, ok := 0, 0
	for _, c := range a.Checks {
		if c.Required {
			n++
			if c.OK {
				ok++
			}
		}
	}
	return fmt.Sprintf("%d/%d (%d imports)", ok, n, a.Imports)
}

// CheckABI checks every object against the __tsan_* symbols the release's
// runtime imports (verify.GorootInterface: race.go's cgo_import_static and
// linkname lines, race_amd64.s's references): ours per OS (all four per-P
// objects, required in every release), our base object (required where it
// is installed, before Go 1.7), and the release's shipped linux object
// (reported: it shows the interface was read right).
func CheckABI(r Release, goroot string, perp map[string]string, base, shipped string) (ABI, error) {
	iface, err := verify.GorootInterface(goroot)
	if err != nil {
		return ABI{}, err
	}
	a := ABI{Imports: len(iface.Symbols), OK: true}
	add := func(name, path string, required bool) {
		res := verify.CheckABI(verify.Object{Path: path}, iface)
		c := ABICheck{Object: name, Path: path, OK: res.OK(), Required: required}
		for _, d := range res.Details {
			if m, ok := strings.CutPrefix(d, "missing: "); ok {
				c.Missing = append(c.Missing, m)
			}
		}
		if !c.OK && len(c.Missing) == 0 {
			c.Missing = []string{res.Summary} // unreadable object
		}
		if required && !c.OK {
			a.OK = false
		}
		a.Checks = append(a.Checks, c)
	}
	for _, goos := range slices.Sorted(maps.Keys(perp)) {
		add("perp/"+goos, perp[goos], true)
	}
	if base != "" {
		add("base/linux", base, r.Object == Base)
	}
	if shipped != "" {
		add("shipped/linux", shipped, false)
	}
	if len(perp) < 4 {
		a.OK = false
	}
	return a, nil
}
