package entrypoints_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestMageTargetsDeclareTheirDependencies: each target pulls what it needs
// with mg.Deps/mg.SerialDeps, so that `go run mage.go verify` on a fresh
// clone installs, checks out, patches, builds and verifies.
func TestMageTargetsDeclareTheirDependencies(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(moduleRoot(t), "magefile.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string][]string{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Deps" && sel.Sel.Name != "SerialDeps" {
				return true
			}
			for _, a := range call.Args {
				if id, ok := a.(*ast.Ident); ok {
					deps[fn.Name.Name] = append(deps[fn.Name.Name], id.Name)
				}
			}
			return true
		})
	}
	for target, want := range map[string]string{"Checkout": "Tools", "Patch": "Checkout", "BuildSyso": "Patch", "Verify": "BuildSyso", "History": "BuildSyso", "BuildTimes": "Patch"} {
		if got := strings.Join(deps[target], ","); got != want {
			t.Errorf("%s depends on %q, want %q", target, got, want)
		}
	}
}
