package goroot

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the child: with RACESYSO_PEAK_CHILD=N it
// touches N MiB, holds them a moment and exits.
func init() {
	n, err := strconv.Atoi(os.Getenv("RACESYSO_PEAK_CHILD"))
	if err != nil {
		return
	}
	b := make([]byte, n<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	time.Sleep(300 * time.Millisecond)
	os.Exit(int(b[0]) - 1)
}

func child(mib int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RACESYSO_PEAK_CHILD="+strconv.Itoa(mib))
	return cmd
}

// TestRunPeakIgnoresTheParent: with this process holding 400 MiB, a child
// that touches 8 MiB reports a small peak through RunPeak, while its rusage
// (the negative control: what SyncLeak used to read) reports at least the
// parent's 400 MiB; a child that touches 200 MiB reports at least that.
func TestRunPeakIgnoresTheParent(t *testing.T) {
	hold := make([]byte, 400<<20)
	for i := 0; i < len(hold); i += 4096 {
		hold[i] = 1
	}
	small := child(8)
	_, peak, err := RunPeak(small)
	if err != nil {
		t.Fatal(err)
	}
	ru := small.ProcessState.SysUsage().(*syscall.Rusage)
	rusageMiB := float64(ru.Maxrss) / 1024
	t.Logf("8 MiB child: RunPeak %.0f MiB, rusage %.0f MiB (parent holds 400 MiB)", peak, rusageMiB)
	if peak < 8 || peak > 100 {
		t.Errorf("RunPeak of an 8 MiB child = %.0f MiB", peak)
	}
	if rusageMiB < 400 {
		t.Errorf("negative control: rusage of the child = %.0f MiB, expected at least the parent's 400 MiB (vfork); if the kernel no longer does this, RunPeak is still right but this test's premise is gone", rusageMiB)
	}
	_, peak, err = RunPeak(child(200))
	if err != nil {
		t.Fatal(err)
	}
	if peak < 200 || peak > 300 {
		t.Errorf("RunPeak of a 200 MiB child = %.0f MiB", peak)
	}
	hold[0]++
}

func TestRunPeakErrors(t *testing.T) {
	if _, _, err := RunPeak(exec.Command("false")); err == nil {
		t.Error("a failing command: no error")
	}
	if _, _, err := RunPeak(exec.Command("/nonexistent/racesyso")); err == nil {
		t.Error("a missing command: no error")
	}
}

func TestParseVmHWM(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t  1234 kB\nVmRSS:\t 12 kB\n", 1234, true},
		{"Name:\tzombie\nState:\tZ (zombie)\n", 0, false},
		{"VmHWM:\t12 MB\n", 0, false},
		{"VmHWM:\tlots kB\n", 0, false},
	} {
		got, ok := ParseVmHWM([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseVmHWM(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
