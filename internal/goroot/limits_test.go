package goroot

import (
	"context"
	"testing"

	"github.com/racesyso/racesyso/internal/gotool"
	"github.com/racesyso/racesyso/internal/testenv"
)

// TestMeasureLimitsShipped measures the installed Go's own object, whose
// figures are the reference for ours (verify prints both).
func TestMeasureLimitsShipped(t *testing.T) {
	testenv.SkipIfShort(t, "builds and runs -race programs")
	root := realGOROOT(t)
	project, err := gotool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	l, err := MeasureLimits(context.Background(), root, project, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *l)
	if l.MaxGoroutines < 10000 || l.RangeReports != 1 || l.NsPerOp["BenchmarkGoStartExit"] == 0 {
		t.Errorf("shipped object's limits look wrong: %+v", *l)
	}
	// maxg's own VmHWM: 1000 blocked goroutines take tens of MiB, not the
	// nothing of an unread line nor this test process's size.
	if l.RSS1000MiB < 5 || l.RSS1000MiB > 200 {
		t.Errorf("peak RSS with 1000 blocked goroutines = %.1f MiB", l.RSS1000MiB)
	}
}
