package verify

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// amd64Levels orders the GOAMD64 levels; "ext" (extensions in no level)
// is above all of them.
var amd64Levels = map[string]int{"v1": 1, "v2": 2, "v3": 3, "v4": 4, "ext": 5}

// isaClass is the minimum level an instruction needs and why.
type isaClass struct {
	Level string // "v2", "v3", "v4" or "ext"
	Ext   string // e.g. "SSE4.1"
}

// ISATable returns data/isa_levels.txt: x86asm mnemonic -> class.
// Mnemonics not in the table are baseline (v1) unless a rule in classify
// applies.
func ISATable() (map[string]isaClass, error) {
	lines, err := readData("isa_levels.txt")
	if err != nil {
		return nil, err
	}
	m := make(map[string]isaClass, len(lines))
	for _, l := range lines {
		if len(l.Fields) != 3 || amd64Levels[l.Fields[1]] < 2 {
			return nil, fmt.Errorf("data/isa_levels.txt:%d: want \"MNEMONIC v2|v3|v4|ext EXTENSION\"", l.Line)
		}
		m[l.Fields[0]] = isaClass{Level: l.Fields[1], Ext: l.Fields[2]}
	}
	return m, nil
}

// ISATolerated returns data/isa_tolerated.txt: mnemonic or extension ->
// the lowest level at which it is tolerated, and the reason.
func ISATolerated() (map[string][2]string, error) {
	lines, err := readData("isa_tolerated.txt")
	if err != nil {
		return nil, err
	}
	m := make(map[string][2]string, len(lines))
	for _, l := range lines {
		if len(l.Fields) != 2 || amd64Levels[l.Fields[1]] == 0 || l.Comment == "" {
			return nil, fmt.Errorf("data/isa_tolerated.txt:%d: want \"KEY LEVEL # reason\"", l.Line)
		}
		m[l.Fields[0]] = [2]string{l.Fields[1], l.Comment}
	}
	return m, nil
}

// tolerated reports whether an instruction of class c with mnemonic op is
// tolerated at level limit, and why.
func tolerated(tol map[string][2]string, c isaClass, op string, limit int) (string, bool) {
	for _, key := range []string{op, c.Ext} {
		if t, ok := tol[key]; ok && amd64Levels[t[0]] <= limit {
			return t[1], true
		}
	}
	return "", false
}

// classify returns the class of inst (encoded as raw), or ok=false for a
// baseline instruction.
func classify(table map[string]isaClass, inst x86asm.Inst, raw []byte) (isaClass, bool) {
	name := inst.Op.String()
	if c, ok := table[name]; ok {
		return c, true
	}
	for _, p := range inst.Prefix {
		switch {
		case p == 0:
		case p.IsEVEX():
			return isaClass{"v4", "AVX-512"}, true
		case p.IsVEX() && strings.HasPrefix(name, "K"):
			return isaClass{"v4", "AVX-512 opmask"}, true
		case p.IsVEX():
			return isaClass{"v3", "AVX/AVX2/FMA/F16C"}, true
		}
	}
	if inst.Op == x86asm.PEXTRW && hasOpcode(raw, 0x0f, 0x3a, 0x15) {
		return isaClass{"v2", "SSE4.1"}, true
	}
	return isaClass{}, false
}

// hasOpcode reports whether raw contains the opcode bytes op.
func hasOpcode(raw []byte, op ...byte) bool {
	return strings.Contains(string(raw), string(op))
}

// maxOffenders bounds the offending instructions listed in a result.
const maxOffenders = 10

// CheckISA decodes every executable section of obj as 64-bit x86 and
// fails if any instruction needs a GOAMD64 level above level ("v1" if
// empty). Decoding restarts at every symbol in a section, so data in text
// can only desynchronise the decoder up to the next symbol; undecodable
// bytes are counted and reported as unproved, not as failures.
func CheckISA(obj Object, level string) Result {
	if level == "" {
		level = "v1"
	}
	r := Result{Name: "isa", Target: obj.Path}
	limit, ok := amd64Levels[level]
	if !ok || level == "ext" {
		return r.fail(fmt.Sprintf("unknown GOAMD64 level %q", level))
	}
	table, err := ISATable()
	if err != nil {
		return r.fail(err.Error())
	}
	tol, err := ISATolerated()
	if err != nil {
		return r.fail(err.Error())
	}
	o, err := openObject(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	defer o.Close()
	secs, err := o.textSections()
	if err != nil {
		return r.fail(err.Error())
	}
	var insts, badBytes, offenders int
	byExt := map[string]int{}
	tolCount := map[string]int{}
	tolWhy := map[string]string{}
	var tolFirst []string
	for _, sec := range secs {
		for _, span := range sec.spans() {
			for off := span.start; off < span.end; {
				code := sec.Data[off:span.end]
				inst, err := x86asm.Decode(code, 64)
				if err != nil || inst.Len == 0 {
					badBytes++
					off++
					continue
				}
				insts++
				raw := code[:inst.Len]
				c, ok := classify(table, inst, raw)
				if !ok || amd64Levels[c.Level] <= limit {
					off += uint64(inst.Len)
					continue
				}
				where := fmt.Sprintf("%s (%s+%#x): %s %s [%s %s, needs %s]",
					sec.symbolAt(off), sec.Name, off, formatHex(raw), x86asm.GNUSyntax(inst, 0, nil), inst.Op, c.Ext, c.Level)
				if why, ok := tolerated(tol, c, inst.Op.String(), limit); ok {
					key := inst.Op.String()
					if tolCount[key] == 0 {
						tolFirst = append(tolFirst, "tolerated: "+where)
					}
					tolCount[key]++
					tolWhy[key] = why
				} else {
					offenders++
					byExt[c.Ext]++
					if offenders <= maxOffenders {
						r.Details = append(r.Details, where)
					}
				}
				off += uint64(inst.Len)
			}
		}
	}
	for _, k := range sortedKeys(tolCount) {
		r.Details = append(r.Details, fmt.Sprintf("info: %d× %s tolerated at %s: %s", tolCount[k], k, level, tolWhy[k]))
	}
	r.Details = append(r.Details, tolFirst...)
	r.Unproved = "instructions hidden by decoder desynchronisation (data in text); code generated at run time"
	if badBytes > 0 {
		r.Unproved = fmt.Sprintf("%d undecodable bytes (data in text or desync; skipped one at a time); %s", badBytes, r.Unproved)
	}
	if offenders > 0 {
		exts := make([]string, 0, len(byExt))
		for e, n := range byExt {
			exts = append(exts, fmt.Sprintf("%s×%d", e, n))
		}
		sort.Strings(exts)
		return r.fail(fmt.Sprintf("%d instructions above GOAMD64=%s (%s); first: %s",
			offenders, level, strings.Join(exts, ", "), r.Details[0]))
	}
	r.Status = Passed
	r.Summary = fmt.Sprintf("%d instructions in %d text sections, none above GOAMD64=%s", insts, len(secs), level)
	if n := len(tolCount); n > 0 {
		r.Summary += fmt.Sprintf("; tolerated: %s", strings.Join(sortedKeys(tolCount), ", "))
	}
	if badBytes > 0 {
		r.Summary += fmt.Sprintf(" (%d undecodable bytes)", badBytes)
	}
	r.Proved = "no decoded instruction needs a CPU feature beyond GOAMD64=" + level + " other than the tolerated ones listed"
	return r
}

func formatHex(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}
