// Package patch applies the project's patch series (patches/series) to the
// compiler-rt work tree. Applying the same series twice is a no-op; a tree
// patched with another series is reset first; a patch that does not apply
// fails naming the patch, the file and the hunk.
package patch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Patch is one entry of the series.
type Patch struct {
	Name   string // file name inside the patches directory
	Path   string
	SHA256 string
	Data   []byte
	// Strip is how many leading path components git apply removes (-p):
	// 1 for our series (a/lib/...), 2 for a patch of llvm-project paths
	// (a/compiler-rt/lib/...), as Go ships them; 0 means 1.
	Strip int
}

func (p Patch) strip() int {
	if p.Strip == 0 {
		return 1
	}
	return p.Strip
}

// ReadExtra reads one patch file given outside a series (RACESYSO_LLVM_PATCH,
// or a .patch file a GOROOT ships): of compiler-rt paths or of llvm-project
// paths (compiler-rt/...), which it tells by the paths.
func ReadExtra(path string) (Patch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Patch{}, fmt.Errorf("the patch %s: %w", path, err)
	}
	if !bytes.Contains(data, []byte("\n+++ ")) {
		return Patch{}, fmt.Errorf("the patch %s holds no diff (no +++ line): give a unified diff of compiler-rt/ or lib/ paths", path)
	}
	sum := sha256.Sum256(data)
	p := Patch{Name: filepath.Base(path), Path: path, SHA256: hex.EncodeToString(sum[:]), Data: data, Strip: 1}
	if bytes.Contains(data, []byte("\n+++ b/compiler-rt/")) || bytes.Contains(data, []byte("\n--- a/compiler-rt/")) {
		p.Strip = 2
	}
	return p, nil
}

// With is s followed by extra patches (after its own: they count as
// neither base nor series when named, but travel in Digest and Concat).
func (s *Series) With(extra ...Patch) *Series {
	out := &Series{Dir: s.Dir, Patches: append(append([]Patch{}, s.Patches...), extra...), BaseLen: s.BaseLen}
	return out
}

// Series is the ordered list of patches.
type Series struct {
	Dir     string
	Patches []Patch
	// BaseLen is how many patches make the base (pre-split) runtime: the
	// ones before the BaseMarker line, or all of them without one.
	BaseLen int
}

// BaseMarker is the series line that ends the compatibility patches: what
// comes before it builds the base (pre-split) runtime, what follows it is
// the per-P change and its forward port.
const BaseMarker = "# --- end of base ---"

// ParseSeries reads dir/series: one patch file name per line, in order;
// blank lines and lines starting with '#' are ignored. Every named file must
// exist, stay inside dir and appear once.
func ParseSeries(dir string) (*Series, error) {
	f := filepath.Join(dir, "series")
	data, err := os.ReadFile(f)
	if err != nil {
		return nil, fmt.Errorf("reading the patch series: %w", err)
	}
	s := &Series{Dir: dir}
	seen := map[string]int{}
	markerSeen := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == BaseMarker {
			if markerSeen {
				return nil, fmt.Errorf("%s:%d: a second %q line", f, n, BaseMarker)
			}
			markerSeen, s.BaseLen = true, len(s.Patches)
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, `/\`) || line == "." || line == ".." {
			return nil, fmt.Errorf("%s:%d: %q: name a file in %s, without a path", f, n, line, dir)
		}
		if prev, dup := seen[line]; dup {
			return nil, fmt.Errorf("%s:%d: %s is already listed at line %d", f, n, line, prev)
		}
		seen[line] = n
		p := Patch{Name: line, Path: filepath.Join(dir, line)}
		if p.Data, err = os.ReadFile(p.Path); err != nil {
			return nil, fmt.Errorf("%s:%d: patch %s: %w", f, n, line, err)
		}
		sum := sha256.Sum256(p.Data)
		p.SHA256 = hex.EncodeToString(sum[:])
		s.Patches = append(s.Patches, p)
	}
	if !markerSeen {
		s.BaseLen = len(s.Patches)
	}
	return s, sc.Err()
}

// Base is the series of the base (pre-split) runtime: the patches before
// BaseMarker.
func (s *Series) Base() *Series {
	return &Series{Dir: s.Dir, Patches: s.Patches[:s.BaseLen], BaseLen: s.BaseLen}
}

// Digest identifies the series by its patches' names and contents.
func (s *Series) Digest() string {
	h := sha256.New()
	for _, p := range s.Patches {
		fmt.Fprintf(h, "%s %s\n", p.Name, p.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Names lists the patch names in order.
func (s *Series) Names() []string {
	var out []string
	for _, p := range s.Patches {
		out = append(out, p.Name)
	}
	return out
}

// Concat is the series as one file: every patch in order.
func (s *Series) Concat() []byte {
	var b bytes.Buffer
	for _, p := range s.Patches {
		b.Write(p.Data)
		if !bytes.HasSuffix(p.Data, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
