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
// with mg.CtxDeps/mg.SerialCtxDeps (the run's context.Context handed on),
// and every target takes that context first, so that `go run mage.go verify` on a fresh
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
		if fn.Recv == nil && fn.Name.IsExported() {
			params := fn.Type.Params.List
			sel, ok := ast.Expr(nil), false
			if len(params) > 0 {
				sel = params[0].Type
				s, isSel := sel.(*ast.SelectorExpr)
				ok = isSel && s.Sel.Name == "Context" && s.X.(*ast.Ident).Name == "context"
			}
			if !ok {
				t.Errorf("target %s does not take context.Context first: Ctrl-C and mage -t cannot stop it", fn.Name.Name)
			}
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "CtxDeps" && sel.Sel.Name != "SerialCtxDeps" {
				return true
			}
			for i, a := range call.Args {
				if id, ok := a.(*ast.Ident); ok && i > 0 {
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
