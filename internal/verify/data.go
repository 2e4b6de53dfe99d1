package verify

import (
	"bufio"
	"embed"
	"fmt"
	"os"
	"strings"
)

// data holds the allowlists and tables the checks consult. Every file uses
// the same line format:
//
//	field [field...]  # comment
//
// Blank lines and lines starting with '#' are ignored.
//
//go:embed data/*.txt
var data embed.FS

// dataLine is one parsed entry of a data file.
type dataLine struct {
	Fields  []string
	Comment string
	Line    int
}

// readData parses the embedded data file name (relative to data/).
func readData(name string) ([]dataLine, error) {
	b, err := data.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	return parseData(name, b)
}

// readFile parses a data file on disk (a profile's).
func readFile(path string) ([]dataLine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseData(path, b)
}

func parseData(name string, b []byte) ([]dataLine, error) {
	var out []dataLine
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for n := 1; sc.Scan(); n++ {
		text, comment, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		out = append(out, dataLine{Fields: fields, Comment: strings.TrimSpace(comment), Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data/%s: %w", name, err)
	}
	return out, nil
}
