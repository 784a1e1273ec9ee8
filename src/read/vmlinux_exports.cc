// vmlinux export tables (see vmlinux_exports.hpp). kernel/module/main.c reads the same tables:
// find_exported_symbol_in_section() over __start___ksymtab.. with kernel_symbol_name(),
// kernel_symbol_namespace() (offset_to_ptr() for PREL32), and the CRC at the same index of
// the table's __kcrctab (check_version()).
#include "read/vmlinux_exports.hpp"

#include <array>
#include <optional>

#include <fmt/format.h>

#include "read/byte_reader.hpp"
#include "read/elf/elf_file.hpp"
#include "read/elf/exports.hpp"
#include "read/elf/source.hpp"
#include "read/kernel_image.hpp"

namespace ofsck::read {

namespace {

constexpr uint16_t kEmPpc64 = 21;

/// Module.symvers' export type of each table, in kKsymtabSections order.
constexpr std::array<std::string_view, 5> kExportTypes = {"EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL",
                                                          "EXPORT_SYMBOL_GPL_FUTURE",
                                                          "EXPORT_UNUSED_SYMBOL",
                                                          "EXPORT_UNUSED_SYMBOL_GPL"};

/// One struct kernel_symbol layout.
struct EntryLayout {
  bool prel = false;    ///< s32 offsets from each field (PREL32) instead of absolute words
  bool has_ns = false;  ///< a third field: the namespace string (5.4+)
  const char* text = "";
};

/// The candidates, most recent first; the first that decodes every table wins.
constexpr std::array<EntryLayout, 4> kLayouts = {{
    {true, true, "PREL32 {value, name, namespace}"},
    {true, false, "PREL32 {value, name}"},
    {false, true, "absolute {value, name, namespace}"},
    {false, false, "absolute {value, name}"},
}};

/// One export before its CRC and type are known.
struct RawExport {
  std::string_view name, ns;
};

/// Reads bytes of a linked image by virtual address, through its allocated sections.
class AddressSpace {
 public:
  AddressSpace(elf::ElfFile& f, const elf::Section& strings, std::span<const std::byte> strs)
      : f_(f), strings_(strings), strs_(strs) {}

  /// The NUL-terminated string at `addr` inside __ksymtab_strings.
  [[nodiscard]] std::optional<std::string_view> str(uint64_t addr) const {
    if (addr < strings_.addr || addr - strings_.addr >= strs_.size()) return std::nullopt;
    ByteReader r(strs_.subspan(addr - strings_.addr));
    std::string_view s = r.cstr();
    if (!r.ok()) return std::nullopt;
    return s;
  }

  /// `len` bytes at `addr`, inside one allocated section with file data.
  [[nodiscard]] std::optional<std::span<const std::byte>> bytes(uint64_t addr, uint64_t len) {
    for (const auto& s : f_.sections()) {
      if (!(s.flags & elf::kShfAlloc) || s.type == elf::kShtNobits || addr < s.addr ||
          addr - s.addr > s.size || s.size - (addr - s.addr) < len)
        continue;
      auto d = f_.data(s);
      if (!d) return std::nullopt;
      return d->subspan(addr - s.addr, len);
    }
    return std::nullopt;
  }

