package integration_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/racesyso/racesyso/internal/dist"
	"github.com/racesyso/racesyso/internal/integration"
	"github.com/racesyso/racesyso/internal/targets"
	"github.com/racesyso/racesyso/internal/verify"
)

// TestBuiltObjectsPassObjectChecks runs verify's object checks (format, ABI
// against the installed Go, allowlists, glibc floor, instruction set) and
// the 2016 interface check on all four built objects.
func TestBuiltObjectsPassObjectChecks(t *testing.T) {
	distDir := integration.Objects(t, targets.All()...)
	var objs []verify.Object
	for _, goos := range targets.All() {
		objs = append(objs, verify.Object{Path: filepath.Join(distDir, dist.ObjectName(goos)), GOOS: goos, Ours: true})
	}
	rep := verify.Run(objs, verify.Options{})
	iface, err := verify.NamedInterface("go1.7-perP")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		rep.Add(verify.CheckABI(o, iface))
		rep.Add(verify.CheckPerP(o))
	}
	var table bytes.Buffer
	rep.Table(&table)
	t.Logf("\n%s", table.String())
	if !rep.Complete() {
		t.Fatal("built objects fail (or skip) verify's object checks (table above)")
	}
	if len(rep.Results) < 5*len(objs) {
		t.Fatalf("only %d results", len(rep.Results))
	}
}
