//go:build racesyso_wrapper

// Package wrapper binds the Go-facing C API of a Go race-detector runtime
// object (ThreadSanitizer compiled for Go, race_linux_amd64.syso) and plays
// the Go runtime's side of it: Ps with Processor contexts, goroutines
// (ThreadStates), a get-current-P callback, and a GC that frees memory with
// no goroutine at hand.
//
// The package is only compiled with the build tag racesyso_wrapper, and only
// links when a .syso race object sits next to it (package goruntime copies
// these sources and an object into a temporary module).
//
// Two interfaces exist:
//
//   - base (LLVM compiler-rt before the per-P series, Go <= 1.6):
//     __tsan_init(ThreadState **thr, void (*cb)(uptr cmd, void *ctx)),
//     callback cmd 0 = symbolize code, 1 = symbolize data,
//     __tsan_free(ThreadState *thr, uptr p, uptr sz).
//   - per-P (Go >= 1.7):
//     __tsan_init(ThreadState **thr, Processor **proc, void (*cb)(uptr, void*)),
//     __tsan_proc_create(Processor **), __tsan_proc_destroy(Processor *),
//     callback cmd 0 = get current Processor, 1 = symbolize code,
//     2 = symbolize data, __tsan_free(uptr p, uptr sz).
//
// The interface is chosen at run time: the C shim holds a weak reference to
// __tsan_proc_create. The object is linked as a plain object file, so when it
// defines the symbol the reference resolves to it, otherwise (non-PIE link)
// the weak reference is 0. Every entry point is declared with a dummy
// prototype `void f(void)` and called through a cast to the right function
// pointer type, so one C translation unit can speak both interfaces.
//
// All calls must come from one OS thread (the caller must hold
// runtime.LockOSThread); the "current P" is a C thread-local set explicitly
// with Runtime.SetP, which keeps the harness deterministic.
package wrapper

