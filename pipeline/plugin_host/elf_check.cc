#include "pipeline/plugin_host/elf_check.h"

#include <elf.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace riskflow::plugin_host {
namespace {

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#else
#error "riskflow: set kHostMachine (e_machine) for this architecture"
#endif

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the ELF check reads little-endian fields in host order");

absl::Status Bad(absl::string_view why) {
  return absl::FailedPreconditionError(why);
}

// [offset, offset + count * entry_size) lies inside a file of `size` bytes,
// computed without overflow for any input.
bool TableInFile(uint64_t size, uint64_t offset, uint64_t count,
                 uint64_t entry_size) {
  if (offset > size) return false;
  if (entry_size == 0) return true;
  return count <= (size - offset) / entry_size;
}

bool RangeInFile(uint64_t size, uint64_t offset, uint64_t length) {
  return offset <= size && length <= size - offset;
}

// Copies a T from a bounds-checked offset; memcpy, because nothing promises
// the image (or a hostile offset) is aligned for T.
template <typename T>
T Read(absl::string_view image, uint64_t offset) {
  T value;
  std::memcpy(&value, image.data() + offset, sizeof(T));
  return value;
}

const char* TypeName(uint16_t type) {
  switch (type) {
    case ET_NONE:
      return "no file type";
    case ET_REL:
      return "a relocatable object (.o)";
    case ET_EXEC:
      return "an executable";
    case ET_CORE:
      return "a core dump";
    default:
      return "an unknown ELF type";
  }
}

absl::Status CheckHeader(const Elf64_Ehdr& h, uint64_t size) {
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0) {
    return Bad("not an ELF file (bad magic number)");
  }
  if (h.e_ident[EI_CLASS] != ELFCLASS64) {
    return Bad(absl::StrCat("ELF class ", h.e_ident[EI_CLASS],
                            " is not ELF64, which this host needs"));
  }
  if (h.e_ident[EI_DATA] != ELFDATA2LSB) {
    return Bad("not little-endian, as this host is");
  }
  if (h.e_ident[EI_VERSION] != EV_CURRENT || h.e_version != EV_CURRENT) {
    return Bad("unknown ELF version");
  }
  if (h.e_type != ET_DYN) {
    return Bad(absl::StrCat("not a shared library (ELF type ", h.e_type,
                            ": ", TypeName(h.e_type), ")"));
  }
  if (h.e_machine != kHostMachine) {
    return Bad(absl::StrCat("built for ELF machine ", h.e_machine,
                            ", this host is machine ", kHostMachine));
  }
  if (h.e_ehsize != sizeof(Elf64_Ehdr)) {
    return Bad(absl::StrCat("ELF header size ", h.e_ehsize, " is not ",
                            sizeof(Elf64_Ehdr)));
  }
  if (h.e_phentsize != sizeof(Elf64_Phdr) || h.e_phnum == 0 ||
      h.e_phnum == PN_XNUM) {
    return Bad(absl::StrCat("malformed program header table (",
                            h.e_phnum, " entries of ", h.e_phentsize,
                            " bytes)"));
  }
  if (!TableInFile(size, h.e_phoff, h.e_phnum, sizeof(Elf64_Phdr))) {
    return Bad(absl::StrCat("program header table (", h.e_phnum,
                            " entries at offset ", h.e_phoff,
                            ") runs past the end of the file (", size,
                            " bytes): truncated?"));
  }
  if (h.e_shoff == 0 || h.e_shnum == 0) {
    return Bad("no section header table (stripped with sstrip?); cannot "
               "find .dynsym");
  }
  if (h.e_shentsize != sizeof(Elf64_Shdr)) {
    return Bad(absl::StrCat("section header entry size ", h.e_shentsize,
                            " is not ", sizeof(Elf64_Shdr)));
  }
  if (!TableInFile(size, h.e_shoff, h.e_shnum, sizeof(Elf64_Shdr))) {
    return Bad(absl::StrCat("section header table (", h.e_shnum,
                            " entries at offset ", h.e_shoff,
                            ") runs past the end of the file (", size,
                            " bytes): truncated?"));
  }
  return absl::OkStatus();
}

// Every segment's file bytes must exist: the loader maps PT_LOAD segments
// and reads PT_DYNAMIC, and a page mapped past the end of the file is
// SIGBUS on first touch.
absl::Status CheckSegments(absl::string_view image, const Elf64_Ehdr& h) {
  const uint64_t size = image.size();
  int loads = 0;
  int dynamics = 0;
  for (uint16_t i = 0; i < h.e_phnum; ++i) {
    const auto ph =
        Read<Elf64_Phdr>(image, h.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr));
    if (!RangeInFile(size, ph.p_offset, ph.p_filesz)) {
      return Bad(absl::StrCat("segment #", i, " (type ", ph.p_type,
                              ", offset ", ph.p_offset, ", ", ph.p_filesz,
                              " bytes) runs past the end of the file (", size,
                              " bytes): truncated?"));
    }
    if (ph.p_type == PT_LOAD) {
      ++loads;
      if (ph.p_filesz > ph.p_memsz) {
        return Bad(absl::StrCat("loadable segment #", i,
                                " has more file bytes than memory bytes"));
      }
    } else if (ph.p_type == PT_DYNAMIC) {
      ++dynamics;
    }
  }
  if (loads == 0) return Bad("no loadable (PT_LOAD) segment");
  if (dynamics != 1) {
    return Bad(absl::StrCat("expected one PT_DYNAMIC segment, found ",
                            dynamics));
  }
  return absl::OkStatus();
}

