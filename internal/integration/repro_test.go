package integration_test

import (
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/testenv"
)

// TestReproducibleAcrossDirectories builds all four targets in a fresh
// temporary directory and compares every object with the shared build made
// elsewhere: the same inputs must give the same bytes.
func TestReproducibleAcrossDirectories(t *testing.T) {
	testenv.SkipIfShort(t, "builds all four targets twice")
	shared := integration.Objects(t, targets.All()...)
	c := integration.ForTest(t, targets.All()...)
	for _, stage := range []func() error{c.Checkout, c.Patch, c.BuildSyso} {
		if err := stage(); err != nil {
			t.Fatal(err)
		}
	}
	a, err := dist.Read(shared)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dist.Read(c.DistDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, goos := range targets.All() {
		ta, tb := a.Targets[goos], b.Targets[goos]
		if ta.SHA256 == "" || ta.SHA256 != tb.SHA256 {
			t.Errorf("%s: %s in %s vs %s in %s", goos, ta.SHA256, shared, tb.SHA256, c.DistDir)
			continue
		}
		t.Logf("%s: %s identical (%d bytes)", goos, ta.SHA256, ta.Size)
	}
}
