#include "read/module_reader.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "read/buffer.hpp"
#include "read/byte_reader.hpp"
#include "read/compress/compress.hpp"
#include "read/elf/elf_file.hpp"
#include "read/elf/exports.hpp"
#include "read/elf/source.hpp"
#include "read/signature.hpp"

namespace ofsck::read {
namespace {

using elf::ElfFile;
using elf::Section;
using elf::Symbol;

/// kmod kmod_elf_get_strings(): NUL-separated records, runs of NULs (padding) skipped, a
/// missing final NUL tolerated.
void parse_modinfo(std::span<const std::byte> d, model::ModInfo& info, bool text) {
  const char* p = reinterpret_cast<const char*>(d.data());
  size_t n = d.size(), i = 0;
  bool have_license = false;
  while (i < n) {
    if (p[i] == '\0') { ++i; continue; }
    const void* z = std::memchr(p + i, 0, n - i);
    size_t end = z ? static_cast<size_t>(static_cast<const char*>(z) - p) : n;
    std::string_view rec(p + i, end - i);
    i = end + 1;
    size_t eq = rec.find('=');
    std::string_view key = rec.substr(0, eq);
    std::string_view val = eq == std::string_view::npos ? std::string_view() : rec.substr(eq + 1);
    if (key == "name") info.name = val;
    else if (key == "vermagic") info.vermagic = val;
    else if (key == "license") { if (!have_license) info.license = val; have_license = true; }
    else if (key == "srcversion") info.srcversion = val;
    else if (key == "intree") info.intree = val == "Y";
    else if (key == "retpoline") info.retpoline = val == "Y";
    else if (key == "staging") info.staging = val == "Y";
    else if (key == "livepatch") info.livepatch = val == "Y";
    else if (key == "depends") {
      size_t s = 0;
      while (s <= val.size()) {
        size_t c = val.find(',', s);
        if (c == std::string_view::npos) c = val.size();
        if (c > s) info.depends.emplace_back(val.substr(s, c - s));
        s = c + 1;
      }
    } else if (key == "import_ns") info.import_ns.emplace_back(val);
    else if (key == "softdep") info.softdep.emplace_back(val);
    else if (key == "weakdep") info.weakdep.emplace_back(val);
    else if (key == "firmware") info.firmware.emplace_back(val);
    else if (key == "alias") { if (text) info.alias.emplace_back(val); }
    else if (key == "parm") info.parm.emplace_back(val);
    if (text) info.all.emplace_back(key, val);
  }
}

std::string strip_dot(std::string_view s) {
  if (!s.empty() && s[0] == '.') s.remove_prefix(1);
  return std::string(s);
}

std::string_view strip_dot_view(std::string_view s) {
  if (!s.empty() && s[0] == '.') s.remove_prefix(1);
  return s;
}

struct VersionEntry {
  std::string_view name;  ///< into the section's bytes (alive as long as the source)
  uint32_t crc;
};

/// __versions: struct modversion_info {unsigned long crc; char name[64 - sizeof(long)];}.
Result<std::vector<VersionEntry>> parse_versions(ElfFile& f, const Section& s) {
  constexpr uint64_t kEnt = 64;
  if (s.size % kEnt != 0)
    return f.error(ErrorCode::kMalformed, &s, s.offset,
                   fmt::format("size 0x{:x} is not a multiple of the 0x40-byte modversion_info",
                               s.size));
  Result<std::span<const std::byte>> d_or = f.data(s);
  if (!d_or) return tl::unexpected(d_or.error());
  uint32_t w = f.word_size();
  std::vector<VersionEntry> out;
  out.reserve(s.size / kEnt);
  for (uint64_t off = 0; off < d_or->size(); off += kEnt) {
    const std::byte* e = d_or->data() + off;
    uint32_t crc = w == 8 ? static_cast<uint32_t>(load_int<uint64_t>(e, f.big_endian()))
                          : load_int<uint32_t>(e, f.big_endian());
    const char* name = reinterpret_cast<const char*>(e + w);
    const void* z = std::memchr(name, 0, kEnt - w);
    if (!z)
      return f.error(ErrorCode::kMalformed, &s, s.offset + off + w,
                     fmt::format("entry {} name is not NUL-terminated within {} bytes", off / kEnt,
                                 kEnt - w));
    out.push_back({strip_dot_view(std::string_view(name, static_cast<size_t>(static_cast<const char*>(z) - name))), crc});
  }
  return out;
}

/// 6.14+ __version_ext_crcs (u32[]) + __version_ext_names (concatenated C strings).
Result<std::vector<VersionEntry>> parse_ext_versions(ElfFile& f, const Section& crcs,
                                                     const Section& names, std::string& problem) {
  if (crcs.size % 4 != 0)
    return f.error(ErrorCode::kMalformed, &crcs, crcs.offset,
                   fmt::format("size 0x{:x} is not a multiple of 4", crcs.size));
  Result<std::span<const std::byte>> c_or = f.data(crcs);
  if (!c_or) return tl::unexpected(c_or.error());
  Result<std::span<const std::byte>> n_or = f.data(names);
  if (!n_or) return tl::unexpected(n_or.error());
  std::vector<VersionEntry> out;
  ByteReader nr(*n_or);
  uint64_t count = crcs.size / 4;
  for (uint64_t i = 0; i < count; ++i) {
    if (nr.at_end()) {
      problem = fmt::format("more extended version CRCs ({}) than names ({})", count, i);
      break;
    }
    std::string_view nm = nr.cstr();
    if (!nr.ok())
      return f.error(ErrorCode::kMalformed, &names, names.offset + nr.error_offset(),
                     "name is not NUL-terminated");
    out.push_back({strip_dot_view(nm), load_int<uint32_t>(c_or->data() + i * 4, f.big_endian())});
  }
  return out;
}

/// Sections whose contents the module analysis reads (for the pread prefetch).
bool wanted_section(const ElfFile& f, const Section& s) {
  std::string_view n = s.name;
  if (n == ".modinfo" || n == "__versions" || n == "__version_ext_crcs" ||
      n == "__version_ext_names" || n == "__ksymtab_strings" || n == "__kflagstab" ||
      n.substr(0, 9) == "__ksymtab" || n.substr(0, 9) == "__kcrctab")
    return true;
  if (s.type == elf::kShtSymtab || s.type == elf::kShtSymtabShndx) return true;
  if ((s.type == elf::kShtRela || s.type == elf::kShtRel) && s.info < f.sections().size()) {
    std::string_view t = f.sections()[s.info].name;
    return t.substr(0, 9) == "__ksymtab" || t.substr(0, 9) == "__kcrctab";
  }
  if (s.type == elf::kShtStrtab) {  // .strtab of a symtab
    for (const Section& o : f.sections())
      if (o.type == elf::kShtSymtab && o.link == s.index) return true;
  }
  return false;
}

/// Fills everything except path/compression/file_size/content hashes from an ELF image.
Result<void> read_elf(elf::ByteSource& src, model::ModuleFile& m, bool modinfo_text) {
  Result<ElfFile> f_or = ElfFile::parse(src);
  if (!f_or) return tl::unexpected(f_or.error());
  ElfFile& f = *f_or;
  m.elf_size = src.size();
  m.elf_class = f.is64() ? 2 : 1;
  m.big_endian = f.big_endian();
  m.machine = f.machine();
  m.e_type = f.type();

  if (auto* fs = dynamic_cast<elf::FileSource*>(&src)) {
    // Fetch all wanted sections with few preads: merge ranges closer than 16 KiB.
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const Section& s : f.sections())
      if (s.index && s.type != elf::kShtNobits && s.size && wanted_section(f, s))
        ranges.emplace_back(s.offset, s.offset + s.size);
    fs->prefetch(std::move(ranges), 16 << 10);
  }

