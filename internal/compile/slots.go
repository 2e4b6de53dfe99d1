package compile

import "sync"

// compileSlots hands out at most n compiler slots at once, in a fixed order
// of tickets: targets compile longest first, so that the longest compile
// does not end up running alone at the end of the build.
type compileSlots struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int
	next int // the ticket whose turn it is
}

func newCompileSlots(n int) *compileSlots {
	s := &compileSlots{free: n}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// take waits for ticket's turn and a free slot. Every ticket must be taken
// or passed exactly once, in any case.
func (s *compileSlots) take(ticket int) {
	s.mu.Lock()
	for s.next != ticket || s.free == 0 {
		s.cond.Wait()
	}
	s.next++
	s.free--
	s.mu.Unlock()
	s.cond.Broadcast()
}

// pass gives up ticket's turn without compiling (nothing to compile, or
// the target failed before its compile).
func (s *compileSlots) pass(ticket int) {
	s.mu.Lock()
	for s.next != ticket {
		s.cond.Wait()
	}
	s.next++
	s.mu.Unlock()
	s.cond.Broadcast()
}

// release frees a taken slot.
func (s *compileSlots) release() {
	s.mu.Lock()
	s.free++
	s.mu.Unlock()
	s.cond.Broadcast()
}
