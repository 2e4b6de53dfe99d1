// Command leakprog runs the body of runtime/race's BenchmarkSyncLeak (Go
// 1.7 to 1.26, unchanged) for exactly N iterations and prints the time per
// iteration. Go 1.6 has no BenchmarkSyncLeak, and Go before 1.12 takes no
// -test.benchtime=Nx, so the history stage builds this program with each
// release's `go build -race` (GOPATH mode, nothing newer than Go 1.6 used).
//
// It prints its own peak RSS, VmHWM of /proc/self/status: the rusage of the
// finished child is no measure, since a child started by a Go parent (vfork)
// inherits the parent's high-water RSS at exec (Linux's ru_maxrss of the
// child is the larger of the two).
package main

import (
	"fmt"
	"io/ioutil"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "usage: leakprog N")
		os.Exit(2)
	}
	// BenchmarkSyncLeak's body, with b.N = n.
	const (
		G = 1000
		S = 1000
		H = 10
	)
	t0 := time.Now()
	var wg sync.WaitGroup
	wg.Add(G)
	for g := 0; g < G; g++ {
		go func() {
			defer wg.Done()
			hold := make([][]uint32, H)
			for i := 0; i < n; i++ {
				a := make([]uint32, S)
				atomic.AddUint32(&a[rand.Intn(len(a))], 1)
				hold[rand.Intn(len(hold))] = a
			}
			_ = hold
		}()
	}
	wg.Wait()
	ns := time.Since(t0).Nanoseconds() / int64(n)
	hwm := "unknown"
	if status, err := ioutil.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				hwm = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "VmHWM:"), "kB"))
			}
		}
	}
	fmt.Printf("leakprog: %d iterations, %d ns/op, VmHWM %s kB\n", n, ns, hwm)
}
