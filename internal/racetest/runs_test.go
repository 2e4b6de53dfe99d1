package racetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestRunsOncePerKey: a run is made once per key and then taken from
// memory (and said so); another key, a failed run and a nil memory run
// again.
func TestRunsOncePerKey(t *testing.T) {
	var log bytes.Buffer
	r := NewRuns(&log)
	n := 0
	run := func() (ObjectRun, error) { n++; return ObjectRun{Object: "x", Seconds: float64(n)}, nil }
	k := RunKey("go1.26.8", "linux", "abc")
	a, _ := r.Do(k, "ours", run)
	b, _ := r.Do(RunKey("1.26.8", "linux", "abc"), "ours", run)
	if n != 1 || a.Seconds != b.Seconds || b.Object != "ours" {
		t.Errorf("the same key ran %d times (%+v, %+v)", n, a, b)
	}
	if !strings.Contains(log.String(), "not run again") {
		t.Errorf("a remembered run was not said: %q", log.String())
	}
	for _, other := range []string{RunKey("1.26.8", "linux", "abd"), RunKey("1.26.8", "windows", "abc"), RunKey("1.26.8", "linux", "abc", "GOAMD64=v3"), RunKey("1.26.7", "linux", "abc")} {
		r.Do(other, "ours", run)
	}
	if n != 5 || r.Count() != 5 {
		t.Errorf("other keys: %d runs, %d remembered; want 5, 5", n, r.Count())
	}
	fail := func() (ObjectRun, error) { n++; return ObjectRun{}, errors.New("broken") }
	r.Do("f", "ours", fail)
	r.Do("f", "ours", fail)
	var none *Runs
	none.Do(k, "ours", run)
	if n != 8 {
		t.Errorf("a failed run or a nil memory was taken from memory (%d runs, want 8)", n)
	}
}
