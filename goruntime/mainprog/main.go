//go:build racesyso_wrapper

// Command mainprog runs one race-runtime scenario against the race object
// linked into package wrapper and prints one JSON result on stdout.
// Package goruntime builds it in a temporary module (see goruntime.Run).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/racesyso/racesyso/goruntime/wire"
	"github.com/racesyso/racesyso/goruntime/wrapper"
)

func init() { runtime.LockOSThread() }

// Result and Level are the JSON document printed on stdout.
type (
	Result = wire.Result
	Level  = wire.Level
)

var (
	scenario = flag.String("scenario", "race", "race|norace|getproc|gcfree|leak")
	procs    = flag.Int("procs", 4, "number of Ps")
	fini     = flag.Bool("fini", true, "call __tsan_fini after printing the result")
	leakG    = flag.Int("g", 100, "leak: goroutines")
	leakH    = flag.Int("h", 10, "leak: blocks held per goroutine")
	leakS    = flag.Int("s", 4000, "leak: block size in bytes")
	leakN    = flag.Int("iters", 500, "leak: iterations per goroutine for work level 1")
	leakLv   = flag.String("levels", "1,2,4,8", "leak: cumulative work levels (multiples of -iters)")
)

func main() {
	flag.Parse()
	rt, err := wrapper.Init(*procs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	res := &Result{Scenario: *scenario, Interface: string(rt.Interface)}
	heap, err := rt.MapHeap(1 << 30)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	res.HeapBase = fmt.Sprintf("%#x", heap)
	switch *scenario {
	case "race":
		scenarioRace(rt, heap, false, res)
	case "norace":
		scenarioRace(rt, heap, true, res)
	case "getproc":
		scenarioGetProc(rt, heap, res)
	case "gcfree":
		scenarioGCFree(rt, heap, res)
	case "leak":
		scenarioLeak(rt, heap, res)
	default:
		fmt.Fprintln(os.Stderr, "unknown scenario", *scenario)
		os.Exit(2)
	}
	res.Callbacks = wrapper.CallbackCounts()
	b, _ := json.Marshal(res)
	os.Stdout.Write(append(b, '\n'))
	if *fini {
		rt.Fini() // exits
	}
}

// scenarioRace: two goroutines write the same heap word; with sync the
// first releases on a sync address and the second acquires it in between.
func scenarioRace(rt *wrapper.Runtime, heap uintptr, sync bool, res *Result) {
	obj := heap + 0x1000
	syncAddr := heap + 0x2000
	rt.Malloc(obj, 64)
	rt.Malloc(syncAddr, 8)
	g1 := rt.Go(rt.Main)
	g2 := rt.Go(rt.Main)
	rt.SetP(rt.Ps[0])
	g1.Write(obj)
	if sync {
		g1.Release(syncAddr)
	}
	rt.SetP(rt.Ps[len(rt.Ps)-1])
	if sync {
		g2.Acquire(syncAddr)
	}
	g2.Write(obj)
	g1.End()
	g2.End()
	res.OK = true // verdict from the report count on stderr (harness side)
	res.Detail = fmt.Sprintf("sync=%v", sync)
}

// scenarioGetProc: per-P: run malloc, atomics and a GC free on P k and check
// that the getProc callback is invoked and answers P k's Processor.
func scenarioGetProc(rt *wrapper.Runtime, heap uintptr, res *Result) {
	if rt.Interface != wrapper.PerP {
		res.NotApplicable = true
		res.OK = true
		res.Detail = "base interface has no getProc callback"
		return
	}
	var msgs []string
	ok := true
	g := rt.Go(rt.Main)
	for i, p := range rt.Ps {
		rt.SetP(p)
		before := wrapper.CallbackCounts().GetProc
		blk := heap + uintptr(0x10000*(i+1))
		rt.Malloc(blk, 256)
		g.AtomicAdd32(blk+8, 1) // creates a SyncVar through the P's cache
		g.AtomicAdd32(blk+16, 1)
		rt.GCFree(blk, 256) // frees it into the P's cache
		after := wrapper.CallbackCounts().GetProc
		ans := wrapper.LastGetProcAnswer()
		msgs = append(msgs, fmt.Sprintf("P%d proc=%#x calls=%d answer=%#x", p.ID, p.Proc(), after-before, ans))
		if after == before || ans != p.Proc() {
			ok = false
		}
	}
	g.End()
	if wrapper.CallbackCounts().GetProcNull != 0 {
		ok = false
		msgs = append(msgs, "getProc answered with no current P")
	}
	res.OK = ok
	res.Detail = strings.Join(msgs, "; ")
}

// scenarioGCFree: memory with sync objects and a heap-block descriptor is
// freed from GC context (no goroutine) and its address reused. Then a probe:
// g1 writes D and releases on block B; the GC frees B; B is reallocated; g2
// acquires on B and writes D. If the free really destroyed B's sync object,
// the acquire gets no happens-before edge and the object reports a race on D
// (the harness counts it: "free destroyed sync objects"); if the sync object
// survived the free (base interface, Go issue 14533), there is no report.
func scenarioGCFree(rt *wrapper.Runtime, heap uintptr, res *Result) {
	g := rt.Go(rt.Main)
	blk := heap + 0x40000
	for round := 0; round < 3; round++ {
		rt.MallocBy(g, blk, 4096)
		g.AtomicAdd32(blk, 1)
		g.Write(blk + 64)
		rt.SetP(rt.Ps[round%len(rt.Ps)])
		rt.GCFree(blk, 4096)
	}
	g.End()

	data := heap + 0x80000
	b := heap + 0x90000
	rt.Malloc(data, 64)
	rt.Malloc(b, 64)
	g1 := rt.Go(rt.Main)
	g2 := rt.Go(rt.Main)
	rt.SetP(rt.Ps[0])
	g1.Write(data)
	g1.Release(b)
	rt.SetP(rt.Ps[len(rt.Ps)-1])
	rt.GCFree(b, 64) // sweeper: no goroutine at hand
	rt.Malloc(b, 64)
	g2.Acquire(b)
	g2.Write(data)
	g1.End()
	g2.End()
	res.OK = true
	res.Detail = "free with no goroutine accepted"
}

// scenarioLeak is BenchmarkSyncLeak (Go issue 14533) on a fake heap: G
// goroutines each allocate S-byte blocks, do an atomic add on a random word
// of each block (creating a sync object) and keep only H blocks; dropped
// blocks are freed by a "GC" that has no goroutine at hand, and their slots
// are reused by later allocations.
func scenarioLeak(rt *wrapper.Runtime, heap uintptr, res *Result) {
	G, H, S := *leakG, *leakH, *leakS
	slot := uintptr((S + 4095) &^ 4095)
	live := G * H
	nslots := 2*live + G // GOGC=100-like: collect when garbage ~ live heap
	if uintptr(nslots)*slot > 1<<30 {
		fmt.Fprintln(os.Stderr, "leak: arena too small")
		os.Exit(3)
	}
	var levels []int
	for _, f := range strings.Split(*leakLv, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintln(os.Stderr, "bad -levels")
			os.Exit(2)
		}
		levels = append(levels, n)
	}

	var (
		bump    uintptr = heap
		end             = heap + uintptr(nslots)*slot
		free    []uintptr
		garbage []uintptr
		gcs     int
		seed    uint64 = 0x9e3779b97f4a7c15
	)
	rnd := func(n int) int {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(n))
	}
	gc := func() {
		// Sweep on the current P with no goroutine at hand.
		for _, b := range garbage {
			rt.GCFree(b, uintptr(S))
		}
		free = append(free, garbage...)
		garbage = garbage[:0]
		gcs++
	}
	alloc := func() uintptr {
		if bump < end {
			b := bump
			bump += slot
			return b
		}
		if len(free) == 0 {
			gc()
		}
		b := free[len(free)-1]
		free = free[:len(free)-1]
		return b
	}

	gs := make([]*wrapper.G, G)
	hold := make([][]uintptr, G)
	for i := range gs {
		gs[i] = rt.Go(rt.Main)
		hold[i] = make([]uintptr, H)
	}
	start := time.Now()
	done := 0
	for _, lv := range levels {
		target := lv * *leakN
		for ; done < target; done++ {
			for i, g := range gs {
				rt.SetP(rt.Ps[i%len(rt.Ps)])
				b := alloc()
				rt.Malloc(b, uintptr(S))
				g.AtomicAdd32(b+uintptr(4*rnd(S/4)), 1)
				k := rnd(H)
				if old := hold[i][k]; old != 0 {
					garbage = append(garbage, old)
				}
				hold[i][k] = b
			}
		}
		rss, _ := wrapper.RSS()
		res.Levels = append(res.Levels, Level{Work: lv, Iterations: done, RSSBytes: rss, Seconds: time.Since(start).Seconds(), GCs: gcs})
	}
	for _, g := range gs {
		g.End()
	}
	res.OK = true
	res.Detail = fmt.Sprintf("G=%d H=%d S=%d slots=%d procs=%d", G, H, S, nslots, len(rt.Ps))
}
