// Array parameter maxima from __param + .rela__param (see params.hpp for the layout).
#include "read/elf/params.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

#include "read/byte_reader.hpp"

namespace ofsck::read::elf {
namespace {

constexpr uint16_t kEmX8664 = 62, kEmAarch64 = 183;
constexpr uint32_t kRX8664Abs64 = 1, kRAarch64Abs64 = 257;
constexpr uint64_t kMaxName = 1024;  // longer than any parameter name parse_args() compares

/// One relocated pointer field of __param: where it points (a section and an offset in it).
struct Place {
  uint32_t section = 0;
  uint64_t offset = 0;
};

class ParamDecoder {
 public:
  ParamDecoder(ElfFile& f, const std::vector<Symbol>& syms, std::vector<Reloc> relocs,
               uint32_t abs64)
      : f_(f), syms_(syms), relocs_(std::move(relocs)), abs64_(abs64) {
    std::stable_sort(relocs_.begin(), relocs_.end(),
                     [](const Reloc& a, const Reloc& b) { return a.offset < b.offset; });
  }

  /// The relocation of the 8-byte field at `off` of __param, if it is an absolute 64-bit one.
  const Reloc* at(uint64_t off) const {
    auto it = std::lower_bound(relocs_.begin(), relocs_.end(), off,
                               [](const Reloc& r, uint64_t o) { return r.offset < o; });
    if (it == relocs_.end() || it->offset != off || it->type != abs64_ || it->sym >= syms_.size())
      return nullptr;
    return &*it;
  }
  std::string_view sym_name(const Reloc& r) const { return syms_[r.sym].name; }

  /// S + A as a place inside a section that has file contents.
  std::optional<Place> place(const Reloc& r) const {
    const Symbol& s = syms_[r.sym];
    if (s.shndx == kShnUndef || s.shndx >= f_.sections().size()) return std::nullopt;
    const Section& sec = f_.sections()[s.shndx];
    if (sec.type == kShtNobits || sec.type == kShtNull) return std::nullopt;
    const uint64_t off = s.value + static_cast<uint64_t>(r.addend);
    if (off >= sec.size) return std::nullopt;
    return Place{s.shndx, off};
  }

  /// Up to `n` bytes at `p`, clipped to its section.
  Result<std::span<const std::byte>> bytes(const Place& p, uint64_t n) {
    const Section& sec = f_.sections()[p.section];
    return f_.bytes(sec.offset + p.offset, std::min(n, sec.size - p.offset), "__param target");
  }

  /// One array entry whose ops field is at `ops`: its name and max, or nullopt.
  Result<std::optional<model::ParamArray>> entry(uint64_t ops) {
    const Reloc* name_r = ops >= 8 ? at(ops - 8) : nullptr;
    if (name_r && sym_name(*name_r) == "__this_module") name_r = ops >= 16 ? at(ops - 16) : nullptr;
    const Reloc* arg_r = at(ops + 16);
    if (!name_r || !arg_r) return std::nullopt;
    const std::optional<Place> np = place(*name_r), ap = place(*arg_r);
    if (!np || !ap) return std::nullopt;
    Result<std::span<const std::byte>> nb = bytes(*np, kMaxName + 1);
    if (!nb) return tl::unexpected(nb.error());
    const char* s = reinterpret_cast<const char*>(nb->data());
    const void* nul = std::memchr(s, 0, nb->size());
    if (!nul || nul == s) return std::nullopt;
    Result<std::span<const std::byte>> mb = bytes(*ap, 4);
    if (!mb) return tl::unexpected(mb.error());
    if (mb->size() < 4) return std::nullopt;
    model::ParamArray a;
    a.name.assign(s, static_cast<size_t>(static_cast<const char*>(nul) - s));
    a.max = load_int<uint32_t>(mb->data(), false);
    return a;
  }

  const std::vector<Reloc>& relocs() const { return relocs_; }

 private:
  ElfFile& f_;
  const std::vector<Symbol>& syms_;
  std::vector<Reloc> relocs_;
  uint32_t abs64_;
};

/// The RELA section against .symtab that relocates `target`, or nullptr.
const Section* rela_for(const ElfFile& f, const Section& target) {
  for (const Section& s : f.sections())
    if (s.type == kShtRela && s.info == target.index && s.link < f.sections().size() &&
        f.sections()[s.link].type == kShtSymtab)
      return &s;
  return nullptr;
}

}  // namespace

Result<ParamArrays> decode_param_arrays(ElfFile& f, const std::vector<Symbol>& syms) {
  ParamArrays out;
  const Section* param = f.find_alloc("__param");
  if (!param) {
    out.decoded = true;  // no parameters at all
    return out;
  }
  uint32_t abs64 = 0;
  if (f.machine() == kEmX8664) abs64 = kRX8664Abs64;
  else if (f.machine() == kEmAarch64) abs64 = kRAarch64Abs64;
  const Section* rela = rela_for(f, *param);
  if (!abs64 || !f.is64() || f.big_endian() || !rela || syms.empty()) return out;
  Result<std::vector<Reloc>> r_or = f.relocs(*rela);
  if (!r_or) return out;  // a malformed relocation table: the maxima are not known
  ParamDecoder d(f, syms, std::move(*r_or), abs64);
  out.decoded = true;
  for (const Reloc& r : d.relocs()) {
    if (r.type != abs64 || r.sym >= syms.size() || syms[r.sym].name != "param_array_ops" ||
        syms[r.sym].shndx != kShnUndef || r.offset > param->size || param->size - r.offset < 24)
      continue;
    Result<std::optional<model::ParamArray>> e = d.entry(r.offset);
    if (!e) return tl::unexpected(e.error());
    if (*e) out.arrays.push_back(std::move(**e));
  }
  return out;
}

}  // namespace ofsck::read::elf
