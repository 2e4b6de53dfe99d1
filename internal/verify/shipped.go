package verify

import (
	"debug/elf"
	"debug/pe"
	"fmt"
	"strings"
)

// Sizes are an object's allocated bytes by kind.
type Sizes struct {
	Text, Data uint64 // executable sections; every other allocated one (bss included)
}

// SectionSizes reads an ELF, Mach-O or PE/COFF object's text and data sizes.
func SectionSizes(path string) (Sizes, error) {
	o, err := openObject(path)
	if err != nil {
		return Sizes{}, err
	}
	defer o.Close()
	var s Sizes
	switch {
	case o.elf != nil:
		for _, sec := range o.elf.Sections {
			switch {
			case sec.Flags&elf.SHF_ALLOC == 0:
			case sec.Flags&elf.SHF_EXECINSTR != 0:
				s.Text += sec.Size
			default:
				s.Data += sec.Size
			}
		}
	case o.macho != nil:
		const instrAttrs = 0x80000000 | 0x400
		for _, sec := range o.macho.Sections {
			if sec.Flags&instrAttrs != 0 {
				s.Text += sec.Size
			} else if sec.Seg != "__DWARF" && sec.Seg != "__LD" {
				s.Data += sec.Size
			}
		}
	case o.pe != nil:
		for _, sec := range o.pe.Sections {
			c := sec.Characteristics
			switch {
			case c&pe.IMAGE_SCN_CNT_CODE != 0:
				s.Text += uint64(sec.Size)
			case c&(pe.IMAGE_SCN_CNT_INITIALIZED_DATA|pe.IMAGE_SCN_CNT_UNINITIALIZED_DATA) != 0 && c&pe.IMAGE_SCN_MEM_DISCARDABLE == 0:
				s.Data += uint64(sec.Size) + uint64(sec.VirtualSize)*b2u(sec.Size == 0)
			}
		}
	}
	return s, nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ISALevel is the lowest GOAMD64 level whose isa check obj passes ("" if
// none does).
func ISALevel(obj Object) string {
	for _, l := range []string{"v1", "v2", "v3", "v4"} {
		if CheckISA(obj, l).Status == Passed {
			return l
		}
	}
	return ""
}

// ShippedDiff holds obj against the object the GOROOT ships in the same
// slot: the __tsan_* symbols one defines and the other does not, the
// imports each has alone, the text and data size ratios and the
// instruction-set level each needs. The differences are listed, not
// judged, but for one: a __tsan_* symbol that the GOROOT's runtime imports
// and obj does not define fails (imports lists them; nil skips that).
func ShippedDiff(obj Object, shipped string, imports []string) Result {
	r := Result{Name: "shipped-diff", Target: obj.Path}
	ours, err := ReadSymbols(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	theirs, err := ReadSymbols(shipped)
	if err != nil {
		return r.fail(err.Error())
	}
	tsan := func(names []string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			if strings.HasPrefix(n, "__tsan_") {
				m[n] = true
			}
		}
		return m
	}
	od, sd := tsan(ours.Defined), tsan(theirs.Defined)
	var onlyOurs, onlyShipped, missing []string
	for _, n := range sortedKeys(od) {
		if !sd[n] {
			onlyOurs = append(onlyOurs, n)
			r.Details = append(r.Details, "defined by ours only: "+n)
		}
	}
	for _, n := range sortedKeys(sd) {
		if !od[n] {
			onlyShipped = append(onlyShipped, n)
			r.Details = append(r.Details, "defined by the shipped object only: "+n)
		}
	}
	for _, n := range imports {
		if strings.HasPrefix(n, "__tsan_") && !od[n] {
			missing = append(missing, n)
		}
	}
	ou, su := toSet(ours.Undefined), toSet(theirs.Undefined)
	var impOurs, impShipped int
	for _, n := range ours.Undefined {
		if !su[n] {
			impOurs++
			r.Details = append(r.Details, "imported by ours only: "+n)
		}
	}
	for _, n := range theirs.Undefined {
		if !ou[n] {
			impShipped++
			r.Details = append(r.Details, "imported by the shipped object only: "+n)
		}
	}
	osz, err := SectionSizes(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	ss, err := SectionSizes(shipped)
	if err != nil {
		return r.fail(err.Error())
	}
	ratio := func(a, b uint64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2fx", float64(a)/float64(b))
	}
	lo, ls := ISALevel(obj), ISALevel(Object{Path: shipped, GOOS: obj.GOOS})
	r.Details = append(r.Details,
		fmt.Sprintf("text %d against %d bytes (%s), data %d against %d bytes (%s)", osz.Text, ss.Text, ratio(osz.Text, ss.Text), osz.Data, ss.Data, ratio(osz.Data, ss.Data)),
		fmt.Sprintf("instruction set: ours needs GOAMD64=%s, the shipped object %s", lo, ls))
	r.Summary = fmt.Sprintf("vs %s: __tsan_* +%d -%d, imports +%d -%d, text %s, data %s, isa %s vs %s",
		shipped, len(onlyOurs), len(onlyShipped), impOurs, impShipped, ratio(osz.Text, ss.Text), ratio(osz.Data, ss.Data), lo, ls)
	r.Proved = "the listed differences from the object the GOROOT ships in the same slot; every __tsan_* symbol its runtime imports is defined"
	r.Figures = []Figure{
		Point("text size", "bytes", Val("ours", float64(osz.Text)), Val("shipped", float64(ss.Text))),
		Point("data size", "bytes", Val("ours", float64(osz.Data)), Val("shipped", float64(ss.Data))),
	}
	if len(missing) > 0 {
		return r.fail(fmt.Sprintf("ours lacks %d __tsan_* symbols the GOROOT's runtime imports (%s); %s", len(missing), strings.Join(missing, ", "), r.Summary))
	}
	r.Status = Passed
	return r
}
