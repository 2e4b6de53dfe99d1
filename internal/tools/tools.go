//go:build tools

// Package tools records the module's tool dependencies: mage, for the
// zero-install `go run mage.go` bootstrap.
package tools

import _ "github.com/magefile/mage/mage"
