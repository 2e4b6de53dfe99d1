// Package limits holds the programs (maxg, copyrace) and benchmarks
// (bench_test.go) that measure the known limits of a race runtime:
// goroutines alive at once, goroutine start/exit cost, reports per racy
// range access. goroot.MeasureLimits builds them with -race in a GOROOT.
package limits
