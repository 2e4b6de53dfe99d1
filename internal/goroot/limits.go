package goroot

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/racesyso/racesyso/internal/gotool"
)

// Limits are the known limits of a race runtime in one GOROOT, measured
// with the programs and benchmarks of internal/goroot/limits.
type Limits struct {
	MaxGoroutines   int                `json:"max_goroutines"`    // largest tried count that ran
	FailedAt        int                `json:"failed_at"`         // smallest tried count that failed (0: none)
	FailMessage     string             `json:"fail_message"`      // what it said
	RSS1000MiB      float64            `json:"rss_1000_mib"`      // peak RSS with 1000 blocked goroutines
	RangeReports    int                `json:"range_reports"`     // reports for one racy copy() of 100 bytes
	RangeReportsAll int                `json:"range_reports_all"` // the same with report deduplication off
	NsPerOp         map[string]float64 `json:"ns_per_op"`         // goroutine start/exit benchmarks
}

// GoroutineCounts are the live-goroutine counts tried, in order.
var GoroutineCounts = []int{1000, 8000, 8200, 10000, 100000}

// MeasureLimits builds internal/goroot/limits (under the project root) with -race in
// goroot and measures.
func MeasureLimits(ctx context.Context, goroot, projectRoot, dir string) (*Limits, error) {
	src := filepath.Join(projectRoot, "internal", "goroot", "limits")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &Limits{NsPerOp: map[string]float64{}}
	bins := map[string]string{}
	for _, prog := range []string{"maxg", "copyrace"} {
		bins[prog] = filepath.Join(dir, prog)
		cmd := goCmdIn(ctx, goroot, src, "build", "-race", "-o", bins[prog], "./"+prog)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building %s: %v\n%s", prog, err, out)
		}
	}
	for _, n := range GoroutineCounts {
		cmd := exec.CommandContext(ctx, bins["maxg"], strconv.Itoa(n))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), fmt.Sprintf("ok %d", n)) {
			l.FailedAt, l.FailMessage = n, firstMatching(string(out), "limit", "FATAL", "fatal")
			break
		}
		l.MaxGoroutines = n
		if n == 1000 {
			// maxg prints its own VmHWM (see RunPeak for why not rusage).
			kib, ok := ParseVmHWM(out)
			if !ok {
				return nil, fmt.Errorf("maxg %d printed no VmHWM line:\n%s", n, tail(string(out), 2000))
			}
			l.RSS1000MiB = float64(kib) / 1024
		}
	}
	for _, dedup := range []bool{true, false} {
		cmd := exec.CommandContext(ctx, bins["copyrace"])
		if !dedup {
			cmd.Env = append(os.Environ(), "GORACE=suppress_equal_stacks=0 suppress_equal_addresses=0")
		}
		out, _ := cmd.CombinedOutput()
		n := strings.Count(string(out), "WARNING: DATA RACE")
		if dedup {
			l.RangeReports = n
		} else {
			l.RangeReportsAll = n
		}
	}
	cmd := goCmdIn(ctx, goroot, src, "test", "-race", "-count=1", "-run", "^$", "-bench", ".", "-benchtime", "20000x", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return l, fmt.Errorf("benchmarks: %v\n%s", err, tail(string(out), 2000))
	}
	for _, m := range benchRe.FindAllStringSubmatch(string(out), -1) {
		l.NsPerOp[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	return l, nil
}

var benchRe = regexp.MustCompile(`(?m)^(Benchmark\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)

func goCmdIn(ctx context.Context, goroot, dir string, args ...string) *exec.Cmd {
	return gotool.Command(ctx, goroot, dir, args...)
}

func firstMatching(s string, words ...string) string {
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				return strings.TrimSpace(l)
			}
		}
	}
	return tail(strings.TrimSpace(s), 200)
}
