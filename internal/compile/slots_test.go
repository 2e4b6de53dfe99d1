package compile

import (
	"sync"
	"testing"
	"time"
)

// TestCompileSlotsOrder: with one slot, tickets compile in ticket order
// whatever order the goroutines arrive in, and a passed ticket (nothing to
// compile) does not hold up the ones after it.
func TestCompileSlotsOrder(t *testing.T) {
	s := newCompileSlots(1)
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	for _, tk := range []int{3, 1, 4, 0, 2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tk == 2 {
				s.pass(tk)
				return
			}
			s.take(tk)
			mu.Lock()
			got = append(got, tk)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			s.release()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("deadlock")
	}
	want := []int{0, 1, 3, 4}
	if len(got) != len(want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
