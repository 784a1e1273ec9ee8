#include "read/elf/elf_file.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "read/byte_reader.hpp"

namespace ofsck::read::elf {
namespace {
constexpr uint64_t kEhdrSize64 = 64, kEhdrSize32 = 52;
constexpr uint64_t kShdrSize64 = 64, kShdrSize32 = 40;
}  // namespace

std::string ElfFile::describe(const Section& s) {
  return fmt::format("section [{}] `{}`", s.index, s.name);
}

tl::unexpected<Error> ElfFile::error(ErrorCode code, const Section* s, uint64_t offset,
                                     const std::string& msg) const {
  SourceRef where{path()};
  where.offset = offset;
  if (s) where.section = std::string(s->name);
  std::string text = s ? describe(*s) + ": " + msg : msg;
  return make_error(code, std::move(text), std::move(where));
}

Result<ElfFile> ElfFile::parse(ByteSource& src) {
  ElfFile f(src);
  if (Result<void> i = f.read_ident(); !i) return tl::unexpected(i.error());
  Result<ShdrTable> tab_or = f.read_header();
  if (!tab_or) return tl::unexpected(tab_or.error());
  if (tab_or->shoff == 0) return f;  // no sections at all: valid ELF, nothing to read
  if (Result<void> s = f.read_sections(*tab_or); !s) return tl::unexpected(s.error());
  return f;
}

Result<void> ElfFile::read_ident() {
  Result<std::span<const std::byte>> ident_or = src_->read(0, 16, "ELF identification");
  if (!ident_or)
    return error(ErrorCode::kTruncated, nullptr, 0,
                 fmt::format("file is 0x{:x} bytes, too small for an ELF header", src_->size()));
  std::span<const std::byte> ident = *ident_or;
  if (ident[0] != std::byte{0x7f} || ident[1] != std::byte{'E'} || ident[2] != std::byte{'L'} ||
      ident[3] != std::byte{'F'})
    return error(ErrorCode::kMalformed, nullptr, 0, "not an ELF file (bad magic)");
  uint8_t cls = static_cast<uint8_t>(ident[4]), data = static_cast<uint8_t>(ident[5]);
  if (cls != 1 && cls != 2)
    return error(ErrorCode::kMalformed, nullptr, 4,
                 fmt::format("invalid ELF class {} (expected 1 or 2)", cls));
  if (data != 1 && data != 2)
    return error(ErrorCode::kMalformed, nullptr, 5,
                 fmt::format("invalid ELF data encoding {} (expected 1 or 2)", data));
  is64_ = cls == 2;
  be_ = data == 2;
  return {};
}

Result<ElfFile::ShdrTable> ElfFile::read_header() {
  uint64_t ehsize = is64_ ? kEhdrSize64 : kEhdrSize32;
  Result<std::span<const std::byte>> eh_or = src_->read(0, ehsize, "ELF header");
  if (!eh_or)
    return error(ErrorCode::kTruncated, nullptr, 0,
                 fmt::format("file is 0x{:x} bytes, too small for the 0x{:x}-byte "
                             "ELF header",
                             src_->size(), ehsize));
  ByteReader r(*eh_or, be_);
  r.skip(16);
  e_type_ = r.read_u16();
  e_machine_ = r.read_u16();
  r.read_u32();        // e_version
  r.read_word(is64_);  // e_entry
  r.read_word(is64_);  // e_phoff
  ShdrTable t;
  t.shoff = r.read_word(is64_);
  r.skip(4 + 2 + 2 + 2);  // e_flags, e_ehsize, e_phentsize, e_phnum
  uint16_t shentsize = r.read_u16();
  t.shnum = r.read_u16();
  t.shstrndx = r.read_u16();
  if (!r.ok())
    return error(ErrorCode::kTruncated, nullptr, r.error_offset(), "truncated ELF header");

  if (t.shoff == 0) {
    if (t.shnum != 0)
      return error(ErrorCode::kMalformed, nullptr, SourceRef::kNoOffset,
                   fmt::format("e_shoff is 0 but e_shnum is {}", t.shnum));
    return t;
  }
  uint64_t want_shent = is64_ ? kShdrSize64 : kShdrSize32;
  if (shentsize != want_shent)
    return error(ErrorCode::kMalformed, nullptr, SourceRef::kNoOffset,
                 fmt::format("invalid e_shentsize: expected 0x{:x}, found 0x{:x}", want_shent,
                             shentsize));
  return t;
}

Result<void> ElfFile::read_sections(ShdrTable t) {
  uint64_t want_shent = is64_ ? kShdrSize64 : kShdrSize32;
  // Section 0 holds the real count/strndx when they do not fit (SHN_XINDEX escapes).
  Result<std::span<const std::byte>> sh0_or = src_->read(t.shoff, want_shent, "section header [0]");
  if (!sh0_or)
    return error(ErrorCode::kTruncated, nullptr, t.shoff,
                 fmt::format("section header table at 0x{:x} is past the end of the file "
                             "(size 0x{:x})",
                             t.shoff, src_->size()));
  {
    ByteReader r0(*sh0_or, be_);
    r0.skip(is64_ ? 32 : 20);  // name,type,flags,addr,offset
    uint64_t size0 = r0.read_word(is64_);
    uint32_t link0 = r0.read_u32();
    if (t.shnum == 0) t.shnum = size0;
    if (t.shstrndx == kShnXindex) t.shstrndx = link0;
  }
  uint64_t table_size, table_end;
  if (!checked_mul(t.shnum, want_shent, table_size) ||
      !checked_add(t.shoff, table_size, table_end) || table_end > src_->size())
    return error(ErrorCode::kTruncated, nullptr, t.shoff,
                 fmt::format("section header table (0x{:x} entries of 0x{:x} bytes at 0x{:x}) "
                             "extends past the end of the file (size 0x{:x})",
                             t.shnum, want_shent, t.shoff, src_->size()));
  Result<std::span<const std::byte>> tab_or =
      src_->read(t.shoff, table_size, "section header table");
  if (!tab_or) return tl::unexpected(tab_or.error());
  if (Result<void> rs = read_section_table(*tab_or, t.shnum, t.shoff); !rs)
    return tl::unexpected(rs.error());
  if (t.shnum > 0) {
    if (Result<void> n = name_sections(t.shstrndx); !n) return tl::unexpected(n.error());
  }
  return check_layout(t.shoff, table_end);
}

Result<void> ElfFile::read_section_table(std::span<const std::byte> tab, uint64_t shnum,
                                         uint64_t shoff) {
  ByteReader t(tab, be_);
  sections_.resize(shnum);
  for (uint64_t i = 0; i < shnum; ++i) {
    Section& s = sections_[i];
    s.index = static_cast<uint32_t>(i);
    s.name_off = t.read_u32();
    s.type = t.read_u32();
    s.flags = t.read_word(is64_);
    s.addr = t.read_word(is64_);
    s.offset = t.read_word(is64_);
    s.size = t.read_word(is64_);
    s.link = t.read_u32();
    s.info = t.read_u32();
    s.addralign = t.read_word(is64_);
    s.entsize = t.read_word(is64_);
  }
  if (!t.ok())
    return error(ErrorCode::kTruncated, nullptr, shoff + t.error_offset(),
                 "truncated section header table");
  return {};
}

Result<void> ElfFile::name_sections(uint32_t shstrndx) {
  if (shstrndx >= sections_.size())
    return error(ErrorCode::kMalformed, nullptr, SourceRef::kNoOffset,
                 fmt::format("e_shstrndx {} is not a valid section index (e_shnum {})", shstrndx,
                             sections_.size()));
  Section& strs = sections_[shstrndx];
  if (strs.type != kShtStrtab)
    return error(ErrorCode::kMalformed, &strs, strs.offset,
                 fmt::format("section name table has type {} (expected SHT_STRTAB)", strs.type));
  Result<std::span<const std::byte>> names_or = data(strs);
  if (!names_or) return tl::unexpected(names_or.error());
  std::span<const std::byte> names = *names_or;
  if (names.empty() || names.back() != std::byte{0})
    return error(ErrorCode::kMalformed, &strs, strs.offset,
                 "section name string table is empty or not NUL-terminated");
  for (Section& s : sections_) {
    if (s.name_off >= names.size()) continue;  // stays "": never matches a wanted name
    s.name = std::string_view(reinterpret_cast<const char*>(names.data()) + s.name_off);
  }
  return {};
}

Result<void> ElfFile::check_layout(uint64_t shoff, uint64_t table_end) const {
  // Like the kernel's elf_validity_cache_sechdrs: every non-NOBITS section must lie inside
  // the file. kmod silently ignores bad ones; we refuse the file (and say where).
  struct Span {
    uint64_t off, end;
    uint32_t idx;
  };
  std::vector<Span> spans;
  spans.reserve(sections_.size() + 2);
  spans.push_back({0, is64_ ? kEhdrSize64 : kEhdrSize32, UINT32_MAX});
  spans.push_back({shoff, table_end, UINT32_MAX - 1});
  for (uint64_t i = 1; i < sections_.size(); ++i) {
    const Section& s = sections_[i];
    if (s.type == kShtNobits || s.type == kShtNull || s.size == 0) continue;
    uint64_t end;
    if (!checked_add(s.offset, s.size, end) || end > src_->size())
      return error(ErrorCode::kTruncated, &s, s.offset,
                   fmt::format("section data [0x{:x}, 0x{:x}+0x{:x}) extends past the end of "
                               "the file (size 0x{:x})",
                               s.offset, s.offset, s.size, src_->size()));
    spans.push_back({s.offset, end, s.index});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.off < b.off; });
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].off < spans[i - 1].end) {
      auto name = [&](uint32_t idx) {
        if (idx == UINT32_MAX) return std::string("ELF header");
        if (idx == UINT32_MAX - 1) return std::string("section header table");
        return fmt::format("section [{}]", idx);
      };
      return error(ErrorCode::kMalformed, nullptr, spans[i].off,
                   fmt::format("{} at 0x{:x} overlaps {} ending at 0x{:x}", name(spans[i].idx),
                               spans[i].off, name(spans[i - 1].idx), spans[i - 1].end));
    }
  }
  return {};
}

