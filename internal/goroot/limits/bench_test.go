package limits

import (
	"sync"
	"testing"
)

// BenchmarkGoStartExit: cost of starting and finishing one goroutine
// (like runtime/race's BenchmarkStackLeak, without the stack growth).
func BenchmarkGoStartExit(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
		wg.Wait()
	}
}

// BenchmarkGoStartExitBatch: 100 goroutines in flight at a time.
func BenchmarkGoStartExitBatch(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i += 100 {
		wg.Add(100)
		for j := 0; j < 100; j++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
}

// BenchmarkStackLeak is runtime/race's BenchmarkStackLeak.
func BenchmarkStackLeak(b *testing.B) {
	done := make(chan bool, 1)
	for i := 0; i < b.N; i++ {
		go func() {
			growStack(rand(100))
			done <- true
		}()
		<-done
	}
}

var seed uint32 = 1

func rand(n uint32) uint32 { seed = seed*1103515245 + 12345; return seed % n }

func growStack(i uint32) {
	if i == 0 {
		return
	}
	growStack(i - 1)
}