absl::Status CheckSection(const Elf64_Shdr& s, uint64_t size,
                          const char* what) {
  if (s.sh_type != SHT_NOBITS && !RangeInFile(size, s.sh_offset, s.sh_size)) {
    return Bad(absl::StrCat(what, " (offset ", s.sh_offset, ", ", s.sh_size,
                            " bytes) runs past the end of the file (", size,
                            " bytes): truncated?"));
  }
  return absl::OkStatus();
}

// Looks `entry_symbol` up in .dynsym: present, defined, a function, and
// visible to dlsym() (global or weak binding).
absl::Status CheckEntrySymbol(absl::string_view image, const Elf64_Ehdr& h,
                              absl::string_view entry_symbol) {
  const uint64_t size = image.size();
  auto section = [&](uint16_t index) {
    return Read<Elf64_Shdr>(
        image, h.e_shoff + uint64_t{index} * sizeof(Elf64_Shdr));
  };
  bool have_dynsym = false;
  for (uint16_t i = 0; i < h.e_shnum; ++i) {
    const Elf64_Shdr symtab = section(i);
    if (symtab.sh_type != SHT_DYNSYM) continue;
    have_dynsym = true;
    if (auto s = CheckSection(symtab, size, ".dynsym"); !s.ok()) return s;
    if (symtab.sh_entsize != sizeof(Elf64_Sym) ||
        symtab.sh_size % sizeof(Elf64_Sym) != 0) {
      return Bad(absl::StrCat(".dynsym entry size ", symtab.sh_entsize,
                              " or size ", symtab.sh_size, " is malformed"));
    }
    if (symtab.sh_link == 0 || symtab.sh_link >= h.e_shnum) {
      return Bad(absl::StrCat(".dynsym links to section ", symtab.sh_link,
                              " of ", h.e_shnum));
    }
    const Elf64_Shdr strtab = section(static_cast<uint16_t>(symtab.sh_link));
    if (strtab.sh_type != SHT_STRTAB) {
      return Bad(".dynsym's string table is not a string table");
    }
    if (auto s = CheckSection(strtab, size, ".dynstr"); !s.ok()) return s;
    const absl::string_view strings = image.substr(strtab.sh_offset,
                                                  strtab.sh_size);
    const uint64_t count = symtab.sh_size / sizeof(Elf64_Sym);
    for (uint64_t k = 0; k < count; ++k) {
      const auto sym =
          Read<Elf64_Sym>(image, symtab.sh_offset + k * sizeof(Elf64_Sym));
      if (sym.st_name >= strings.size()) continue;
      const absl::string_view rest = strings.substr(sym.st_name);
      const size_t end = rest.find('\0');
      if (end == absl::string_view::npos) {
        return Bad(absl::StrCat(".dynstr: symbol #", k,
                                "'s name is not terminated"));
      }
      if (rest.substr(0, end) != entry_symbol) continue;
      if (sym.st_shndx == SHN_UNDEF) {
        return Bad(absl::StrCat("entry symbol ", entry_symbol,
                                " is undefined (imported, not exported)"));
      }
      const unsigned type = ELF64_ST_TYPE(sym.st_info);
      const unsigned bind = ELF64_ST_BIND(sym.st_info);
      if (type != STT_FUNC) {
        return Bad(absl::StrCat("entry symbol ", entry_symbol,
                                " is not a function (symbol type ", type,
                                ")"));
      }
      if (bind != STB_GLOBAL && bind != STB_WEAK) {
        return Bad(absl::StrCat("entry symbol ", entry_symbol,
                                " is not exported (binding ", bind, ")"));
      }
      return absl::OkStatus();
    }
  }
  if (!have_dynsym) return Bad("no .dynsym section (no exported symbols)");
  return Bad(absl::StrCat("missing entry symbol ", entry_symbol,
                          " in .dynsym (is it a riskflow detector built "
                          "with RISKFLOW_DETECTOR?)"));
}

}  // namespace

absl::Status CheckElfImage(absl::string_view image,
                           absl::string_view entry_symbol) {
  const uint64_t size = image.size();
  if (size < kMinPluginFileBytes || size < sizeof(Elf64_Ehdr)) {
    return Bad(absl::StrCat("file is ", size,
                            " bytes, smaller than an ELF header (",
                            sizeof(Elf64_Ehdr), "): truncated or empty"));
  }
  if (size > kMaxPluginFileBytes) {
    return Bad(absl::StrCat("file is ", size, " bytes, more than the ",
                            kMaxPluginFileBytes, " a plugin may have"));
  }
  const auto header = Read<Elf64_Ehdr>(image, 0);
  if (auto s = CheckHeader(header, size); !s.ok()) return s;
  if (auto s = CheckSegments(image, header); !s.ok()) return s;
  return CheckEntrySymbol(image, header, entry_symbol);
}

}  // namespace riskflow::plugin_host
