#include "read/elf/exports.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "read/byte_reader.hpp"

namespace ofsck::read::elf {
namespace {

constexpr uint16_t kEm386 = 3, kEmSparcv9 = 43, kEmPpc = 20, kEmPpc64 = 21, kEmS390 = 22,
                   kEmArm = 40, kEmX8664 = 62, kEmAarch64 = 183, kEmRiscv = 243, kEmLoongarch = 258;

/// Width in bytes of the field a data relocation patches, for the relocation types that
/// kernel export tables use (absolute and PC-relative 32/64-bit); 0 = unknown type.
uint32_t reloc_width(uint16_t machine, uint32_t type) {
  switch (machine) {
    case kEmX8664:
      if (type == 1 || type == 24) return 8;                // R_X86_64_64, PC64
      if (type == 2 || type == 10 || type == 11) return 4;  // PC32, 32, 32S
      break;
    case kEm386:
      if (type == 1 || type == 2) return 4;  // R_386_32, PC32
      break;
    case kEmAarch64:
      if (type == 257 || type == 260) return 8;  // ABS64, PREL64
      if (type == 258 || type == 261) return 4;  // ABS32, PREL32
      break;
    case kEmArm:
      if (type == 2 || type == 3) return 4;  // ABS32, REL32
      break;
    case kEmPpc64:
      if (type == 38 || type == 44) return 8;  // ADDR64, REL64
      if (type == 1 || type == 26) return 4;   // ADDR32, REL32
      break;
    case kEmPpc:
      if (type == 1 || type == 26) return 4;
      break;
    case kEmS390:
      if (type == 22 || type == 23) return 8;  // R_390_64, PC64
      if (type == 4 || type == 5) return 4;    // R_390_32, PC32
      break;
    case kEmSparcv9:
      if (type == 32 || type == 54) return 8;              // R_SPARC_64, UA64
      if (type == 3 || type == 6 || type == 23) return 4;  // R_SPARC_32, DISP32, UA32
      break;
    case kEmRiscv:
    case kEmLoongarch:
      if (type == 2) return 8;                              // R_*_64
      if (type == 1 || type == 57 || type == 99) return 4;  // R_*_32, 32_PCREL
      break;
    default: break;
  }
  return 0;
}

/// A relocated field's target: a place inside a section, or an absolute value.
struct Target {
  bool absolute = false;
  uint32_t section = 0;
  uint64_t value = 0;  ///< absolute value, or offset inside `section`
};

/// Relocations that apply to one section, by offset.
struct RelocIndex {
  const Section* rel_section = nullptr;
  std::vector<Reloc> relocs;  // sorted by offset
  const Reloc* at(uint64_t off) const {
    auto it = std::lower_bound(relocs.begin(), relocs.end(), off,
                               [](const Reloc& r, uint64_t o) { return r.offset < o; });
    return it != relocs.end() && it->offset == off ? &*it : nullptr;
  }
};

class Decoder {
 public:
  Decoder(ElfFile& f, const std::vector<Symbol>& syms) : f_(f), syms_(syms) {
    for (const Symbol& s : syms_)
      if (s.name.size() > 6 && s.name.compare(0, 6, "__crc_") == 0 && s.shndx != kShnUndef)
        crc_syms_.emplace(s.name.substr(6), &s);  // first definition wins
  }

  Result<RelocIndex> relocs_for(const Section& target) {
    RelocIndex idx;
    for (const Section& s : f_.sections()) {
      if ((s.type != kShtRela && s.type != kShtRel) || s.info != target.index) continue;
      if (s.link >= f_.sections().size() || f_.sections()[s.link].type != kShtSymtab)
        continue;  // relocations against a symtab other than .symtab are not ours
      Result<std::vector<Reloc>> r_or = f_.relocs(s);
      if (!r_or) return tl::unexpected(r_or.error());
      for (const Reloc& r : *r_or) {
        if (r.sym >= syms_.size())
          return f_.error(ErrorCode::kMalformed, &s, s.offset,
                          fmt::format("relocation at 0x{:x} refers to symbol {} but .symtab has "
                                      "{} entries",
                                      r.offset, r.sym, syms_.size()));
        idx.relocs.push_back(r);
      }
      idx.rel_section = &s;
    }
    std::stable_sort(idx.relocs.begin(), idx.relocs.end(),
                     [](const Reloc& a, const Reloc& b) { return a.offset < b.offset; });
    return idx;
  }

