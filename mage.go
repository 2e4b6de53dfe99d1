//go:build ignore

// mage.go lets `go run mage.go <targets...>` work with no mage installed.
//
// Mage writes mage_output_file.go into this directory to compile the
// magefile, every run: two runs at once would write and remove each other's.
// So the compile holds a lock (.racesyso-mage.lock) and the targets run
// after it is released; they take the project's own lock themselves.
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/magefile/mage/mage"

	"github.com/racesyso/racesyso/internal/lockfile"
)

func main() {
	inv, cmd, err := mage.Parse(os.Stderr, os.Stdout, os.Args[1:])
	if err != nil || cmd != mage.None || inv.List || inv.Help {
		os.Exit(mage.Main()) // nothing compiled: -l, -h, -version, errors...
	}
	inv.Stderr, inv.Stdin = os.Stderr, os.Stdin
	tmp, err := os.MkdirTemp("", "racesyso-mage-")
	if err != nil {
		log.Fatal(err)
	}
	exe := filepath.Join(tmp, "mage")
	dir, err := filepath.Abs(inv.Dir)
	if err != nil {
		log.Fatal(err)
	}
	lock, err := lockfile.Acquire(filepath.Join(dir, ".racesyso-mage.lock"), "compiling the magefile", os.Stderr, "run mage from a checkout you can write to")
	if err != nil {
		log.Fatal(err)
	}
	inv.CompileOut = exe
	code := mage.Invoke(inv)
	lock.Unlock()
	if code == 0 {
		inv.CompileOut = ""
		code = mage.RunCompiled(inv, exe, log.New(os.Stderr, "", 0))
	}
	os.RemoveAll(tmp)
	os.Exit(code)
}
