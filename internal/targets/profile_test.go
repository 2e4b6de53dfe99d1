package targets

import (
	"reflect"
	"strings"
	"testing"
)

// TestProfiles: each profile has its own table over the same four targets;
// an unknown profile is refused, naming the known ones.
func TestProfiles(t *testing.T) {
	def := Load()
	if def.Profile != DefaultProfile {
		t.Errorf("Load().Profile = %q, want %q", def.Profile, DefaultProfile)
	}
	for _, name := range Profiles {
		s, err := LoadProfile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var goos []string
		for _, tg := range s.Targets {
			goos = append(goos, tg.GOOS)
		}
		if !reflect.DeepEqual(goos, All()) {
			t.Errorf("%s: targets %v, want %v", name, goos, All())
		}
	}
	llvm, _ := LoadProfile("llvm-19")
	if reflect.DeepEqual(llvm.Sources, def.Sources) || !strings.HasSuffix(llvm.Sources[0], ".cpp") {
		t.Errorf("llvm-19's table is not its own: sources %v", llvm.Sources[:2])
	}
	win, _ := llvm.Get("windows")
	if !reflect.DeepEqual(win.Smoke.LinkFlags, []string{"-lsynchronization"}) {
		t.Errorf("llvm-19 windows smoke link flags %v, want -lsynchronization", win.Smoke.LinkFlags)
	}
	if def.ShippedParity != nil {
		t.Errorf("perp-2016 claims parity with the shipped objects (%+v): its limits are the 2016 runtime's", *def.ShippedParity)
	}
	if llvm.ShippedParity == nil || llvm.ShippedParity.SyncLeakPeakRSS != 1.1 {
		t.Errorf("llvm-19's shipped_parity = %+v, want sync_leak_peak_rss 1.1 (issue 15)", llvm.ShippedParity)
	}
	if _, err := LoadProfile("llvm-18"); err == nil || !strings.Contains(err.Error(), "perp-2016,llvm-19") {
		t.Errorf("LoadProfile(llvm-18) = %v, want a refusal naming the profiles", err)
	}
}
