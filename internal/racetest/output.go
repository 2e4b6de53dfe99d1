package racetest

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// OutputCase is one case of runtime/race's TestOutput table
// (output_test.go's `var tests`), as a release defines it: a program, how
// it is run ("run" or "test"), the GOOS it is limited to, its GORACE, and
// the regexps one of which its output must match.
type OutputCase struct {
	Name, Run, GOOS, GORACE, Source string
	Re                              []string
}

// OutputCases reads TestOutput's table from a GOROOT's sources with
// go/parser: the fields are taken by name from the table's own struct type
// (Go 1.7's has no run or goos field, and its re is one string; today's
// re is a list), and every value must be a string literal or a sum of
// them.
func OutputCases(goroot string) ([]OutputCase, error) {
	path := filepath.Join(goroot, "src", "runtime", "race", "output_test.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	var lit *ast.CompositeLit
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if len(v.Names) == 1 && v.Names[0].Name == "tests" && len(v.Values) == 1 {
				lit, _ = v.Values[0].(*ast.CompositeLit)
			}
		}
	}
	if lit == nil {
		return nil, fmt.Errorf("%s: no `var tests = []struct{...}{...}` table", path)
	}
	arr, ok := lit.Type.(*ast.ArrayType)
	st, ok2 := arr.Elt.(*ast.StructType)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%s: the tests table is not a slice of structs", path)
	}
	var fields []string
	for _, fl := range st.Fields.List {
		for _, n := range fl.Names {
			fields = append(fields, n.Name)
		}
	}
	var cases []OutputCase
	for i, el := range lit.Elts {
		cl, ok := el.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("%s: case %d is not a literal", path, i)
		}
		c := OutputCase{Run: "run"}
		for k, v := range cl.Elts {
			name := ""
			if kv, ok := v.(*ast.KeyValueExpr); ok {
				id, _ := kv.Key.(*ast.Ident)
				if id != nil {
					name = id.Name
				}
				v = kv.Value
			} else if k < len(fields) {
				name = fields[k]
			}
			if name == "re" {
				if c.Re, err = stringsOf(v); err != nil {
					return nil, fmt.Errorf("%s: case %d, re: %v", path, i, err)
				}
				continue
			}
			s, err := stringOf(v)
			if err != nil {
				return nil, fmt.Errorf("%s: case %d, %s: %v", path, i, name, err)
			}
			switch name {
			case "name":
				c.Name = s
			case "run":
				c.Run = s
			case "goos":
				c.GOOS = s
			case "gorace":
				c.GORACE = s
			case "source":
				c.Source = s
			}
		}
		if c.Name == "" || c.Source == "" || len(c.Re) == 0 {
			return nil, fmt.Errorf("%s: case %d lacks a name, source or re", path, i)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func stringOf(e ast.Expr) (string, error) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			return strconv.Unquote(x.Value)
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			a, err := stringOf(x.X)
			if err != nil {
				return "", err
			}
			b, err := stringOf(x.Y)
			return a + b, err
		}
	case *ast.ParenExpr:
		return stringOf(x.X)
	}
	return "", errors.New("not a string literal")
}

func stringsOf(e ast.Expr) ([]string, error) {
	if cl, ok := e.(*ast.CompositeLit); ok {
		var out []string
		for _, el := range cl.Elts {
			s, err := stringOf(el)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := stringOf(e)
	return []string{s}, err
}

// Match reports whether out, a case's output, matches one of its regexps,
// as TestOutput holds it.
func (c OutputCase) Match(out string) bool {
	for _, re := range c.Re {
		if r, err := regexp.Compile(re); err == nil && r.MatchString(out) {
			return true
		}
	}
	return false
}

// runOutputWindows runs TestOutput's table for windows: each case is
// cross-built (go build -race, or go test -race -c for a "test" case, with
// the -gcflags=-l of the releases whose TestOutput passes it) and run under
// wine64 with GOMAXPROCS=1 and its GORACE; like `go run`, a non-zero exit
// adds "exit status N" to the output. A case for another GOOS is SKIPPED.
func (e *Env) runOutputWindows(ctx context.Context, w Wine, dir string) ([]Test, error) {
	cases, err := OutputCases(e.GOROOT)
	if err != nil {
		return nil, err
	}
	src, _ := os.ReadFile(filepath.Join(e.GOROOT, "src", "runtime", "race", "output_test.go"))
	noInline := strings.Contains(string(src), `"-gcflags=-l"`)
	var tests []Test
	for i, c := range cases {
		name := "runtime/race.TestOutput/" + c.Name
		if c.GOOS != "" && c.GOOS != "windows" {
			tests = append(tests, Test{Name: name, Result: Skip})
			continue
		}
		cdir := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, c.Name))
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			return tests, err
		}
		file, exe := "main.go", filepath.Join(cdir, "prog.exe")
		args := []string{"build", "-race", "-ldflags=-linkmode=external", "-o", exe}
		if c.Run == "test" {
			file = "main_test.go"
			args = []string{"test", "-race", "-c", "-ldflags=-linkmode=external", "-o", exe}
		}
		if noInline {
			args = append(args, "-gcflags=-l")
		}
		if err := os.WriteFile(filepath.Join(cdir, file), []byte(c.Source), 0o644); err != nil {
			return tests, err
		}
		cmd := e.Command(ctx, cdir, append(args, file)...)
		cmd.Env = e.windowsEnviron(w)
		res := Fail
		if out, err := cmd.CombinedOutput(); err != nil {
			os.WriteFile(filepath.Join(cdir, "build.log"), out, 0o644)
		} else {
			got, err := w.run(ctx, cdir, e.wineEnviron(w, "GOMAXPROCS=1", "GORACE="+c.GORACE), exe)
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				got += fmt.Sprintf("exit status %d\n", ee.ExitCode())
			}
			got = strings.ReplaceAll(got, "\r\n", "\n")
			os.WriteFile(filepath.Join(cdir, "output.txt"), []byte(got), 0o644)
			if c.Match(got) {
				res = Pass
			}
		}
		tests = append(tests, Test{Name: name, Result: res})
	}
	return tests, nil
}

