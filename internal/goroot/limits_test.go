package goroot

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/racesyso/racesyso/internal/testenv"
)

// TestMeasureLimitsShipped measures the installed Go's own object, whose
// figures are the reference for ours (verify prints both).
func TestMeasureLimitsShipped(t *testing.T) {
	testenv.SkipIfShort(t, "builds and runs -race programs")
	root := realGOROOT(t)
	_, file, _, _ := runtime.Caller(0)
	l, err := MeasureLimits(context.Background(), root, filepath.Dir(filepath.Dir(file)), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *l)
	if l.MaxGoroutines < 10000 || l.RangeReports != 1 || l.NsPerOp["BenchmarkGoStartExit"] == 0 {
		t.Errorf("shipped object's limits look wrong: %+v", *l)
	}
}
