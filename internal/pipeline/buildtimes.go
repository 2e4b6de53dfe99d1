package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/racesyso/racesyso/internal/compile"
)

// BuildTimes measures what concurrency buys: each target's compiler
// invocation alone (one after the other, nothing else running), then a full
// concurrent build of all of them from scratch, and prints the wall time of
// the latter against the sum of the former. It builds into .build/times/
// and leaves dist/ alone.
func (c *Context) BuildTimes() error { return c.Locked("buildTimes", c.buildTimes) }

func (c *Context) buildTimes() error {
	m, err := c.baseManifest()
	if err != nil {
		return err
	}
	spec := c.spec()
	dir := filepath.Join(c.BuildDir, "times")
	defer os.RemoveAll(dir)
	quiet := *c
	quiet.Log = nilWriter{}
	bare := map[string]float64{}
	sum := 0.0
	for _, goos := range c.Targets {
		fmt.Fprintf(c.Log, "buildTimes: %s alone...\n", goos)
		d := filepath.Join(dir, "alone-"+goos)
		tm, err := compile.BuildTimed(compile.Options{WorkTree: c.WorkTree, BuildDir: d, DistDir: filepath.Join(d, "dist"), Targets: []string{goos}, Manifest: m.Inputs(), Log: quiet.Log, Force: true, WinePrefix: filepath.Join(c.BuildDir, "wineprefix"), Compilers: c.Config.Compilers, Spec: &spec})
		if err != nil {
			return err
		}
		bare[goos] = tm.Compile[goos]
		sum += bare[goos]
	}
	fmt.Fprintf(c.Log, "buildTimes: all %d targets at once...\n", len(c.Targets))
	d := filepath.Join(dir, "all")
	tm, err := compile.BuildTimed(compile.Options{WorkTree: c.WorkTree, BuildDir: d, DistDir: filepath.Join(d, "dist"), Targets: c.Targets, Manifest: m.Inputs(), Log: quiet.Log, Force: true, WinePrefix: filepath.Join(c.BuildDir, "wineprefix"), Compilers: c.Config.Compilers, Spec: &spec})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.Log, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "target\tcompile alone s\tin the concurrent build: compile s\tcompile+smoke s\t")
	for _, goos := range c.Targets {
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t\n", goos, bare[goos], tm.Compile[goos], tm.Target[goos])
	}
	w.Flush()
	fmt.Fprintf(c.Log, "sum of the %d bare compiler invocations: %.1fs; wall time of the full concurrent build (compile, smoke tests, outputs): %.1fs = %.2fx\n",
		len(c.Targets), sum, tm.Wall, tm.Wall/sum)
	return nil
}

type nilWriter struct{}

func (nilWriter) Write(p []byte) (int, error) { return len(p), nil }
