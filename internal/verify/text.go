package verify

import (
	"debug/elf"
	"debug/pe"
	"fmt"
	"sort"
)

// textSection is an executable section and the symbols defined in it.
type textSection struct {
	Name       string
	Data       []byte
	FileOffset int64     // where Data starts in the file
	Syms       []textSym // sorted by Off
}

// textSym is a named location in a text section.
type textSym struct {
	Off  uint64
	Name string
}

// span is a half-open byte range [start, end) of a section.
type span struct{ start, end uint64 }

// spans splits the section at every symbol, so decoding restarts at each
// symbol start.
func (s *textSection) spans() []span {
	cuts := []uint64{0}
	for _, sym := range s.Syms {
		if sym.Off < uint64(len(s.Data)) {
			cuts = append(cuts, sym.Off)
		}
	}
	cuts = append(cuts, uint64(len(s.Data)))
	var out []span
	for i := 0; i+1 < len(cuts); i++ {
		if cuts[i] < cuts[i+1] {
			out = append(out, span{cuts[i], cuts[i+1]})
		}
	}
	return out
}

// symbolAt names off as "sym+0xN" using the nearest preceding symbol.
func (s *textSection) symbolAt(off uint64) string {
	i := sort.Search(len(s.Syms), func(i int) bool { return s.Syms[i].Off > off }) - 1
	if i < 0 {
		return fmt.Sprintf("%s+%#x", s.Name, off)
	}
	return fmt.Sprintf("%s+%#x", s.Syms[i].Name, off-s.Syms[i].Off)
}

// symbol returns the offset of the named symbol in the section.
func (s *textSection) symbol(name string) (uint64, bool) {
	for _, sym := range s.Syms {
		if sym.Name == name {
			return sym.Off, true
		}
	}
	return 0, false
}

// textSections returns the executable sections of o with their symbols.
// Names are normalised as in ReadSymbols.
func (o *object) textSections() ([]*textSection, error) {
	var secs []*textSection
	add := func(name string, data []byte, off int64) *textSection {
		ts := &textSection{Name: name, Data: data, FileOffset: off}
		secs = append(secs, ts)
		return ts
	}
	switch {
	case o.elf != nil:
		byIndex := map[int]*textSection{}
		for i, s := range o.elf.Sections {
			if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_EXECINSTR == 0 {
				continue
			}
			d, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("%s: section %s: %w", o.path, s.Name, err)
			}
			byIndex[i] = add(s.Name, d, int64(s.Offset))
		}
		syms, err := o.elf.Symbols()
		if err != nil {
			return nil, fmt.Errorf("%s: ELF symbols: %w", o.path, err)
		}
		for _, sym := range syms {
			t := elf.ST_TYPE(sym.Info)
			if ts := byIndex[int(sym.Section)]; ts != nil && sym.Name != "" && (t == elf.STT_FUNC || t == elf.STT_NOTYPE) {
				ts.Syms = append(ts.Syms, textSym{sym.Value, sym.Name})
			}
		}
	case o.macho != nil:
		const instrAttrs = 0x80000000 | 0x400 // S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS
		byIndex := map[int]*textSection{}
		addr := map[int]uint64{}
		for i, s := range o.macho.Sections {
			if s.Flags&instrAttrs == 0 {
				continue
			}
			d, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("%s: section %s: %w", o.path, s.Name, err)
			}
			byIndex[i+1] = add(s.Seg+","+s.Name, d, int64(s.Offset)) // n_sect is 1-based
			addr[i+1] = s.Addr
		}
		if o.macho.Symtab != nil {
			for _, sym := range o.macho.Symtab.Syms {
				if sym.Type&machoNStab != 0 || sym.Type&machoNType != 0x0e { // N_SECT
					continue
				}
				if ts := byIndex[int(sym.Sect)]; ts != nil && sym.Name != "" {
					ts.Syms = append(ts.Syms, textSym{sym.Value - addr[int(sym.Sect)], trimUnderscore(sym.Name)})
				}
			}
		}
	case o.pe != nil:
		const codeChars = pe.IMAGE_SCN_CNT_CODE | pe.IMAGE_SCN_MEM_EXECUTE
		byIndex := map[int]*textSection{}
		for i, s := range o.pe.Sections {
			if s.Characteristics&codeChars == 0 {
				continue
			}
			d, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("%s: section %s: %w", o.path, s.Name, err)
			}
			byIndex[i+1] = add(s.Name, d, int64(s.Offset))
		}
		for _, sym := range o.pe.Symbols {
			ts := byIndex[int(sym.SectionNumber)]
			if ts == nil || sym.Name == ts.Name && sym.StorageClass == peClassStatic {
				continue // section symbols
			}
			if sym.StorageClass == peClassExternal || sym.StorageClass == peClassStatic {
				ts.Syms = append(ts.Syms, textSym{uint64(sym.Value), peName(sym.Name)})
			}
		}
	}
	for _, ts := range secs {
		sort.SliceStable(ts.Syms, func(i, j int) bool { return ts.Syms[i].Off < ts.Syms[j].Off })
	}
	return secs, nil
}

// trimUnderscore removes Mach-O's C-symbol underscore.
func trimUnderscore(s string) string {
	if len(s) > 0 && s[0] == '_' {
		return s[1:]
	}
	return s
}
