//go:build ignore

// mage.go lets `go run mage.go <targets...>` work with no mage installed.
package main

import (
	"os"

	"github.com/magefile/mage/mage"
)

func main() { os.Exit(mage.Main()) }