/*
#cgo CFLAGS: -O2 -fno-omit-frame-pointer
#cgo LDFLAGS: -lpthread -lrt -ldl -lm

#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

// Entry points of the race object, declared as opaque char arrays (see the
// package doc) and called through RS_FN casts to their real prototypes.
extern char __tsan_init[];
extern char __tsan_fini[];
extern char __tsan_map_shadow[];
extern char __tsan_go_start[];
extern char __tsan_go_end[];
extern char __tsan_malloc[];
extern char __tsan_free[];
extern char __tsan_read[];
extern char __tsan_write[];
extern char __tsan_acquire[];
extern char __tsan_release[];
extern char __tsan_release_merge[];
extern char __tsan_func_enter[];
extern char __tsan_func_exit[];
extern char __tsan_go_atomic32_fetch_add[];
// Only per-P objects define these; weak so that base objects still link.
extern char __tsan_proc_create[] __attribute__((weak));
extern char __tsan_proc_destroy[] __attribute__((weak));

// RS_FN casts an entry point to its real prototype.
#define RS_FN(T, sym) ((T)(void *)(sym))

typedef void (*rs_cb_t)(uintptr_t cmd, void *ctx);
typedef void (*rs_init_base_t)(void **thr, rs_cb_t cb);
typedef void (*rs_init_perp_t)(void **thr, void **proc, rs_cb_t cb);
typedef void (*rs_proc_create_t)(void **proc);
typedef void (*rs_proc_destroy_t)(void *proc);
typedef void (*rs_free_base_t)(void *thr, uintptr_t p, uintptr_t sz);
typedef void (*rs_free_perp_t)(uintptr_t p, uintptr_t sz);
typedef void (*rs_go_start_t)(void *parent, void **thr, uintptr_t pc);
typedef void (*rs_go_end_t)(void *thr);
typedef void (*rs_malloc_t)(void *thr, uintptr_t pc, uintptr_t p, uintptr_t sz);
typedef void (*rs_access_t)(void *thr, uintptr_t addr, uintptr_t pc);
typedef void (*rs_sync_t)(void *thr, uintptr_t addr);
typedef void (*rs_func_enter_t)(void *thr, uintptr_t pc);
typedef void (*rs_func_exit_t)(void *thr);
typedef void (*rs_atomic_t)(void *thr, uintptr_t cpc, uintptr_t pc, void *args);
typedef void (*rs_map_shadow_t)(uintptr_t addr, uintptr_t size);
typedef void (*rs_fini_t)(void);

static int rs_is_perp(void) {
	char *volatile f = __tsan_proc_create;
	char *volatile g = __tsan_proc_destroy;
	return f != 0 && g != 0;
}

// Callback bookkeeping.
static int rs_perp;
static __thread void *rs_current_proc;
static uint64_t rs_cnt_getproc, rs_cnt_getproc_null, rs_cnt_code, rs_cnt_data, rs_cnt_unknown;
static void *rs_last_answer;

struct rs_code_ctx { uintptr_t pc; const char *fn; const char *file; uintptr_t line; uintptr_t off; uintptr_t res; };
struct rs_data_ctx { uintptr_t addr; uintptr_t heap; uintptr_t start; uintptr_t size; const char *name; const char *file; uintptr_t line; uintptr_t res; };

// Fake code: distinct functions whose addresses serve as PCs.
__attribute__((noinline)) void rs_fake_goroutine(void) { __asm__ volatile(""); }
__attribute__((noinline)) void rs_fake_access(void) { __asm__ volatile(""); }
__attribute__((noinline)) void rs_fake_atomic(void) { __asm__ volatile(""); }
static uintptr_t rs_pc(int which) {
	switch (which) {
	case 0: return (uintptr_t)&rs_fake_goroutine + 1;
	case 1: return (uintptr_t)&rs_fake_access + 1;
	default: return (uintptr_t)&rs_fake_atomic + 1;
	}
}

static void rs_symbolize_code(struct rs_code_ctx *c) {
	rs_cnt_code++;
	uintptr_t pc = c->pc;
	const char *fn = "racesyso.unknown";
	uintptr_t base = pc;
	if (pc - (uintptr_t)&rs_fake_goroutine < 16) { fn = "racesyso.goroutine"; base = (uintptr_t)&rs_fake_goroutine; }
	else if (pc - (uintptr_t)&rs_fake_access < 16) { fn = "racesyso.access"; base = (uintptr_t)&rs_fake_access; }
	else if (pc - (uintptr_t)&rs_fake_atomic < 16) { fn = "racesyso.atomic"; base = (uintptr_t)&rs_fake_atomic; }
	c->fn = fn;
	c->file = "racesyso_harness.go";
	c->line = 1;
	c->off = pc - base;
	c->res = 1;
	// c->pc is left unchanged: newer objects treat a changed pc as an
	// inlined caller to symbolize next (Go's raceSymbolizeCode contract).
}

static void rs_symbolize_data(struct rs_data_ctx *c) {
	rs_cnt_data++;
	c->res = 0; // unknown location
}

static void rs_callback(uintptr_t cmd, void *ctx) {
	if (rs_perp) {
		switch (cmd) {
		case 0: // raceGetProcCmd: write the current P's Processor* into *ctx.
			rs_cnt_getproc++;
			if (rs_current_proc == 0) rs_cnt_getproc_null++;
			rs_last_answer = rs_current_proc;
			*(void **)ctx = rs_current_proc;
			return;
		case 1: rs_symbolize_code(ctx); return;
		case 2: rs_symbolize_data(ctx); return;
		}
	} else {
		switch (cmd) {
		case 0: rs_symbolize_code(ctx); return;
		case 1: rs_symbolize_data(ctx); return;
		}
	}
	rs_cnt_unknown++;
}

static void rs_counts(uint64_t *out) {
	out[0] = rs_cnt_getproc; out[1] = rs_cnt_getproc_null; out[2] = rs_cnt_code;
	out[3] = rs_cnt_data; out[4] = rs_cnt_unknown;
}
static void *rs_last_getproc_answer(void) { return rs_last_answer; }
static void rs_set_proc(void *p) { rs_current_proc = p; }
static void *rs_get_proc(void) { return rs_current_proc; }

static void *rs_init(void **proc) {
	void *thr = 0;
	*proc = 0;
	rs_perp = rs_is_perp();
	if (rs_perp)
		RS_FN(rs_init_perp_t, __tsan_init)(&thr, proc, rs_callback);
	else
		RS_FN(rs_init_base_t, __tsan_init)(&thr, rs_callback);
	return thr;
}
static void *rs_proc_create(void) {
	void *p = 0;
	RS_FN(rs_proc_create_t, __tsan_proc_create)(&p);
	return p;
}
static void rs_proc_destroy(void *p) { RS_FN(rs_proc_destroy_t, __tsan_proc_destroy)(p); }
static void rs_fini(void) { RS_FN(rs_fini_t, __tsan_fini)(); }

// rs_map_heap maps size bytes of "Go heap" at hint (which must lie in the
// Go heap range 0x00c000000000-0x00e000000000) and maps its shadow.
static uintptr_t rs_map_heap(uintptr_t hint, uintptr_t size, int *err) {
	void *p = mmap((void *)hint, size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED) { *err = errno; return 0; }
	if ((uintptr_t)p != hint) { munmap(p, size); *err = EEXIST; return 0; }
	RS_FN(rs_map_shadow_t, __tsan_map_shadow)(hint, size);
	*err = 0;
	return hint;
}

static void *rs_go_start(void *parent, uintptr_t pc) {
	void *thr = 0;
	RS_FN(rs_go_start_t, __tsan_go_start)(parent, &thr, pc);
	return thr;
}
static void rs_go_end(void *thr) { RS_FN(rs_go_end_t, __tsan_go_end)(thr); }
static void rs_malloc(void *thr, uintptr_t pc, uintptr_t p, uintptr_t sz) { RS_FN(rs_malloc_t, __tsan_malloc)(thr, pc, p, sz); }
static void rs_free_base(void *thr, uintptr_t p, uintptr_t sz) { RS_FN(rs_free_base_t, __tsan_free)(thr, p, sz); }
static void rs_free_perp(uintptr_t p, uintptr_t sz) { RS_FN(rs_free_perp_t, __tsan_free)(p, sz); }
static void rs_read(void *thr, uintptr_t a, uintptr_t pc) { RS_FN(rs_access_t, __tsan_read)(thr, a, pc); }
static void rs_write(void *thr, uintptr_t a, uintptr_t pc) { RS_FN(rs_access_t, __tsan_write)(thr, a, pc); }
static void rs_acquire(void *thr, uintptr_t a) { RS_FN(rs_sync_t, __tsan_acquire)(thr, a); }
static void rs_release(void *thr, uintptr_t a) { RS_FN(rs_sync_t, __tsan_release)(thr, a); }
static void rs_release_merge(void *thr, uintptr_t a) { RS_FN(rs_sync_t, __tsan_release_merge)(thr, a); }
static void rs_func_enter(void *thr, uintptr_t pc) { RS_FN(rs_func_enter_t, __tsan_func_enter)(thr, pc); }
static void rs_func_exit(void *thr) { RS_FN(rs_func_exit_t, __tsan_func_exit)(thr); }

// Go atomics pass a pointer to an argument block: addr at +0, value at +8,
// result written at +16.
static uint32_t rs_atomic32_add(void *thr, uintptr_t cpc, uintptr_t pc, uintptr_t addr, uint32_t delta) {
	uint64_t a[3];
	a[0] = addr; a[1] = delta; a[2] = 0;
	RS_FN(rs_atomic_t, __tsan_go_atomic32_fetch_add)(thr, cpc, pc, a);
	return (uint32_t)a[2];
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/racesyso/racesyso/goruntime/wire"
)

// Interface names the C API spoken by a race object.
type Interface string

const (
	// Base is the pre-split interface (no Processor contexts).
	Base Interface = "base"
	// PerP is the per-P interface (__tsan_proc_create defined).
	PerP Interface = "per-p"
)

// Detected returns the interface of the linked object, chosen from whether
// the weak reference to __tsan_proc_create resolved.
func Detected() Interface {
	if C.rs_is_perp() != 0 {
		return PerP
	}
	return Base
}

// Well-known fake PCs (addresses inside C functions of the shim), so the
// object's symbolize-code callback has something real to resolve.
var (
	PCGoroutine = uintptr(C.rs_pc(0))
	PCAccess    = uintptr(C.rs_pc(1))
	PCAtomic    = uintptr(C.rs_pc(2))
)

// P is a processor. In per-P mode it owns a Processor context.
type P struct {
	ID   int
	proc unsafe.Pointer // Processor*; nil in base mode
}

// Proc returns the Processor* as an integer (0 in base mode).
func (p *P) Proc() uintptr { return uintptr(p.proc) }

// G is a goroutine (a ThreadState in the object).
type G struct {
	ID    int
	thr   unsafe.Pointer
	ended bool
	rt    *Runtime
}

// Runtime is the single instance of the race runtime in this process.
type Runtime struct {
	Interface Interface
	Ps        []*P
	// Init is the context __tsan_init returned (the runtime's g0 context
	// in Go's raceinit); Main is the main goroutine started from it, as the
	// Go runtime does for runtime.main (the object reports its tid 1 as
	// "main goroutine").
	Init  *G
	Main  *G
	nextG int
}

var initialized bool

// Init initializes the race runtime (like runtime.raceinit) and creates
// nprocs Ps. In per-P mode P 0 gets the Processor returned by __tsan_init and
// the others get __tsan_proc_create; in base mode Ps carry no context.
// The current P is set to P 0.
func Init(nprocs int) (*Runtime, error) {
	if initialized {
		return nil, errors.New("wrapper: Init called twice")
	}
	if nprocs < 1 {
		nprocs = 1
	}
	initialized = true
	rt := &Runtime{Interface: Detected()}
	var proc0 unsafe.Pointer
	thr := C.rs_init(&proc0)
	if thr == nil {
		return nil, errors.New("wrapper: __tsan_init returned no ThreadState")
	}
	rt.Init = &G{ID: 0, thr: thr, rt: rt}
	rt.nextG = 1
	for i := 0; i < nprocs; i++ {
		p := &P{ID: i}
		if rt.Interface == PerP {
			if i == 0 {
				p.proc = proc0
			} else {
				p.proc = C.rs_proc_create()
			}
			if p.proc == nil {
				return nil, fmt.Errorf("wrapper: no Processor for P %d", i)
			}
		}
		rt.Ps = append(rt.Ps, p)
	}
	rt.SetP(rt.Ps[0])
	rt.Main = rt.Go(rt.Init)
	return rt, nil
}

// SetP makes p the current P (what the getProc callback answers).
func (rt *Runtime) SetP(p *P) {
	if p == nil {
		C.rs_set_proc(nil)
		return
	}
	C.rs_set_proc(p.proc)
}

// CurrentProc returns the Processor* the callback currently answers.
func (rt *Runtime) CurrentProc() uintptr { return uintptr(C.rs_get_proc()) }

// DestroyP destroys a P's Processor (per-P mode only; like procresize shrinking).
func (rt *Runtime) DestroyP(p *P) {
	if rt.Interface == PerP && p.proc != nil {
		C.rs_proc_destroy(p.proc)
		p.proc = nil
	}
}

// Go starts a goroutine whose parent is parent (__tsan_go_start) and enters
// its function frame, as the Go runtime does for a new goroutine.
func (rt *Runtime) Go(parent *G) *G {
	if parent == nil {
		parent = rt.Main
	}
	thr := C.rs_go_start(parent.thr, C.uintptr_t(PCGoroutine))
	g := &G{ID: rt.nextG, thr: thr, rt: rt}
	rt.nextG++
	C.rs_func_enter(thr, C.uintptr_t(PCGoroutine))
	return g
}

// End exits the goroutine's frame and ends it (__tsan_go_end).
func (g *G) End() {
	if g.ended {
		return
	}
	g.ended = true
	C.rs_func_exit(g.thr)
	C.rs_go_end(g.thr)
}

// Read/Write report a 1-byte access by g.
func (g *G) Read(addr uintptr)  { C.rs_read(g.thr, C.uintptr_t(addr), C.uintptr_t(PCAccess)) }
func (g *G) Write(addr uintptr) { C.rs_write(g.thr, C.uintptr_t(addr), C.uintptr_t(PCAccess)) }

// Acquire, Release and ReleaseMerge are the happens-before annotations.
func (g *G) Acquire(addr uintptr)      { C.rs_acquire(g.thr, C.uintptr_t(addr)) }
func (g *G) Release(addr uintptr)      { C.rs_release(g.thr, C.uintptr_t(addr)) }
func (g *G) ReleaseMerge(addr uintptr) { C.rs_release_merge(g.thr, C.uintptr_t(addr)) }

// FuncEnter/FuncExit maintain g's shadow call stack.
func (g *G) FuncEnter(pc uintptr) { C.rs_func_enter(g.thr, C.uintptr_t(pc)) }
func (g *G) FuncExit()            { C.rs_func_exit(g.thr) }

// AtomicAdd32 performs sync/atomic.AddUint32 semantics through
// __tsan_go_atomic32_fetch_add and returns the old value.
func (g *G) AtomicAdd32(addr uintptr, delta uint32) uint32 {
	return uint32(C.rs_atomic32_add(g.thr, C.uintptr_t(PCAtomic), C.uintptr_t(PCAtomic), C.uintptr_t(addr), C.uint32_t(delta)))
}

// Malloc tells the object that [p, p+sz) was allocated. Like Go's
// racemalloc it passes no goroutine and no pc (thr=0, pc=0): the shadow
// range is reset and no heap-block descriptor is created.
func (rt *Runtime) Malloc(p, sz uintptr) {
	C.rs_malloc(nil, 0, C.uintptr_t(p), C.uintptr_t(sz))
}

// MallocBy is Malloc attributed to goroutine g with an allocation pc (the
// object then records a heap block descriptor).
func (rt *Runtime) MallocBy(g *G, p, sz uintptr) {
	C.rs_malloc(g.thr, C.uintptr_t(PCAccess), C.uintptr_t(p), C.uintptr_t(sz))
}

// GCFree frees [p, p+sz) the way the garbage collector's sweeper does: with
// no goroutine at hand.
//
//   - per-P: the sweeper runs on a P, so the current P (SetP) supplies the
//     Processor through the getProc callback: __tsan_free(p, sz).
//   - base: the only thing a goroutine-less caller can pass is thr == NULL:
//     __tsan_free(NULL, p, sz). The object's tsan_go.cc does
//     `if (thr) ctx->metamap.FreeRange(thr, 0, p, sz);`, i.e. a free without
//     a goroutine is silently ignored and the heap-block and sync-object
//     descriptors in the range are never freed (Go issue 14533). Passing
//     some unrelated goroutine's ThreadState instead would be wrong for the
//     real runtime (the sweeper runs on g0 / background sweeper and the
//     per-goroutine caches belong to the user goroutine), and Go <= 1.6 did
//     not free sync objects on sweep at all (the per-P change added the
//     racefree call in mgcsweep.go). So NULL is the faithful choice.
func (rt *Runtime) GCFree(p, sz uintptr) {
	if rt.Interface == PerP {
		C.rs_free_perp(C.uintptr_t(p), C.uintptr_t(sz))
	} else {
		C.rs_free_base(nil, C.uintptr_t(p), C.uintptr_t(sz))
	}
}

// FreeBy frees [p, p+sz) with goroutine g at hand (base interface only: per-P
// __tsan_free has no goroutine argument, so this is GCFree there).
func (rt *Runtime) FreeBy(g *G, p, sz uintptr) {
	if rt.Interface == PerP {
		rt.GCFree(p, sz)
		return
	}
	C.rs_free_base(g.thr, C.uintptr_t(p), C.uintptr_t(sz))
}

// HeapRangeStart and HeapRangeEnd bound the Go heap range the 2016 Go
// mapping of ThreadSanitizer accepts (besides the binary's data/bss).
const (
	HeapRangeStart = 0x00c000000000
	HeapRangeEnd   = 0x00e000000000
)

// MapHeap maps size bytes of fake Go heap inside the Go heap range and maps
// its shadow (__tsan_map_shadow). The real Go heap of this (non-race) process
// already sits at 0x00c000000000, so higher addresses are tried first.
func (rt *Runtime) MapHeap(size uintptr) (uintptr, error) {
	const align = 1 << 30
	size = (size + align - 1) &^ (align - 1)
	hints := []uintptr{0x00d000000000, 0x00d800000000, 0x00c800000000, 0x00c400000000}
	var lastErr error
	for _, h := range hints {
		if h+size > HeapRangeEnd {
			continue
		}
		var e C.int
		p := C.rs_map_heap(C.uintptr_t(h), C.uintptr_t(size), &e)
		if p != 0 {
			return uintptr(p), nil
		}
		lastErr = syscall.Errno(e)
	}
	return 0, fmt.Errorf("wrapper: cannot map %d bytes of heap in [%#x,%#x): %v", size, HeapRangeStart, HeapRangeEnd, lastErr)
}

// Fini calls __tsan_fini, which prints the summary and exits the process
// (exit status from GORACE exitcode when races were found).
func (rt *Runtime) Fini() { C.rs_fini() }

// Counts are callback invocations by logical command.
type Counts = wire.Counts

// CallbackCounts returns the callback invocation counters.
func CallbackCounts() Counts {
	var a [5]C.uint64_t
	C.rs_counts(&a[0])
	return Counts{GetProc: uint64(a[0]), GetProcNull: uint64(a[1]), SymbolizeCode: uint64(a[2]), SymbolizeData: uint64(a[3]), Unknown: uint64(a[4])}
}

// LastGetProcAnswer returns the Processor* the getProc callback last wrote.
func LastGetProcAnswer() uintptr { return uintptr(C.rs_last_getproc_answer()) }

// RSS returns the resident set size of this process in bytes (/proc/self/statm).
func RSS() (uint64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, fmt.Errorf("wrapper: bad statm %q", b)
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * uint64(os.Getpagesize()), nil
}
