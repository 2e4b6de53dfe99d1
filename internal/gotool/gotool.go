// Package gotool is how racesyso finds and runs Go: the GOROOT of the go
// command on PATH, the module root of this project, and a go command of a
// given GOROOT in a clean environment.
package gotool

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GOROOT is the GOROOT of the go command on PATH (`go env GOROOT`).
func GOROOT() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w (is Go installed and on PATH?)", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ModuleRoot is the nearest directory at or above the working directory
// that holds go.mod: the racesyso checkout.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s: run racesyso from its checkout", dir)
		}
	}
}

// Env is the environment a go command of goroot runs in: this process's,
// with GOROOT set and no GOFLAGS or GORACE of the caller's leaking in.
func Env(goroot string, extra ...string) []string {
	return append(append(os.Environ(), "GOROOT="+goroot, "GOFLAGS=", "GORACE="), extra...)
}

// Command is goroot's go command with args, in dir (if not empty), in Env.
func Command(ctx context.Context, goroot, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), args...)
	cmd.Dir = dir
	cmd.Env = Env(goroot)
	return cmd
}
