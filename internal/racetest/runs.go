package racetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Runs remembers the suite runs of one process (one `mage verify`): the
// goroot stage runs Go's race tests in the installed Go with our objects
// and the shipped ones, and the history stage, reaching the same release,
// takes those runs instead of running the same suites again. A nil *Runs
// remembers nothing.
type Runs struct {
	mu   sync.Mutex
	runs map[string]ObjectRun
	// Log hears of every run taken from memory.
	Log io.Writer
}

// NewRuns is an empty memory.
func NewRuns(log io.Writer) *Runs { return &Runs{runs: map[string]ObjectRun{}, Log: log} }

// RunKey names what a run proves: the suites of Go release version for
// goos with the object whose sha256 is objectSHA in its slot, under the
// environment extra adds (GOAMD64=v3) and any adaptation of the release's
// runtime. Two runs with one key run the same test binaries against the
// same object.
func RunKey(version, goos, objectSHA string, extra ...string) string {
	return strings.Join(append([]string{strings.TrimPrefix(version, "go"), goos, objectSHA}, extra...), " ")
}

// Do returns the run remembered under key, or runs run and remembers it
// when it succeeded. from says where a remembered run came from.
func (r *Runs) Do(key, object string, run func() (ObjectRun, error)) (ObjectRun, error) {
	if r == nil {
		return run()
	}
	r.mu.Lock()
	got, ok := r.runs[key]
	r.mu.Unlock()
	if ok {
		if r.Log != nil {
			fmt.Fprintf(r.Log, "racetest: the race tests of the %s object (%s) ran before in this process: taken from that run, not run again\n", object, key)
		}
		got.Object = object
		return got, nil
	}
	got, err := run()
	if err == nil {
		r.mu.Lock()
		r.runs[key] = got
		r.mu.Unlock()
	}
	return got, err
}

// Count is how many distinct runs are remembered.
func (r *Runs) Count() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs)
}

// FileSHA is the sha256 of a file's bytes, hex ("" when unreadable).
func FileSHA(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