const Section* ElfFile::find(std::string_view name) const {
  for (const Section& s : sections_)
    if (s.name == name && s.index != 0) return &s;
  return nullptr;
}

const Section* ElfFile::find_alloc(std::string_view name) const {
  for (const Section& s : sections_)
    if ((s.flags & kShfAlloc) && s.name == name && s.index != 0) return &s;
  return nullptr;
}

uint32_t ElfFile::count(std::string_view name) const {
  uint32_t n = 0;
  for (const Section& s : sections_)
    if (s.name == name && s.index != 0) ++n;
  return n;
}

const Section* ElfFile::find_type(uint32_t type) const {
  for (const Section& s : sections_)
    if (s.type == type && s.index != 0) return &s;
  return nullptr;
}

Result<std::span<const std::byte>> ElfFile::data(const Section& s) {
  if (s.type == kShtNobits || s.size == 0) return std::span<const std::byte>();
  // Label only: the error below re-describes the section, so no per-call formatting here.
  Result<std::span<const std::byte>> d = src_->read(s.offset, s.size, "section data");
  if (!d) return error(ErrorCode::kTruncated, &s, s.offset, d.error().message);
  return d;
}

Result<void> ElfFile::check_entries(const Section& s, uint64_t ent) const {
  // LLVM order: entsize, size % entsize, range (validated by parse()).
  if (s.entsize != ent)
    return error(ErrorCode::kMalformed, &s, s.offset,
                 fmt::format("invalid sh_entsize: expected 0x{:x}, found 0x{:x}", ent, s.entsize));
  if (s.size % ent != 0)
    return error(ErrorCode::kMalformed, &s, s.offset,
                 fmt::format("sh_size 0x{:x} is not a multiple of sh_entsize 0x{:x}", s.size, ent));
  return {};
}

