package racetest

import (
	"strings"
	"testing"
)

func TestEnviron(t *testing.T) {
	t.Setenv("GORACE", "halt_on_error=1")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOAMD64", "v3")
	t.Setenv("GO111MODULE", "off")
	e := &Env{GOROOT: "/w/goroot", GOPATH: "/w/gopath", GOCACHE: "/c/gocache", TmpDir: "/w/tmp"}
	env := strings.Join(e.Environ(), "\n") + "\n"
	for _, want := range []string{"GOROOT=/w/goroot\n", "GOPROXY=off\n", "GOTOOLCHAIN=local\n", "GOFLAGS=\n", "GOCACHE=/c/gocache\n", "PATH=/w/goroot/bin:"} {
		if !strings.Contains(env, want) {
			t.Errorf("environment lacks %q", want)
		}
	}
	for _, bad := range []string{"GORACE=", "GOFLAGS=-mod", "GOAMD64=", "GO111MODULE="} {
		if strings.Contains(env, bad) {
			t.Errorf("environment keeps %q", bad)
		}
	}
}
