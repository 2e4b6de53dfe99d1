package integration_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/verify"
)

// baseLinux builds (or reuses) the pre-split linux object through the
// pipeline: the series up to its base marker.
func baseLinux(t *testing.T) verify.Object {
	t.Helper()
	return verify.Object{Path: integration.BaseObject(t, "linux"), GOOS: "linux"}
}

// TestABIBaseObject: the pre-split object lacks exactly the per-P entry
// points (and, against today's GOROOT, today's additions).
func TestABIBaseObject(t *testing.T) {
	obj := baseLinux(t)
	tests := []struct {
		iface   func() (verify.Interface, error)
		missing []string
	}{
		{func() (verify.Interface, error) { return verify.GorootInterface("") },
			[]string{"__tsan_proc_create", "__tsan_proc_destroy", "__tsan_release_acquire", "__tsan_report_count"}},
		{func() (verify.Interface, error) { return verify.NamedInterface("go1.7-perP") },
			[]string{"__tsan_proc_create", "__tsan_proc_destroy"}},
	}
	for _, tt := range tests {
		iface, err := tt.iface()
		if err != nil {
			t.Fatal(err)
		}
		r := verify.CheckABI(obj, iface)
		if r.OK() {
			t.Fatalf("pre-split object passes %s", iface.Name)
		}
		for _, m := range tt.missing {
			if !strings.Contains(r.Summary, m) {
				t.Errorf("%s: summary %q does not name %s", iface.Name, r.Summary, m)
			}
		}
	}
}

// baseLinuxImports is what the base object imports: libc and pthread
// entry points glibc has had since 2.2.5, and none of glibc's private
// __libc_* ones (patch 0008 removed them).
var baseLinuxImports = []string{
	"__errno_location", "abort", "confstr", "dl_iterate_phdr", "execv", "exit", "free", "getrlimit", "getrusage",
	"getuid", "isatty", "madvise", "malloc", "pipe", "prctl", "pthread_attr_destroy", "pthread_attr_getstack",
	"pthread_attr_init", "pthread_getattr_np", "pthread_self", "sched_yield", "setrlimit", "sigaction", "sleep",
	"sysconf", "syslog", "usleep",
}

func TestUndefinedBaseObject(t *testing.T) {
	obj := baseLinux(t)
	s, err := verify.ReadSymbols(obj.Path)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(s.Undefined))
	if !slices.Equal(got, baseLinuxImports) {
		t.Errorf("base object imports\n  %q\nwant\n  %q", got, baseLinuxImports)
	}
	if r := verify.CheckUndefined(obj); !r.OK() {
		t.Errorf("CheckUndefined(base) = %+v", r)
	}
}

func TestGlibcBaseObject(t *testing.T) {
	r := verify.CheckGlibc(baseLinux(t), "2.2.5")
	if !r.OK() || !strings.Contains(r.Summary, "requires glibc 2.2.5") {
		t.Errorf("CheckGlibc(base) = %+v", r)
	}
}

// TestGlibcTableCoversBaseObject: data/glibc.txt knows every import of the
// base object (the shipped object's are covered in the package's own tests).
func TestGlibcTableCoversBaseObject(t *testing.T) {
	table, err := verify.GlibcTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range baseLinuxImports {
		if _, ok := table[u]; !ok {
			t.Errorf("%s missing from data/glibc.txt", u)
		}
	}
}
