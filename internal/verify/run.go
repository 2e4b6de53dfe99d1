package verify

import (
	"fmt"
	"path/filepath"
	"regexp"
)

// Object is a race object file to verify.
type Object struct {
	// Path is the object file.
	Path string
	// GOOS is the target OS; if empty it is taken from a file name of
	// the form race_<goos>[_amd64].syso.
	GOOS string
	// Allowlist is the file of the imports the object may have (its
	// profile's undefined_<goos>.txt); empty for Go's own objects' lists
	// (data/undefined_<goos>.txt).
	Allowlist string
	// Target is the target name it was built as (linux-v3); empty means
	// GOOS. It keys Options.Reference.
	Target string
	// Level is the GOAMD64 level the object is held to; empty means
	// Options.AMD64Level.
	Level string
	// Ours marks an object racesyso built, held to what racesyso
	// promises beyond what Go's shipped objects do: a darwin object
	// carries a well-formed LC_DYSYMTAB (so it needs no `ld -r`).
	Ours bool
}

// Options configures Run.
type Options struct {
	// GOROOT whose runtime's imports the objects must satisfy; empty
	// means `go env GOROOT`. Ignored if Interface is set.
	GOROOT string
	// Interface names an embedded interface (e.g. "go1.7-perP") to check
	// against instead of a GOROOT.
	Interface string
	// GlibcFloor is the oldest glibc linux objects may require;
	// DefaultGlibcFloor if empty.
	GlibcFloor string
	// Reference maps a GOOS to a reference object whose undefined symbols
	// are diffed against (informational).
	Reference map[string]string
	// AMD64Level is the GOAMD64 level objects are built for; "v1" if empty.
	AMD64Level string
}

var objectNameRE = regexp.MustCompile(`^race_([a-z]+?)(?:_amd64(?:_(v[1-4]))?)?\.syso$`)

// goosOf returns obj.GOOS, or derives it from the file name.
func goosOf(obj Object) (string, error) {
	if obj.GOOS != "" {
		return obj.GOOS, nil
	}
	if m := objectNameRE.FindStringSubmatch(filepath.Base(obj.Path)); m != nil {
		return m[1], nil
	}
	return "", fmt.Errorf("%s: GOOS not given and not in the file name", obj.Path)
}

// Run applies every check to every object: format, ABI, undefined-symbol
// allowlist, an undefined-symbol diff against Options.Reference, the glibc
// floor (linux only) and the instruction set.
func Run(objects []Object, opts Options) Report {
	rep := NewReport()
	var iface Interface
	var err error
	if opts.Interface != "" {
		iface, err = NamedInterface(opts.Interface)
	} else {
		iface, err = GorootInterface(opts.GOROOT)
	}
	if err != nil {
		rep.Add(Result{Name: "abi", Target: "interface", Summary: err.Error()})
	}
	for _, obj := range objects {
		goos, gerr := goosOf(obj)
		if gerr != nil {
			rep.Add(Result{Name: "object", Target: obj.Path, Summary: gerr.Error()})
			continue
		}
		obj.GOOS = goos
		f := CheckFormat(obj)
		rep.Add(f)
		if !f.OK() {
			// The other checks read the object as an amd64 one of its
			// format: on anything else they would prove nothing.
			for _, name := range checksAfterFormat(obj.key(goos), goos, obj.Ours, opts, err == nil) {
				rep.Add(Skip(name, obj.Path, "not run: the object failed the format check"))
			}
			continue
		}
		if err == nil {
			rep.Add(CheckABI(obj, iface))
		}
		rep.Add(CheckUndefined(obj))
		if ref := opts.Reference[obj.key(goos)]; ref != "" {
			rep.Add(DiffUndefined(obj, ref))
			if obj.Ours {
				rep.Add(ShippedDiff(obj, ref, iface.Symbols))
			}
		}
		if goos == "linux" {
			rep.Add(CheckGlibc(obj, opts.GlibcFloor))
		}
		level := opts.AMD64Level
		if m := objectNameRE.FindStringSubmatch(filepath.Base(obj.Path)); m != nil && m[2] != "" {
			level = m[2] // race_<goos>_amd64_<level>.syso
		}
		if obj.Level != "" {
			level = obj.Level
		}
		rep.Add(CheckISA(obj, level))
	}
	return rep
}

// checksAfterFormat names the checks Run makes after the format check.
func checksAfterFormat(key, goos string, ours bool, opts Options, haveInterface bool) []string {
	var names []string
	if haveInterface {
		names = append(names, "abi")
	}
	names = append(names, "undefined")
	if opts.Reference[key] != "" {
		names = append(names, "undefined-diff")
		if ours {
			names = append(names, "shipped-diff")
		}
	}
	if goos == "linux" {
		names = append(names, "glibc")
	}
	return append(names, "isa")
}

// GOOSOf is the GOOS of a race object's file name (race_<goos>[_amd64].syso),
// "" when the name has none.
func GOOSOf(path string) string {
	g, _ := goosOf(Object{Path: path})
	return g
}

// key is the object's key in Options.Reference: its target name, or goos.
func (o Object) key(goos string) string {
	if o.Target != "" {
		return o.Target
	}
	return goos
}
