// maxg spawns N goroutines that stay blocked (alive) and then releases them.
// Usage: go run -race ./maxg N
// Prints "ok N" if all N goroutines were alive at once.
package main

import (
	"fmt"
	"os"
	"strconv"
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
}