Result<std::vector<Symbol>> ElfFile::symbols(const Section& symtab) {
  uint64_t ent = is64_ ? 24 : 16;
  if (Result<void> e = check_entries(symtab, ent); !e) return tl::unexpected(e.error());
  if (symtab.link == 0 || symtab.link >= sections_.size())
    return error(ErrorCode::kMalformed, &symtab, symtab.offset,
                 fmt::format("sh_link {} is not a valid string table index", symtab.link));
  const Section& strtab = sections_[symtab.link];
  if (strtab.type != kShtStrtab)
    return error(ErrorCode::kMalformed, &strtab, strtab.offset,
                 "symbol string table is not SHT_STRTAB");
  Result<std::span<const std::byte>> sym_or = data(symtab);
  if (!sym_or) return tl::unexpected(sym_or.error());
  Result<std::span<const std::byte>> str_or = data(strtab);
  if (!str_or) return tl::unexpected(str_or.error());
  std::span<const std::byte> strs = *str_or;
  if (!strs.empty() && strs.back() != std::byte{0})
    return error(ErrorCode::kMalformed, &strtab, strtab.offset + strtab.size - 1,
                 "string table is not NUL-terminated");
  // SHN_XINDEX escapes: a SHT_SYMTAB_SHNDX section linked to this symtab.
  std::span<const std::byte> xindex;
  for (const Section& s : sections_) {
    if (s.type == kShtSymtabShndx && s.link == symtab.index) {
      Result<std::span<const std::byte>> x_or = data(s);
      if (!x_or) return tl::unexpected(x_or.error());
      xindex = *x_or;
      break;
    }
  }
  uint64_t n = symtab.size / ent;
  std::vector<Symbol> out(n);
  ByteReader r(*sym_or, be_);
  for (uint64_t i = 0; i < n; ++i) {
    Symbol& s = out[i];
    uint32_t name_off = r.read_u32();
    uint16_t shndx;
    uint8_t info;
    if (is64_) {
      info = r.read_u8();
      s.other = r.read_u8();
      shndx = r.read_u16();
      s.value = r.read_u64();
      s.size = r.read_u64();
    } else {
      s.value = r.read_u32();
      s.size = r.read_u32();
      info = r.read_u8();
      s.other = r.read_u8();
      shndx = r.read_u16();
    }
    s.bind = info >> 4;
    s.type = info & 0xf;
    s.shndx = shndx;
    if (shndx == kShnXindex) {
      uint64_t xo = i * 4;
      if (xo + 4 > xindex.size())
        return error(ErrorCode::kMalformed, &symtab, symtab.offset + i * ent,
                     fmt::format("symbol {} uses SHN_XINDEX but there is no .symtab_shndx entry",
                                 i));
      s.shndx = load_int<uint32_t>(xindex.data() + xo, be_);
    }
    if (name_off >= strs.size()) {
      if (name_off != 0)
        return error(ErrorCode::kMalformed, &symtab, symtab.offset + i * ent,
                     fmt::format("symbol {} name offset 0x{:x} is past the string table (size "
                                 "0x{:x})",
                                 i, name_off, strs.size()));
    } else {
      s.name = std::string_view(reinterpret_cast<const char*>(strs.data()) + name_off);
    }
  }
  return out;
}

