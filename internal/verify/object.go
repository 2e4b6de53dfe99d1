package verify

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"os"
)

// object is an opened object file in one of the three supported formats.
// Exactly one of elf, macho and pe is non-nil.
type object struct {
	path  string
	f     *os.File
	elf   *elf.File
	macho *macho.File
	pe    *pe.File
}

// openObject opens path as ELF, Mach-O or PE/COFF, in that order.
func openObject(path string) (*object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	o := &object{path: path, f: f}
	ef, elfErr := elf.NewFile(f)
	if elfErr == nil {
		o.elf = ef
		return o, nil
	}
	mf, machoErr := macho.NewFile(f)
	if machoErr == nil {
		o.macho = mf
		return o, nil
	}
	pf, peErr := pe.NewFile(f)
	if peErr == nil {
		o.pe = pf
		return o, nil
	}
	errs := []error{fmt.Errorf("ELF: %w", elfErr), fmt.Errorf("Mach-O: %w", machoErr), fmt.Errorf("PE: %w", peErr)}
	f.Close()
	return nil, fmt.Errorf("%s: not a recognised object file: %w", path, errors.Join(errs...))
}

// Close releases the underlying file.
func (o *object) Close() error { return o.f.Close() }

// formatName names the container format.
func (o *object) formatName() string {
	switch {
	case o.elf != nil:
		return "ELF"
	case o.macho != nil:
		return "Mach-O"
	default:
		return "PE/COFF"
	}
}