  /// S + A for a relocation in section `in` whose field is `width` bytes (REL: the implicit
  /// addend is the field's current contents, sign-extended for 4-byte fields).
  Result<std::optional<Target>> target(const Reloc& r, const Section& in,
                                       std::span<const std::byte> in_data, uint32_t width) {
    const Symbol& s = syms_[r.sym];
    int64_t addend = r.addend;
    if (!r.has_addend) {
      if (r.offset > in_data.size() || in_data.size() - r.offset < width)
        return f_.error(ErrorCode::kMalformed, &in, in.offset + r.offset,
                        "relocation offset outside the section");
      addend =
          width == 8
              ? static_cast<int64_t>(load_int<uint64_t>(in_data.data() + r.offset, f_.big_endian()))
              : static_cast<int64_t>(static_cast<int32_t>(
                    load_int<uint32_t>(in_data.data() + r.offset, f_.big_endian())));
    }
    Target t;
    if (s.shndx == kShnUndef) return std::optional<Target>();
    t.value = s.value + static_cast<uint64_t>(addend);
    if (s.shndx == kShnAbs) {
      t.absolute = true;
      return std::optional<Target>(t);
    }
    if (s.shndx >= f_.sections().size()) return std::optional<Target>();
    t.section = s.shndx;
    return std::optional<Target>(t);
  }

  /// NUL-terminated string at a target, or nullopt if it is not a valid place for one.
  Result<std::optional<std::string_view>> string_at(const Target& t) {
    if (t.absolute) return std::optional<std::string_view>();
    const Section& s = f_.sections()[t.section];
    if (s.type == kShtNobits || (s.flags & kShfExecinstr)) return std::optional<std::string_view>();
    Result<std::span<const std::byte>> d_or = f_.data(s);
    if (!d_or) return tl::unexpected(d_or.error());
    std::span<const std::byte> d = *d_or;
    if (t.value >= d.size()) return std::optional<std::string_view>();
    const char* p = reinterpret_cast<const char*>(d.data()) + t.value;
    const void* nul = std::memchr(p, 0, d.size() - t.value);
    if (!nul) return std::optional<std::string_view>();
    return std::optional<std::string_view>(
        std::string_view(p, static_cast<size_t>(static_cast<const char*>(nul) - p)));
  }

  /// u32 at a target inside a section (CRC words).
  Result<std::optional<uint32_t>> u32_at(const Target& t) {
    if (t.absolute) return std::optional<uint32_t>(static_cast<uint32_t>(t.value));
    const Section& s = f_.sections()[t.section];
    if (s.type == kShtNobits) return std::optional<uint32_t>();
    Result<std::span<const std::byte>> d_or = f_.data(s);
    if (!d_or) return tl::unexpected(d_or.error());
    if (t.value > d_or->size() || d_or->size() - t.value < 4)
      return f_.error(ErrorCode::kMalformed, &s, s.offset + t.value,
                      "CRC location is outside its section");
    return std::optional<uint32_t>(load_int<uint32_t>(d_or->data() + t.value, f_.big_endian()));
  }

  const Symbol* crc_symbol(std::string_view name) const {
    auto it = crc_syms_.find(name);
    return it == crc_syms_.end() ? nullptr : it->second;
  }

