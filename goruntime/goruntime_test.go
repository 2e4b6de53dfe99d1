package goruntime

import (
	"errors"
	"testing"

	"github.com/racesyso/racesyso/internal/testenv"
)

func needToolchain(t *testing.T) {
	t.Helper()
	if err := HostSupported(); err != nil {
		testenv.Skip(t, "%v", err)
	}
}

func perpObject(t *testing.T) string {
	t.Helper()
	p := DefaultPerPObject()
	if err := CheckObjectExists(p); err != nil {
		testenv.Skip(t, "the installed Go ships no linux race object (the per-P fixture): %v", err)
	}
	return p
}

func TestInspectObject(t *testing.T) {
	for _, c := range []struct {
		name string
		path func(*testing.T) string
		want Interface
	}{{"perp", perpObject, PerP}} {
		t.Run(c.name, func(t *testing.T) {
			p := c.path(t)
			info, err := InspectObject(p)
			if err != nil {
				t.Fatal(err)
			}
			if info.Interface != c.want || len(info.Missing) != 0 {
				t.Fatalf("%s: interface %s (want %s), missing %v", p, info.Interface, c.want, info.Missing)
			}
		})
	}
	if _, err := InspectObject("/nonexistent.syso"); err == nil {
		t.Error("InspectObject of a missing file succeeded")
	}
}

func TestCheckObjectExists(t *testing.T) {
	if err := CheckObjectExists(t.TempDir() + "/nope.syso"); !errors.Is(err, errNoObject) {
		t.Fatalf("got %v", err)
	}
}

func TestAssess(t *testing.T) {
	mk := func(base, perp []float64) *LeakTable {
		tab := &LeakTable{}
		for i := range base {
			tab.Rows = append(tab.Rows, LeakRow{Work: 1 << i, BaseMiB: base[i], PerPMiB: perp[i]})
		}
		return tab
	}
	// README's leak table (`go run mage.go verify`, check "leak").
	measuredBase := []float64{122.7, 193.8, 338.3, 619.6}
	measuredPerP := []float64{56.4, 58.0, 61.1, 67.3}
	if a := mk(measuredBase, measuredPerP).Assess(); !a.OK() {
		t.Errorf("measured table judged bad: %s", a)
	}
	if a := mk([]float64{100, 101, 100, 102}, measuredPerP).Assess(); a.BaseGrows {
		t.Errorf("flat base judged growing: %s", a)
	}
	if a := mk(measuredBase, []float64{100, 200, 400, 800}).Assess(); a.PerPLevelsOff {
		t.Errorf("leaking per-P judged level: %s", a)
	}
	// Negative control: the per-P criterion rejects the base object's series.
	if a := mk(measuredBase, measuredBase).Assess(); a.PerPLevelsOff {
		t.Errorf("the base object's series judged level: %s", a)
	}
	if a := mk([]float64{122, 300, 200, 620}, measuredPerP).Assess(); a.BaseGrows {
		t.Errorf("non-monotone base judged growing: %s", a)
	}
	if a := mk([]float64{1, 2}, []float64{1, 2}).Assess(); a.OK() {
		t.Errorf("two rows judged OK")
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(string(p))
	return len(p), nil
}
