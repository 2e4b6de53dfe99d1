package pipeline

import (
	"fmt"
	"path/filepath"

	"github.com/racesyso/racesyso/internal/report"
)

// Report renders dist/verify.json and dist/history.json into
// dist/report.html (one file, inline SVG plots, no network) and
// dist/report.md.
func (c *Context) Report() error {
	in, err := report.Load(c.DistDir)
	if err != nil {
		return err
	}
	if err := report.Write(c.DistDir, in); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(c.Log, "report: wrote %s and %s\n", filepath.Join(c.DistDir, report.HTMLFile), filepath.Join(c.DistDir, report.MarkdownFile))
	return nil
}