  ElfFile& f_;
  const std::vector<Symbol>& syms_;
  std::unordered_map<std::string_view, const Symbol*> crc_syms_;
};

bool identifier_like(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '$';
    if (!ok) return false;
  }
  return true;
}

struct Layout {
  uint32_t width = 4;   // bytes per field
  uint32_t fields = 3;  // value, name[, namespace]
  uint32_t entry() const { return width * fields; }
};

/// One export section being decoded: its entries, their relocations and layout, its
/// __kcrctab twin and (for __ksymtab on 7.x) the __kflagstab flags.
struct ExportSection {
  size_t index = 0;  ///< into kKsymtabSections
  std::string_view name;
  const Section* ks = nullptr;
  std::span<const std::byte> data;
  RelocIndex rel;
  Layout layout;
  uint64_t n = 0;  ///< entries
  const Section* kc = nullptr;
  std::span<const std::byte> kc_data;
  RelocIndex kc_rel;
  uint32_t crc_width = 0;  ///< bytes per __kcrctab entry
  std::span<const std::byte> flags;
};

/// What the decoded tables show of the export era (ExportTable::era).
struct EraEvidence {
  bool any_literal = false, any_reloc_crc = false, any_abs_crc_sym = false;
  uint32_t crc_width_seen = 0;
  std::optional<Layout> layout_seen;
};

/// Field width from the relocation types when they are known for this machine (0: unknown,
/// or types of both widths).
uint32_t known_width(uint16_t machine, const RelocIndex& rel) {
  uint32_t known = 0;
  for (const Reloc& r : rel.relocs) {
    uint32_t w = reloc_width(machine, r.type);
    if (w && !known) known = w;
    if (w && w != known) return 0;
  }
  return known;
}

/// Whether layout `l` fits `es`: an entry count that __kcrctab and __kflagstab agree with,
/// relocations on field boundaries, and every name an identifier string.
Result<bool> layout_fits(Decoder& dec, const ExportSection& es, Layout l, const Section* flagstab) {
  const ElfFile& f = dec.f_;
  if (es.ks->size % l.entry() != 0) return false;
  uint64_t n = es.ks->size / l.entry();
  if (es.kc && es.kc->size != 4 * n && es.kc->size != uint64_t{f.word_size()} * n) return false;
  if (flagstab && es.name == "__ksymtab" && flagstab->size != n) return false;
  for (const Reloc& r : es.rel.relocs) {
    uint64_t field = r.offset % l.entry();
    if (r.offset / l.entry() >= n || field % l.width != 0) return false;
  }
  // Every entry needs its value and name relocations.
  for (uint64_t i = 0; i < n; ++i)
    if (!es.rel.at(i * l.entry()) || !es.rel.at(i * l.entry() + l.width)) return false;
  // Names must be identifier strings in a non-code section.
  for (uint64_t i = 0; i < n; ++i) {
    Result<std::optional<Target>> t_or =
        dec.target(*es.rel.at(i * l.entry() + l.width), *es.ks, es.data, l.width);
    if (!t_or) return tl::unexpected(t_or.error());
    if (!*t_or) return false;
    Result<std::optional<std::string_view>> s_or = dec.string_at(**t_or);
    if (!s_or) return tl::unexpected(s_or.error());
    if (!*s_or || !identifier_like(**s_or)) return false;
  }
  return true;
}

/// The entry layout of `es`: each known layout is tried and those whose relocations fit and
/// whose names decode are kept.
Result<Layout> choose_layout(Decoder& dec, const ExportSection& es, const Section* flagstab,
                             int kernel_version) {
  ElfFile& f = dec.f_;
  const uint32_t known = known_width(f.machine(), es.rel);
  std::array<Layout, 4> cands;
  size_t ncands = 0;
  for (Layout l : {Layout{4, 3}, Layout{4, 2}, Layout{8, 3}, Layout{8, 2}}) {
    if (l.width == 8 && !f.is64()) continue;
    if (known && l.width != known) continue;
    Result<bool> fits_or = layout_fits(dec, es, l, flagstab);
    if (!fits_or) return tl::unexpected(fits_or.error());
    if (*fits_or) cands[ncands++] = l;
  }
  if (ncands == 0)
    return f.error(ErrorCode::kMalformed, es.ks, es.ks->offset,
                   fmt::format("size 0x{:x} and its {} relocations fit no known export entry "
                               "layout (8/12-byte PREL32 or 2/3-pointer absolute)",
                               es.ks->size, es.rel.relocs.size()));
  // Tie-break with the kernel version: 5.4+ has the namespace field, 4.19+ uses PREL32
  // on 64-bit; otherwise prefer the richer layout.
  if (ncands > 1 && kernel_version > 0) {
    uint32_t want_fields = kernel_version >= 504 ? 3 : 2;
    for (size_t i = 0; i < ncands; ++i)
      if (cands[i].fields == want_fields) return cands[i];
  }
  return cands[0];
}

/// The __kcrctab twin of `es` (its CRC words and their relocations) and, for __ksymtab, the
/// __kflagstab flags.
Result<void> open_crc_and_flags(Decoder& dec, const Section* flagstab, ExportSection& es) {
  ElfFile& f = dec.f_;
  if (es.kc) {
    Result<std::span<const std::byte>> d_or = f.data(*es.kc);
    if (!d_or) return tl::unexpected(d_or.error());
    es.kc_data = *d_or;
    es.crc_width = es.kc->size == 4 * es.n ? 4 : f.word_size();
    Result<RelocIndex> r_or = dec.relocs_for(*es.kc);
    if (!r_or) return tl::unexpected(r_or.error());
    es.kc_rel = std::move(*r_or);
  }
  if (flagstab && es.name == "__ksymtab") {
    Result<std::span<const std::byte>> d_or = f.data(*flagstab);
    if (!d_or) return tl::unexpected(d_or.error());
    es.flags = *d_or;
  }
  return {};
}

/// Reads export section kKsymtabSections[sec_i] into `es`, ready for decode_entry(). False
/// when the section is absent or empty. Sets `has_kcrctab` when its __kcrctab twin exists.
Result<bool> open_section(Decoder& dec, size_t sec_i, const Section* flagstab, int kernel_version,
                          ExportSection& es, bool& has_kcrctab) {
  ElfFile& f = dec.f_;
  es.index = sec_i;
  es.name = kKsymtabSections[sec_i];
  es.kc = f.find(kcrctab_name(es.name));
  if (es.kc) has_kcrctab = true;
  es.ks = f.find(es.name);
  if (!es.ks || es.ks->size == 0) return false;
  if (es.ks->type == kShtNobits)
    return f.error(ErrorCode::kMalformed, es.ks, es.ks->offset, "export table is SHT_NOBITS");
  Result<std::span<const std::byte>> data_or = f.data(*es.ks);
  if (!data_or) return tl::unexpected(data_or.error());
  es.data = *data_or;
  Result<RelocIndex> rel_or = dec.relocs_for(*es.ks);
  if (!rel_or) return tl::unexpected(rel_or.error());
  es.rel = std::move(*rel_or);
  if (es.rel.relocs.empty())
    return f.error(ErrorCode::kMalformed, es.ks, es.ks->offset,
                   "export table has no relocation section; cannot decode entries");
  Result<Layout> layout_or = choose_layout(dec, es, flagstab, kernel_version);
  if (!layout_or) return tl::unexpected(layout_or.error());
  es.layout = *layout_or;
  es.n = es.ks->size / es.layout.entry();
  if (Result<void> c = open_crc_and_flags(dec, flagstab, es); !c) return tl::unexpected(c.error());
  return true;
}

/// The namespace field of the entry at `base` (3-field layouts), when it is relocated.
Result<void> read_namespace(Decoder& dec, const ExportSection& es, uint64_t base,
                            model::Export& e) {
  const Layout l = es.layout;
  const Reloc* nr = es.rel.at(base + 2 * uint64_t{l.width});
  if (!nr) return {};
  Result<std::optional<Target>> t = dec.target(*nr, *es.ks, es.data, l.width);
  if (!t) return tl::unexpected(t.error());
  if (!*t) return {};
  Result<std::optional<std::string_view>> ns = dec.string_at(**t);
  if (!ns) return tl::unexpected(ns.error());
  if (!*ns)
    return dec.f_.error(ErrorCode::kMalformed, es.ks, es.ks->offset + base + 2 * uint64_t{l.width},
                        fmt::format("namespace of export `{}` is not a string", e.name));
  e.ns = std::string(**ns);
  return {};
}

/// The CRC of export `e`, entry `i`: the __crc_<name> symbol when there is one (recipe B.5),
/// else the __kcrctab entry, relocated or literal.
Result<void> read_crc(Decoder& dec, const ExportSection& es, uint64_t i, model::Export& e,
                      EraEvidence& ev) {
  ElfFile& f = dec.f_;
  if (const Symbol* cs = dec.crc_symbol(e.name)) {
    if (cs->shndx == kShnAbs) {
      e.crc = static_cast<uint32_t>(cs->value);
      ev.any_abs_crc_sym = true;
    } else if (cs->shndx < f.sections().size()) {
      Target t;
      t.section = cs->shndx;
      t.value = cs->value;
      Result<std::optional<uint32_t>> c = dec.u32_at(t);
      if (!c) return tl::unexpected(c.error());
      e.crc = *c;
      if (es.kc && cs->shndx == es.kc->index) ev.any_literal = true;
    }
  }
  if (e.crc || !es.kc) return {};
  uint64_t off = i * es.crc_width;
  if (const Reloc* cr = es.kc_rel.at(off)) {
    ev.any_reloc_crc = true;
    Result<std::optional<Target>> t = dec.target(*cr, *es.kc, es.kc_data, es.crc_width);
    if (!t) return tl::unexpected(t.error());
    if (*t) {
      Result<std::optional<uint32_t>> c = dec.u32_at(**t);
      if (!c) return tl::unexpected(c.error());
      e.crc = *c;
    }
  } else if (off + es.crc_width <= es.kc_data.size()) {
    ev.any_literal = true;
    // Literal word in file byte order; only the low 32 bits are meaningful.
    e.crc = es.crc_width == 8
                ? static_cast<uint32_t>(load_int<uint64_t>(es.kc_data.data() + off, f.big_endian()))
                : load_int<uint32_t>(es.kc_data.data() + off, f.big_endian());
  }
  return {};
}

/// Entry `i` of `es`: its name, namespace, GPL-only flag and CRC.
Result<model::Export> decode_entry(Decoder& dec, const ExportSection& es, uint64_t i,
                                   EraEvidence& ev) {
  const Layout l = es.layout;
  uint64_t base = i * l.entry();
  model::Export e;
  e.section = static_cast<model::KsymtabSection>(es.index);
  Result<std::optional<Target>> nt =
      dec.target(*es.rel.at(base + l.width), *es.ks, es.data, l.width);
  if (!nt) return tl::unexpected(nt.error());
  Result<std::optional<std::string_view>> name_or = dec.string_at(**nt);
  if (!name_or) return tl::unexpected(name_or.error());
  e.name = std::string(**name_or);
  if (!e.name.empty() && e.name[0] == '.') e.name.erase(0, 1);
  if (l.fields == 3) {
    if (Result<void> ns = read_namespace(dec, es, base, e); !ns) return tl::unexpected(ns.error());
  }
  if (!es.flags.empty()) {
    e.gpl_only = (static_cast<uint8_t>(es.flags[i]) & 1) != 0;
  } else {
    e.gpl_only = es.name == "__ksymtab_gpl" || es.name == "__ksymtab_unused_gpl";
  }
  if (Result<void> c = read_crc(dec, es, i, e, ev); !c) return tl::unexpected(c.error());
  return e;
}

/// ExportTable::era once every table is decoded: "<era>: <entry layout>, <CRC form>".
std::string describe_era(const ExportTable& out, const EraEvidence& ev, bool is64,
                         int kernel_version) {
  if (!ev.layout_seen) return out.has_kcrctab ? "none (empty export tables)" : "none (no exports)";
  const Layout& l = *ev.layout_seen;
  std::string entry = l.width == 4 && is64
                          ? fmt::format("PREL32 {}-byte __ksymtab entries", l.entry())
                          : fmt::format("absolute {}-byte __ksymtab entries", l.entry());
  std::string crc;
  if (!out.has_kcrctab && !ev.any_abs_crc_sym) crc = "no modversions";
  else if (ev.any_literal) crc = "literal __kcrctab CRCs";
  else if (ev.crc_width_seen == 8 && is64) crc = "ulong __kcrctab → ABS __crc_ symbols";
  else if (ev.any_reloc_crc || ev.any_abs_crc_sym) crc = "u32 __kcrctab → ABS __crc_ symbols";
  else crc = "__kcrctab";
  const bool any_crc = ev.any_literal || ev.any_reloc_crc || ev.any_abs_crc_sym;
  std::string era;
  if (out.has_kflagstab) era = "E7 (7.x: single __ksymtab + __kflagstab)";
  else if (l.fields == 3 && ev.any_literal) era = "E4–E6 (5.19+)";
  else if (l.fields == 3 && any_crc) era = "E3 (5.4–5.18)";
  else if (l.fields == 3) {
    // Without CRCs E3 and E4–E6 look the same; vermagic's release decides.
    era = kernel_version >= 519   ? "E4–E6 (5.19+)"
          : kernel_version >= 504 ? "E3 (5.4–5.18)"
                                  : "E3–E6 (5.4+)";
  } else if (l.width == 4 && is64) era = "E2 (4.19–5.3)";
  else if (ev.crc_width_seen == 8 && is64) era = "E0 (≤4.9)";
  else if (ev.crc_width_seen == 4 && is64) era = "E1 (4.10–4.18)";
  else era = "E0–E2 (absolute entries)";
  return fmt::format("{}: {}, {}", era, entry, crc);
}

}  // namespace