Result<std::vector<Reloc>> ElfFile::relocs(const Section& rel) {
  bool rela = rel.type == kShtRela;
  uint64_t ent = is64_ ? (rela ? 24 : 16) : (rela ? 12 : 8);
  if (Result<void> e = check_entries(rel, ent); !e) return tl::unexpected(e.error());
  Result<std::span<const std::byte>> d_or = data(rel);
  if (!d_or) return tl::unexpected(d_or.error());
  uint64_t n = rel.size / ent;
  std::vector<Reloc> out(n);
  ByteReader r(*d_or, be_);
  for (uint64_t i = 0; i < n; ++i) {
    Reloc& x = out[i];
    x.offset = r.read_word(is64_);
    uint64_t info = r.read_word(is64_);
    if (is64_) {
      x.sym = static_cast<uint32_t>(info >> 32);
      x.type = static_cast<uint32_t>(info & 0xffffffff);
    } else {
      x.sym = static_cast<uint32_t>(info >> 8);
      x.type = static_cast<uint32_t>(info & 0xff);
    }
    if (rela) {
      x.has_addend = true;
      x.addend = is64_ ? static_cast<int64_t>(r.read_u64())
                       : static_cast<int64_t>(static_cast<int32_t>(r.read_u32()));
    }
  }
  return out;
}

}  // namespace ofsck::read::elf
