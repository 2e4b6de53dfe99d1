// copyrace: two goroutines race on copy() into the same 100-byte slice.
// Usage: GORACE=... go run -race ./copyrace 2>&1 | grep -c "WARNING: DATA RACE"
package main

import "sync"

func main() {
	dst := make([]byte, 100)
	src1 := make([]byte, 100)
	src2 := make([]byte, 100)
	var wg sync.WaitGroup
	start := make(chan bool)
	wg.Add(2)
	go func() { <-start; copy(dst, src1); wg.Done() }()
	go func() { <-start; copy(dst, src2); wg.Done() }()
	close(start)
	wg.Wait()
}