 private:
  elf::ElfFile& f_;
  const elf::Section& strings_;
  std::span<const std::byte> strs_;
};

/// The address a field of an entry refers to: PREL32 field address + s32, or the word itself.
uint64_t field_target(ByteReader& r, uint64_t field_addr, bool prel, bool is64) {
  if (prel) {
    const auto off = static_cast<int32_t>(r.read_u32());
    return field_addr + static_cast<uint64_t>(static_cast<int64_t>(off));
  }
  return r.read_word(is64);
}

/// Decodes one table with `lay`; false when an entry does not fit it.
bool decode_table(const elf::Section& sec, std::span<const std::byte> data, const EntryLayout& lay,
                  const elf::ElfFile& f, const AddressSpace& as, std::vector<RawExport>& out) {
  const uint64_t field = lay.prel ? 4 : f.word_size();
  const uint64_t size = field * (lay.has_ns ? 3 : 2);
  if (data.size() % size != 0) return false;
  ByteReader r(data, f.big_endian());
  for (uint64_t at = 0; at < data.size(); at += size) {
    const uint64_t addr = sec.addr + at;
    r.seek(at + field);  // the value is not needed
    const uint64_t name_off = field_target(r, addr + field, lay.prel, f.is64());
    auto name = as.str(name_off);
    if (!name || name->empty()) return false;
    RawExport e{*name, {}};
    if (lay.has_ns) {
      const uint64_t ns_addr = field_target(r, addr + 2 * field, lay.prel, f.is64());
      const bool none = lay.prel ? ns_addr == addr + 2 * field : ns_addr == 0;
      if (!none) {
        auto ns = as.str(ns_addr);
        if (!ns) return false;
        e.ns = *ns;
      }
    }
    if (!r.ok()) return false;
    out.push_back(e);
  }
  return true;
}

/// A present export table: its section, data and export type.
struct TableRef {
  const elf::Section* sec;
  std::span<const std::byte> data;
  std::string_view type;
  std::vector<RawExport> raw;
};

/// The CRCs of `t`'s __kcrctab twin, one per entry; empty when the table has no twin.
Result<std::vector<uint32_t>> read_crcs(elf::ElfFile& f, AddressSpace& as, const TableRef& t,
                                        int kernel_version, bool& rel) {
  std::vector<uint32_t> out;
  const elf::Section* kc = f.find_alloc(elf::kcrctab_name(t.sec->name));
  if (!kc || t.raw.empty()) return out;
  auto data = f.data(*kc);
  if (!data) return tl::unexpected(data.error());
  const uint64_t n = t.raw.size();
  const uint64_t width = data->size() / n;
  if (data->size() % n != 0 || (width != 4 && width != f.word_size()))
    return f.error(ErrorCode::kMalformed, kc, kc->offset,
                   fmt::format("0x{:x} bytes for the {} entries of {}: not one CRC each",
                               data->size(), n, t.sec->name));
  // CONFIG_MODULE_REL_CRCS: an s32 offset from the entry to the CRC (resolve_rel_crc()).
  rel = f.machine() == kEmPpc64 && width == 4 &&
        (kernel_version == 0 || (kernel_version >= 410 && kernel_version < 519));
  ByteReader r(*data, f.big_endian());
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t v = width == 4 ? r.read_u32() : r.read_u64();
    if (rel) {
      const uint64_t at = kc->addr + i * 4 +
                          static_cast<uint64_t>(
                              static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))));
      auto b = as.bytes(at, 4);
      if (!b) {
        // Not a REL_CRCS table after all (the version was unknown): absolute values.
        if (kernel_version == 0) {
          rel = false;
          return read_crcs(f, as, t, 410, rel);
        }
        return f.error(ErrorCode::kMalformed, kc, kc->offset + i * 4,
                       fmt::format("relative CRC of entry {} points to 0x{:x}, outside the image",
                                   i, at));
      }
      v = load_int<uint32_t>(b->data(), f.big_endian());
    }
    out.push_back(static_cast<uint32_t>(v));
  }
  return out;
}