  for (const Section& s : f.sections()) {
    if (s.index == 0) continue;
    if (s.name == ".modinfo") ++m.modinfo_sections;
    else if (s.name == ".gnu.linkonce.this_module") {
      if (++m.this_module_sections == 1) m.this_module_size = s.size;
    }
    if (s.type == elf::kShtSymtab) ++m.symtab_sections;
  }

  if (const Section* mi = f.find(".modinfo")) {
    Result<std::span<const std::byte>> d = f.data(*mi);
    if (!d) return tl::unexpected(d.error());
    parse_modinfo(*d, m.info, modinfo_text);
  }

  std::vector<Symbol> syms;
  if (const Section* st = f.find_type(elf::kShtSymtab)) {
    Result<std::vector<Symbol>> s_or = f.symbols(*st);
    if (!s_or) return tl::unexpected(s_or.error());
    syms = std::move(*s_or);
  }

  // Imports and their expected CRCs.
  const Section* vers = f.find("__versions");
  const Section* ext_c = f.find("__version_ext_crcs");
  const Section* ext_n = f.find("__version_ext_names");
  m.has_versions = vers != nullptr;
  std::vector<VersionEntry> versions;
  if (ext_c && ext_n) {
    m.has_ext_versions = true;
    Result<std::vector<VersionEntry>> v = parse_ext_versions(f, *ext_c, *ext_n, m.ext_versions_problem);
    if (!v) return tl::unexpected(v.error());
    versions = std::move(*v);  // the kernel uses only the ext tables when both exist
  } else {
    if (ext_c || ext_n)
      m.ext_versions_problem = "extended version crc+name presence does not match";
    if (vers) {
      Result<std::vector<VersionEntry>> v = parse_versions(f, *vers);
      if (!v) return tl::unexpected(v.error());
      versions = std::move(*v);
    }
  }
  // Linear first-match by name, as the kernel's check_version() does.
  std::unordered_map<std::string_view, size_t> by_name;
  by_name.reserve(versions.size());
  for (size_t i = 0; i < versions.size(); ++i) by_name.emplace(versions[i].name, i);
  std::vector<bool> used(versions.size());
  for (size_t i = 1; i < syms.size(); ++i) {
    const Symbol& s = syms[i];
    if (s.shndx != elf::kShnUndef || s.name.empty()) continue;
    model::Import imp;
    imp.name = strip_dot(s.name);
    imp.weak = s.bind == elf::kStbWeak;
    if (auto it = by_name.find(imp.name); it != by_name.end()) {
      imp.crc = versions[it->second].crc;
      used[it->second] = true;
    }
    m.imports.push_back(std::move(imp));
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    if (used[i] || by_name[versions[i].name] != i) continue;
    model::Import imp;
    imp.name = std::string(versions[i].name);
    imp.crc = versions[i].crc;
    imp.in_symtab = false;
    m.imports.push_back(std::move(imp));
  }