std::string kcrctab_name(std::string_view ksymtab) {
  std::string n(ksymtab);
  n.replace(0, 9, "__kcrctab");
  return n;
}

Result<ExportTable> decode_exports(ElfFile& f, const std::vector<Symbol>& syms,
                                   int kernel_version) {
  ExportTable out;
  Decoder dec(f, syms);
  const Section* flagstab = f.find("__kflagstab");
  out.has_kflagstab = flagstab != nullptr;
  EraEvidence ev;
  for (size_t sec_i = 0; sec_i < std::size(kKsymtabSections); ++sec_i) {
    ExportSection es;
    Result<bool> open_or = open_section(dec, sec_i, flagstab, kernel_version, es, out.has_kcrctab);
    if (!open_or) return tl::unexpected(open_or.error());
    if (!*open_or) continue;
    ev.layout_seen = es.layout;
    if (es.kc) ev.crc_width_seen = es.crc_width;
    for (uint64_t i = 0; i < es.n; ++i) {
      Result<model::Export> e_or = decode_entry(dec, es, i, ev);
      if (!e_or) return tl::unexpected(e_or.error());
      out.exports.push_back(std::move(*e_or));
    }
  }
  out.era = describe_era(out, ev, f.is64(), kernel_version);
  return out;
}

}  // namespace ofsck::read::elf