/// Every present table, decoded with the first layout that fits them all.
Result<std::vector<TableRef>> decode_tables(elf::ElfFile& f, const AddressSpace& as,
                                            const char*& layout) {
  std::vector<TableRef> tables;
  for (size_t i = 0; i < kExportTypes.size(); ++i) {
    const elf::Section* s = f.find_alloc(elf::kKsymtabSections[i]);
    if (!s) continue;
    auto d = f.data(*s);
    if (!d) return tl::unexpected(d.error());
    tables.push_back({s, *d, kExportTypes[i], {}});
  }
  if (tables.empty())
    return make_error(ErrorCode::kMalformed, "no __ksymtab section: not a vmlinux with exports",
                      {f.path()});
  for (const auto& lay : kLayouts) {
    bool fits = true;
    for (auto& t : tables) {
      t.raw.clear();
      fits = fits && decode_table(*t.sec, t.data, lay, f, as, t.raw);
    }
    if (fits) {
      layout = lay.text;
      return tables;
    }
  }
  return f.error(ErrorCode::kMalformed, tables.front().sec, tables.front().sec->offset,
                 "no struct kernel_symbol layout (PREL32 or absolute, with or without "
                 "namespace) has every name inside __ksymtab_strings");
}

/// __kflagstab (7.x): bit 0 of each byte makes the __ksymtab entry GPL-only.
Result<void> apply_flags(elf::ElfFile& f, const TableRef& t, size_t first, model::Symvers& out) {
  const elf::Section* fl = f.find_alloc("__kflagstab");
  if (!fl || t.sec->name != "__ksymtab") return {};
  auto data = f.data(*fl);
  if (!data) return tl::unexpected(data.error());
  if (data->size() != t.raw.size())
    return f.error(ErrorCode::kMalformed, fl, fl->offset,
                   fmt::format("0x{:x} flag bytes for {} __ksymtab entries", data->size(),
                               t.raw.size()));
  for (size_t i = 0; i < t.raw.size(); ++i)
    if (static_cast<uint8_t>((*data)[i]) & 1) out.entries[first + i].export_type = kExportTypes[1];
  return {};
}

}  // namespace

Result<VmlinuxExports> parse_vmlinux_exports(std::span<const std::byte> elf_bytes,
                                             const std::string& path, int kernel_version) {
  elf::MemorySource src(elf_bytes, path);
  auto f = elf::ElfFile::parse(src);
  if (!f) return tl::unexpected(f.error());
  const elf::Section* strings = f->find_alloc("__ksymtab_strings");
  if (!strings)
    return make_error(ErrorCode::kMalformed,
                      "no __ksymtab_strings section: not a vmlinux with exports", {path});
  auto strs = f->data(*strings);
  if (!strs) return tl::unexpected(strs.error());
  AddressSpace as(*f, *strings, *strs);
  const char* layout = "";
  auto tables = decode_tables(*f, as, layout);
  if (!tables) return tl::unexpected(tables.error());
  VmlinuxExports out;
  out.symvers.path = path;
  bool rel = false;
  for (const auto& t : *tables) {
    auto crcs = read_crcs(*f, as, t, kernel_version, rel);
    if (!crcs) return tl::unexpected(crcs.error());
    out.has_crcs = out.has_crcs || !crcs->empty();
    const size_t first = out.symvers.entries.size();
    for (size_t i = 0; i < t.raw.size(); ++i)
      out.symvers.entries.push_back({std::string(t.raw[i].name), crcs->empty() ? 0 : (*crcs)[i],
                                     "vmlinux", std::string(t.type), std::string(t.raw[i].ns)});
    if (auto a = apply_flags(*f, t, first, out.symvers); !a) return tl::unexpected(a.error());
  }
  out.layout = fmt::format("{}{}{}", layout,
                           !out.has_crcs ? ", no __kcrctab (no modversions)"
                           : rel         ? ", relative __kcrctab"
                                         : ", __kcrctab",
                           f->find_alloc("__kflagstab") ? ", __kflagstab" : "");
  return out;
}

Result<VmlinuxExports> kernel_image_exports(const std::string& path, int kernel_version) {
  auto vmlinux = decompress_bzimage(path);
  if (!vmlinux) return tl::unexpected(vmlinux.error());
  auto ex =
      parse_vmlinux_exports(vmlinux->span(), path + " (decompressed vmlinux)", kernel_version);
  if (ex) ex->symvers.path = path;
  return ex;
}

}  // namespace ofsck::read
