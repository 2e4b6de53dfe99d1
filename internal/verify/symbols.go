package verify

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// Symbols is the symbol table of an object file, reduced to names.
// Names are normalised: Mach-O's (and PE's, if present) leading
// underscore is removed, so that callers can compare "__tsan_init"
// uniformly across formats.
type Symbols struct {
	// Defined are the global symbols the object defines (exports).
	Defined []string
	// Undefined are the symbols the object imports.
	Undefined []string
}

// ReadSymbols returns the defined (global) and undefined symbol names of
// the ELF, Mach-O or PE/COFF object at path. Both lists are sorted and
// free of duplicates.
func ReadSymbols(path string) (Symbols, error) {
	o, err := openObject(path)
	if err != nil {
		return Symbols{}, err
	}
	defer o.Close()
	return o.symbols()
}

func (o *object) symbols() (Symbols, error) {
	def := map[string]bool{}
	undef := map[string]bool{}
	switch {
	case o.elf != nil:
		syms, err := o.elf.Symbols()
		if err != nil {
			return Symbols{}, fmt.Errorf("%s: ELF symbols: %w", o.path, err)
		}
		for _, s := range syms {
			if s.Name == "" {
				continue
			}
			bind := elf.ST_BIND(s.Info)
			if s.Section == elf.SHN_UNDEF {
				undef[s.Name] = true
			} else if bind == elf.STB_GLOBAL || bind == elf.STB_WEAK {
				def[s.Name] = true
			}
		}
	case o.macho != nil:
		if o.macho.Symtab == nil {
			return Symbols{}, fmt.Errorf("%s: Mach-O object has no symbol table", o.path)
		}
		for _, s := range o.macho.Symtab.Syms {
			if s.Type&machoNStab != 0 || s.Name == "" {
				continue
			}
			name := trimUnderscore(s.Name)
			ext := s.Type&machoNExt != 0
			switch s.Type & machoNType {
			case machoNUndf:
				if ext {
					undef[name] = true
				}
			default:
				if ext {
					def[name] = true
				}
			}
		}
	case o.pe != nil:
		for _, s := range o.pe.Symbols {
			if s.StorageClass != peClassExternal && s.StorageClass != peClassWeakExternal {
				continue
			}
			name := peName(s.Name)
			if (s.SectionNumber == 0 && s.Value == 0) || s.StorageClass == peClassWeakExternal { // Value>0 would be a common symbol
				undef[name] = true
			} else if s.SectionNumber > 0 {
				def[name] = true
			}
		}
	}
	return Symbols{Defined: sortedKeys(def), Undefined: sortedKeys(undef)}, nil
}

// Mach-O n_type bits (see <mach-o/nlist.h>).
const (
	machoNStab = 0xe0
	machoNType = 0x0e
	machoNExt  = 0x01
	machoNUndf = 0x00
)

// COFF storage classes.
const (
	peClassExternal     = 2   // IMAGE_SYM_CLASS_EXTERNAL
	peClassStatic       = 3   // IMAGE_SYM_CLASS_STATIC
	peClassWeakExternal = 105 // IMAGE_SYM_CLASS_WEAK_EXTERNAL
)

// peName normalises a COFF symbol name. 64-bit Windows uses no leading
// underscore decoration, but objects built with an i386-style toolchain
// would; tolerate a single "_" in front of a "__tsan_" name only, since
// other names (e.g. "_errno") legitimately start with one underscore.
func peName(name string) string {
	if strings.HasPrefix(name, "___tsan_") {
		return name[1:]
	}
	return name
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