// racyProgramWindows is the smoke test of a windows object: two
// goroutines write one variable.
const racyProgramWindows = `package main

import (
	"fmt"
	"time"
)

var x int

func main() {
	done := make(chan bool)
	go func() { x = 1; done <- true }()
	go func() { x = 2; done <- true }()
	<-done
	<-done
	time.Sleep(10 * time.Millisecond)
	fmt.Println("x =", x)
}
`

// hostDriven are the checks of runtime/race under wine that its own test
// binary cannot make (they exec the go command or a host tool): a racy
// program must report its race and exit 66; TestNoRaceCgoSync's program
// (testdata/cgo_test_main.go, where the release has it) must run clean;
// TestOutput's table; and TestIssue37485's check (the object defines no
// getauxval) on the windows object.
func (e *Env) hostDriven(ctx context.Context, w Wine, dir string) (SuiteRun, error) {
	t0 := time.Now()
	s := SuiteRun{Package: "runtime/race", Args: []string{"host-driven: racy program, cgo_test_main, TestOutput, TestIssue37485"}}
	add := func(name string, ok bool) {
		r := Fail
		if ok {
			r = Pass
		}
		s.Tests = append(s.Tests, Test{Name: name, Result: r})
	}
	raceDir := filepath.Join(e.GOROOT, "src", "runtime", "race")
	build := func(cwd, exe string, args ...string) error {
		cmd := e.Command(ctx, cwd, append([]string{"build", "-race", "-ldflags=-linkmode=external", "-o", exe}, args...)...)
		cmd.Env = e.windowsEnviron(w)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("cross-building %s: %v\n%s", filepath.Base(exe), err, Tail(string(out), 2000))
		}
		return nil
	}
	smoke := filepath.Join(dir, "smoke")
	if err := os.MkdirAll(smoke, 0o755); err != nil {
		return s, err
	}
	if err := os.WriteFile(filepath.Join(smoke, "racy.go"), []byte(racyProgramWindows), 0o644); err != nil {
		return s, err
	}
	if err := build(smoke, filepath.Join(smoke, "racy.exe"), "racy.go"); err != nil {
		return s, err
	}
	out, err := w.run(ctx, smoke, e.wineEnviron(w), filepath.Join(smoke, "racy.exe"))
	var ee *exec.ExitError
	add("windows.racy.exe (reports its race, exit 66)", strings.Contains(out, "WARNING: DATA RACE") && errors.As(err, &ee) && ee.ExitCode() == 66)
	if _, err := os.Stat(filepath.Join(raceDir, "testdata", "cgo_test_main.go")); err == nil {
		exe := filepath.Join(dir, "cgo_test_main.exe")
		if err := build(filepath.Join(raceDir, "testdata"), exe, "cgo_test_main.go"); err != nil {
			return s, err
		}
		out, err := w.run(ctx, filepath.Join(raceDir, "testdata"), e.wineEnviron(w), exe)
		add("runtime/race.TestNoRaceCgoSync (cgo_test_main.exe)", err == nil && !strings.Contains(out, "DATA RACE"))
	}
	tests, err := e.runOutputWindows(ctx, w, filepath.Join(dir, "output"))
	if err != nil {
		return s, err
	}
	s.Tests = append(s.Tests, tests...)
	if obj, err := windowsObject(e.GOROOT); err == nil {
		syms, err := PESymbols(obj)
		if err != nil {
			return s, err
		}
		getauxval := false
		for n := range syms {
			getauxval = getauxval || strings.Contains(n, "getauxval")
		}
		add("runtime/race.TestIssue37485 (host: the windows object has no getauxval)", !getauxval)
	}
	s.ExitOK = true
	for _, t := range s.Tests {
		s.ExitOK = s.ExitOK && t.Result != Fail
	}
	s.Seconds = time.Since(t0).Seconds()
	return s, nil
}

// windowsObject is the windows object a GOROOT holds (either layout).
func windowsObject(goroot string) (string, error) {
	for _, rel := range []string{"src/runtime/race/internal/amd64v1/race_windows.syso", "src/runtime/race/race_windows_amd64.syso"} {
		p := filepath.Join(goroot, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s holds no windows race object", goroot)
}