  Result<elf::ExportTable> ex = elf::decode_exports(f, syms, kernel_version_from_vermagic(m.info.vermagic));
  if (!ex) return tl::unexpected(ex.error());
  m.exports = std::move(ex->exports);
  m.has_kcrctab = ex->has_kcrctab;
  m.export_era = std::move(ex->era);

  m.sig = read_signature(src);
  return {};
}

void finish_hashes(std::span<const std::byte> image, model::ModuleFile& m, const ReadOptions& o) {
  if (o.content_sha256) {
    SHA256(reinterpret_cast<const unsigned char*>(image.data()), image.size(), m.content_sha256.data());
    m.has_content_sha256 = true;
  }
  if (o.signed_digest && m.sig.kind != model::SigKind::kNone) compute_signed_digest(image, m.sig);
  if (o.on_signature && m.sig.kind != model::SigKind::kNone) o.on_signature();
}

}  // namespace

int kernel_version_from_vermagic(std::string_view v) {
  int major = 0, minor = 0;
  size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9' && major < 1000) major = major * 10 + (v[i++] - '0');
  if (i == 0 || i >= v.size() || v[i] != '.') return 0;
  size_t j = ++i;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9' && minor < 1000) minor = minor * 10 + (v[i++] - '0');
  if (i == j) return 0;
  return major * 100 + minor;
}

Result<model::ModuleFile> read_module_bytes(std::span<const std::byte> bytes,
                                            const std::string& path, const ReadOptions& opts) {
  model::ModuleFile m;
  m.path = path;
  m.file_size = bytes.size();
  m.compression = sniff_compression(bytes);
  Buffer owned;
  std::span<const std::byte> image = bytes;
  if (m.compression != model::Compression::kNone) {
    Result<Buffer> d = decompress(bytes, m.compression, opts.max_decompressed, path);
    if (!d) return tl::unexpected(d.error());
    owned = std::move(*d);
    image = owned.span();
  }
  elf::MemorySource src(image, path);
  if (Result<void> r = read_elf(src, m, opts.modinfo_text); !r) return tl::unexpected(r.error());
  finish_hashes(image, m, opts);
  return m;
}

Result<model::ModuleFile> read_module(const std::string& path, const ReadOptions& opts) {
  if (!opts.content_sha256) {
    // Head: ELF header + compression magic. The section header table, .shstrtab and the
    // signature sit at the end of a .ko, so the tail is fetched in one go as well.
    Result<std::unique_ptr<elf::FileSource>> fs = elf::FileSource::open(path, 64, 0);
    if (!fs) return tl::unexpected(fs.error());
    elf::FileSource& src = **fs;
    Result<std::span<const std::byte>> head = src.read(0, std::min<uint64_t>(src.size(), 6), "magic");
    if (!head) return tl::unexpected(head.error());
    if (sniff_compression(*head) == model::Compression::kNone) {
      model::ModuleFile m;
      m.path = path;
      m.file_size = src.size();
      if (Result<void> r = read_elf(src, m, opts.modinfo_text); !r) return tl::unexpected(r.error());
      if (m.sig.kind != model::SigKind::kNone) {
        if (opts.signed_digest) {
          // Only signed files are read whole, in pieces, to hash what the signature covers.
          if (Result<bool> d = compute_signed_digest(src, m.sig); !d) return tl::unexpected(d.error());
        }
        if (opts.on_signature) opts.on_signature();
      }
      return m;
    }
  }
  Result<Buffer> buf = read_file_buffer(path, opts.max_decompressed);
  if (!buf) return tl::unexpected(buf.error());
  return read_module_bytes(buf->span(), path, opts);
}

}  // namespace ofsck::read
