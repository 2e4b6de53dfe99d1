// maxg spawns N goroutines that stay blocked (alive) and then releases them.
// Usage: go run -race ./maxg N
// Prints "ok N" if all N goroutines were alive at once, then the process's
// own peak RSS, the VmHWM line of /proc/self/status (the rusage of a child of
// a Go process is no measure: it inherits the parent's high-water mark).
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	var started, done sync.WaitGroup
	block := make(chan struct{})
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-block
			done.Done()
		}()
	}
	started.Wait()
	close(block)
	done.Wait()
	fmt.Println("ok", n)
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				fmt.Println(l)
			}
		}
	}
}
