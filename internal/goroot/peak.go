package goroot

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// PeakPoll is how often RunPeak reads a running process's VmHWM.
const PeakPoll = 10 * time.Millisecond

// RunPeak runs cmd and returns its combined output and its peak resident
// set size in MiB: the largest VmHWM (the kernel's high-water mark of the
// process's own memory) read from /proc/<pid>/status while it runs, every
// PeakPoll. The rusage of the finished child is no measure: a Go parent
// starts children with vfork, and Linux's ru_maxrss of such a child is at
// least the parent's high-water RSS at exec (TestRunPeakIgnoresTheParent).
// VmHWM only grows, so the last reading misses at most what the process
// added in its last PeakPoll; a process that ends before the first reading
// is an error, not a zero.
func RunPeak(cmd *exec.Cmd) ([]byte, float64, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peakKiB int64
	tick := time.NewTicker(PeakPoll)
	defer tick.Stop()
	read := func() {
		if kib, ok := vmHWM(status); ok && kib > peakKiB {
			peakKiB = kib
		}
	}
	read()
	for {
		select {
		case err := <-done:
			if err != nil {
				return out.Bytes(), float64(peakKiB) / 1024, err
			}
			if peakKiB == 0 {
				return out.Bytes(), 0, fmt.Errorf("%s ended before its VmHWM could be read (within %v)", cmd.Path, PeakPoll)
			}
			return out.Bytes(), float64(peakKiB) / 1024, nil
		case <-tick.C:
			read()
		}
	}
}

// vmHWM reads VmHWM (KiB) from a /proc/<pid>/status file; false when the
// process is gone or a zombie (no memory left to report).
func vmHWM(status string) (int64, bool) {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0, false
	}
	return ParseVmHWM(b)
}

// ParseVmHWM finds "VmHWM: <n> kB" in a /proc/<pid>/status text.
func ParseVmHWM(status []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		return n, err == nil
	}
	return 0, false
}
