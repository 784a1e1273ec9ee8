#pragma once
/// A bounded ELF32/ELF64 (either byte order) reader for relocatable kernel modules. Normalises
/// class and byte order once (bloaty's mungers): callers see one set of 64-bit structs.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "read/elf/source.hpp"
#include "util/result.hpp"

namespace ofsck::read::elf {

inline constexpr uint32_t kShtNull = 0, kShtProgbits = 1, kShtSymtab = 2, kShtStrtab = 3,
                          kShtRela = 4, kShtNobits = 8, kShtRel = 9, kShtSymtabShndx = 18;
inline constexpr uint32_t kShnUndef = 0, kShnLoreserve = 0xff00, kShnAbs = 0xfff1,
                          kShnCommon = 0xfff2, kShnXindex = 0xffff;
inline constexpr uint8_t kStbLocal = 0, kStbGlobal = 1, kStbWeak = 2;
inline constexpr uint8_t kSttSection = 3;
inline constexpr uint8_t kSttRegister = 13;  ///< SPARC: global register reservation (not a symbol)
inline constexpr uint64_t kShfAlloc = 0x2, kShfExecinstr = 0x4;
inline constexpr uint16_t kEmSparc = 2, kEmSparcv9 = 43;

/// One section header, normalised to 64-bit fields, plus its resolved name.
struct Section {
  uint32_t index = 0;
  std::string_view name;  ///< from .shstrtab; empty if sh_name is out of range
  uint32_t name_off = 0, type = 0, link = 0, info = 0;
  uint64_t flags = 0, addr = 0, offset = 0, size = 0, addralign = 0, entsize = 0;
};

/// One .symtab entry with SHN_XINDEX already resolved through .symtab_shndx.
struct Symbol {
  std::string_view name;
  uint64_t value = 0, size = 0;
  uint32_t shndx = 0;  ///< real section index (or SHN_ABS/SHN_COMMON/SHN_UNDEF)
  uint8_t bind = 0, type = 0, other = 0;
};

/// One REL or RELA entry. For REL, `addend` is 0 and has_addend false: the implicit addend
/// lives in the relocated bytes (read it with the field width you expect).
struct Reloc {
  uint64_t offset = 0;
  uint32_t sym = 0, type = 0;
  int64_t addend = 0;
  bool has_addend = false;
};

class ElfFile {
 public:
  /// Parses the ELF header and section header table from `src` (which must outlive the
  /// ElfFile) and validates every section's file range (kernel elf_validity_check order).
  [[nodiscard]] static Result<ElfFile> parse(ByteSource& src);

  bool is64() const { return is64_; }
  bool big_endian() const { return be_; }
  uint16_t type() const { return e_type_; }
  uint16_t machine() const { return e_machine_; }
  uint32_t word_size() const { return is64_ ? 8 : 4; }
  const std::string& path() const { return src_->path(); }
  uint64_t file_size() const { return src_->size(); }
  const std::vector<Section>& sections() const { return sections_; }

  /// First section with this exact name.
  [[nodiscard]] const Section* find(std::string_view name) const;
  /// First section with this exact name that has SHF_ALLOC: the kernel's find_sec(), which
  /// does not see unallocated sections.
  [[nodiscard]] const Section* find_alloc(std::string_view name) const;
  /// Number of sections with this name.
  [[nodiscard]] uint32_t count(std::string_view name) const;
  /// First section of a type.
  [[nodiscard]] const Section* find_type(uint32_t type) const;

  /// Contents of a section (empty for SHT_NOBITS). Range was validated by parse().
  [[nodiscard]] Result<std::span<const std::byte>> data(const Section& s);
  /// Raw bytes of the file at [off, off+len).
  [[nodiscard]] Result<std::span<const std::byte>> bytes(uint64_t off, uint64_t len,
                                                         std::string_view what) {
    return src_->read(off, len, what);
  }

  /// Decodes the symbol table `symtab` (names from its sh_link string table).
  [[nodiscard]] Result<std::vector<Symbol>> symbols(const Section& symtab);
  /// Decodes a SHT_REL or SHT_RELA section.
  [[nodiscard]] Result<std::vector<Reloc>> relocs(const Section& rel);

  /// An Error naming this file, section `s` (index and name) and an offset in hex.
  [[nodiscard]] tl::unexpected<Error> error(ErrorCode code, const Section* s, uint64_t offset,
                                            const std::string& msg) const;
  /// "section [7] `__versions`"
  [[nodiscard]] static std::string describe(const Section& s);

 private:
  explicit ElfFile(ByteSource& src) : src_(&src) {}
  /// parse()'s steps after the ELF header, in this order: `shnum` section headers from `tab`
  /// (read at `shoff`); their names from section `shstrndx` (SHT_STRTAB, NUL-terminated); every
  /// section's data inside the file, none overlapping another or the headers.
  /// Where the ELF header puts the section header table (count and string table index as
  /// the header gives them: section 0 may replace both).
  struct ShdrTable {
    uint64_t shoff = 0, shnum = 0;
    uint32_t shstrndx = 0;
  };
  /// parse()'s steps, in the kernel's (and LLVM's) order: e_ident, the header, the section
  /// header table.
  [[nodiscard]] Result<void> read_ident();
  [[nodiscard]] Result<ShdrTable> read_header();
  [[nodiscard]] Result<void> read_sections(ShdrTable t);
  [[nodiscard]] Result<void> read_section_table(std::span<const std::byte> tab, uint64_t shnum,
                                                uint64_t shoff);
  [[nodiscard]] Result<void> name_sections(uint32_t shstrndx);
  /// A table section's sh_entsize is `ent` and its sh_size a multiple of it.
  [[nodiscard]] Result<void> check_entries(const Section& s, uint64_t ent) const;
  [[nodiscard]] Result<void> check_layout(uint64_t shoff, uint64_t table_end) const;
  ByteSource* src_;
  bool is64_ = true, be_ = false;
  uint16_t e_type_ = 0, e_machine_ = 0;
  std::vector<Section> sections_;
};

}  // namespace ofsck::read::elf
