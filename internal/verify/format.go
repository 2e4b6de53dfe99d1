package verify

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"fmt"
)

// elfOSABIs lists, per GOOS, the ELF OSABI values accepted for that OS.
// Clang and zig set ELFOSABI_FREEBSD on FreeBSD targets; GNU tools and
// the other BSDs usually leave ELFOSABI_NONE (System V). Either links.
var elfOSABIs = map[string][]elf.OSABI{
	"linux":   {elf.ELFOSABI_NONE, elf.ELFOSABI_LINUX},
	"freebsd": {elf.ELFOSABI_FREEBSD, elf.ELFOSABI_NONE},
	"netbsd":  {elf.ELFOSABI_NETBSD, elf.ELFOSABI_NONE},
	"openbsd": {elf.ELFOSABI_OPENBSD, elf.ELFOSABI_NONE},
}

// CheckFormat verifies that obj is a relocatable x86-64 object in the
// container format its GOOS needs: ELF64 ET_REL (linux and the BSDs),
// Mach-O MH_OBJECT (darwin) or a PE/COFF AMD64 object without an optional
// header (windows).
func CheckFormat(obj Object) Result {
	r := Result{Name: "format", Target: obj.Path}
	o, err := openObject(obj.Path)
	if err != nil {
		return r.fail(err.Error())
	}
	defer o.Close()
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var desc string
	switch obj.GOOS {
	case "darwin":
		f := o.macho
		if f == nil {
			bad("darwin needs Mach-O, got %s", o.formatName())
			break
		}
		desc = fmt.Sprintf("Mach-O %s %s", f.Cpu, f.Type)
		switch {
		case f.Dysymtab != nil:
			desc += ", LC_DYSYMTAB well-formed"
		case obj.Ours:
			bad("no LC_DYSYMTAB: racesyso's darwin objects carry a well-formed one, so that they need no `ld -r` (Go issues 61229, 75274)")
		default:
			desc += ", no LC_DYSYMTAB (as Go's shipped objects)"
		}
		if f.Magic != macho.Magic64 {
			bad("Mach-O magic %#x, want 64-bit %#x", f.Magic, macho.Magic64)
		}
		if f.Cpu != macho.CpuAmd64 {
			bad("Mach-O cputype %s, want x86_64 (CpuAmd64)", f.Cpu)
		}
		if f.Type != macho.TypeObj {
			bad("Mach-O filetype %s, want MH_OBJECT", f.Type)
		}
		for _, p := range dysymtabProblems(f) {
			bad("%s", p)
		}
	case "windows":
		f := o.pe
		if f == nil {
			bad("windows needs PE/COFF, got %s", o.formatName())
			break
		}
		desc = fmt.Sprintf("PE/COFF object machine=%#x", f.Machine)
		if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
			bad("COFF machine %#x, want IMAGE_FILE_MACHINE_AMD64 (%#x)", f.Machine, pe.IMAGE_FILE_MACHINE_AMD64)
		}
		if f.SizeOfOptionalHeader != 0 || f.OptionalHeader != nil {
			bad("has a %d-byte optional header: an image, not an object", f.SizeOfOptionalHeader)
		}
	default:
		accepted, known := elfOSABIs[obj.GOOS]
		if !known {
			return r.fail(fmt.Sprintf("unsupported GOOS %q", obj.GOOS))
		}
		f := o.elf
		if f == nil {
			bad("%s needs ELF, got %s", obj.GOOS, o.formatName())
			break
		}
		desc = fmt.Sprintf("ELF %s %s %s OSABI=%s", f.Class, f.Machine, f.Type, f.OSABI)
		if f.Class != elf.ELFCLASS64 {
			bad("ELF class %s, want ELFCLASS64", f.Class)
		}
		if f.Data != elf.ELFDATA2LSB {
			bad("ELF data %s, want ELFDATA2LSB", f.Data)
		}
		if f.Machine != elf.EM_X86_64 {
			bad("ELF machine %s, want EM_X86_64", f.Machine)
		}
		if f.Type != elf.ET_REL {
			bad("ELF type %s, want ET_REL", f.Type)
		}
		ok := false
		for _, a := range accepted {
			ok = ok || f.OSABI == a
		}
		if !ok {
			bad("ELF OSABI %s not accepted for %s (want one of %v)", f.OSABI, obj.GOOS, accepted)
		} else if obj.GOOS == "freebsd" {
			if f.OSABI == elf.ELFOSABI_FREEBSD {
				r.Details = append(r.Details, "OSABI is ELFOSABI_FREEBSD (as clang/zig set it for freebsd targets)")
			} else {
				r.Details = append(r.Details, "OSABI is ELFOSABI_NONE (System V), accepted: the linkers do not require FreeBSD's")
			}
		}
	}
	if len(problems) > 0 {
		r.Details = append(r.Details, problems...)
		return r.fail(fmt.Sprintf("wrong format for %s: %s", obj.GOOS, problems[0]))
	}
	r.Status = Passed
	r.Summary = desc
	r.Proved = "file headers have the container format, machine and object type " + obj.GOOS + "/amd64 linking expects"
	r.Unproved = "that the target system's linker accepts every section and relocation in it; nothing here links or runs a " + obj.GOOS + " object"
	return r
}

// fail marks r failed with summary s.
func (r Result) fail(s string) Result {
	r.Status = Failed
	r.Summary = s
	return r
}

// dysymtabProblems checks the Mach-O LC_DYSYMTAB against the symbol table:
// Go's racebuild re-links darwin objects with `ld -r` because a malformed
// one broke Apple's linker (Go issues 61229, 75274). Well-formed means: the
// local, external-defined and undefined ranges are contiguous, cover the
// symbol table exactly, and each symbol lies in the range of its kind.
func dysymtabProblems(f *macho.File) []string {
	d, st := f.Dysymtab, f.Symtab
	if d == nil || st == nil {
		return nil // nothing to be malformed (Go's shipped object has none)
	}
	var out []string
	n := uint32(len(st.Syms))
	if d.Ilocalsym != 0 || d.Iextdefsym != d.Ilocalsym+d.Nlocalsym || d.Iundefsym != d.Iextdefsym+d.Nextdefsym || d.Iundefsym+d.Nundefsym != n {
		out = append(out, fmt.Sprintf("LC_DYSYMTAB ranges local %d+%d, extdef %d+%d, undef %d+%d do not tile the %d symbols",
			d.Ilocalsym, d.Nlocalsym, d.Iextdefsym, d.Nextdefsym, d.Iundefsym, d.Nundefsym, n))
		return out
	}
	const nExt, nTypeMask, nUndf = 0x01, 0x0e, 0x00
	for i, s := range st.Syms {
		ext, undef := s.Type&nExt != 0, s.Type&nTypeMask == nUndf
		var want string
		switch idx := uint32(i); {
		case idx < d.Iextdefsym:
			if ext {
				want = "local"
			}
		case idx < d.Iundefsym:
			if !ext || undef {
				want = "external defined"
			}
		default:
			if !ext || !undef {
				want = "undefined"
			}
		}
		if want != "" {
			out = append(out, fmt.Sprintf("LC_DYSYMTAB puts symbol %d (%s) in the %s range", i, s.Name, want))
			break
		}
	}
	return out
}
