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
#include "read/elf/params.hpp"
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
    if (p[i] == '\0') {
      ++i;
      continue;
    }
    const void* z = std::memchr(p + i, 0, n - i);
    size_t end = z ? static_cast<size_t>(static_cast<const char*>(z) - p) : n;
    std::string_view rec(p + i, end - i);
    i = end + 1;
    size_t eq = rec.find('=');
    std::string_view key = rec.substr(0, eq);
    std::string_view val = eq == std::string_view::npos ? std::string_view() : rec.substr(eq + 1);
    if (key == "name") info.name = val;
    else if (key == "vermagic") info.vermagic = val;
    else if (key == "license") {
      if (!have_license) info.license = val;
      have_license = true;
    } else if (key == "srcversion") info.srcversion = val;
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
    else if (key == "alias") {
      if (text) info.alias.emplace_back(val);
    } else if (key == "parm") info.parm.emplace_back(val);
    else if (key == "parmtype") info.parmtype.emplace_back(val);
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
    out.push_back({strip_dot_view(std::string_view(name, static_cast<size_t>(
                                                             static_cast<const char*>(z) - name))),
                   crc});
  }
  return out;
}

/// 6.14+ __version_ext_crcs (u32[]) + __version_ext_names (concatenated C strings), validated
/// as elf_validity_cache_index_versions() does: the CRC count is sh_size / 4 (a trailing partial
/// word is ignored) and each CRC needs a NUL-terminated name inside __version_ext_names, else
/// the kernel refuses the module ("more extended version crcs than names"; `problem` gets the
/// kernel's text and the entries read so far are returned). Surplus names are ignored.
Result<std::vector<VersionEntry>> parse_ext_versions(ElfFile& f, const Section& crcs,
                                                     const Section& names, std::string& problem) {
  Result<std::span<const std::byte>> c_or = f.data(crcs);
  if (!c_or) return tl::unexpected(c_or.error());
  Result<std::span<const std::byte>> n_or = f.data(names);
  if (!n_or) return tl::unexpected(n_or.error());
  const char* p = reinterpret_cast<const char*>(n_or->data());
  size_t remaining = n_or->size();
  uint64_t count = c_or->size() / 4;
  std::vector<VersionEntry> out;
  out.reserve(std::min<uint64_t>(count, remaining));
  for (uint64_t i = 0; i < count; ++i) {
    const void* z = std::memchr(p, 0, remaining);
    if (!z) {
      problem = "more extended version crcs than names";
      break;
    }
    size_t len = static_cast<size_t>(static_cast<const char*>(z) - p);
    out.push_back({strip_dot_view(std::string_view(p, len)),
                   load_int<uint32_t>(c_or->data() + i * 4, f.big_endian())});
    p += len + 1;
    remaining -= len + 1;
  }
  return out;
}

/// The version tables of a module as the kernel and kmod each see them.
struct VersionTables {
  std::vector<VersionEntry> basic;  ///< __versions (kmod, and kernels before 6.14)
  std::vector<VersionEntry> ext;    ///< __version_ext_* when the kernel uses them
  bool use_ext = false;             ///< a 6.14+ check_version() searches `ext`, not `basic`
};

/// Reads __versions and the ext tables. kmod reads __versions by name, allocated or not, and
/// never the ext tables. The kernel's find_sec() sees only SHF_ALLOC sections, and a 6.14+
/// kernel checks only the ext tables when both are there (check_version(): "If we have
/// extended version info, rely on it").
Result<VersionTables> read_versions(ElfFile& f, model::ModuleFile& m) {
  VersionTables t;
  const Section* vers = f.find("__versions");
  m.has_versions = vers != nullptr;
  m.versions_alloc = !vers || (vers->flags & elf::kShfAlloc) != 0;
  if (vers) {
    Result<std::vector<VersionEntry>> v = parse_versions(f, *vers);
    if (!v) return tl::unexpected(v.error());
    t.basic = std::move(*v);
  }
  const Section* ext_c = f.find_alloc("__version_ext_crcs");
  const Section* ext_n = f.find_alloc("__version_ext_names");
  if (ext_c && ext_n) {
    m.has_ext_versions = true;
    Result<std::vector<VersionEntry>> v =
        parse_ext_versions(f, *ext_c, *ext_n, m.ext_versions_problem);
    if (!v) return tl::unexpected(v.error());
    t.ext = std::move(*v);
    t.use_ext = true;
  } else if (ext_c || ext_n) {
    m.ext_versions_problem = "extended version crc+name presence does not match";
  }
  return t;
}

/// Name → index of its first entry (check_version() and kmod both take the first match).
std::unordered_map<std::string_view, size_t> first_by_name(const std::vector<VersionEntry>& v) {
  std::unordered_map<std::string_view, size_t> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) out.emplace(v[i].name, i);
  return out;
}

/// Imports in kmod_elf_get_dependency_symbols() order: undefined .symtab symbols (sparc
/// STT_REGISTER pseudo-symbols skipped, as kmod does and as the sparc kernel's
/// module_frob_arch_sections() makes them defined), then entries found only in the version
/// tables (module_layout), kernel table first.
void collect_imports(const ElfFile& f, const std::vector<Symbol>& syms, const VersionTables& t,
                     std::vector<model::Import>& out) {
  // Without ext tables both views are __versions: one index serves both.
  const std::vector<VersionEntry>& kernel = t.use_ext ? t.ext : t.basic;
  std::unordered_map<std::string_view, size_t> k_idx = first_by_name(kernel);
  std::unordered_map<std::string_view, size_t> b_idx;
  if (t.use_ext) b_idx = first_by_name(t.basic);
  std::vector<bool> k_used(kernel.size()), b_used(t.use_ext ? t.basic.size() : 0);
  auto fill = [&](model::Import& imp) {
    if (auto it = k_idx.find(imp.name); it != k_idx.end()) {
      imp.crc = kernel[it->second].crc;
      k_used[it->second] = true;
    }
    if (!t.use_ext) {
      imp.versions_crc = imp.crc;
    } else if (auto it = b_idx.find(imp.name); it != b_idx.end()) {
      imp.versions_crc = t.basic[it->second].crc;
      b_used[it->second] = true;
    }
  };
  const bool sparc = f.machine() == elf::kEmSparc || f.machine() == elf::kEmSparcv9;
  for (size_t i = 1; i < syms.size(); ++i) {
    const Symbol& s = syms[i];
    if (s.shndx != elf::kShnUndef || s.name.empty()) continue;
    if (sparc && s.type == elf::kSttRegister) continue;
    model::Import imp;
    imp.name = strip_dot(s.name);
    imp.weak = s.bind == elf::kStbWeak;
    fill(imp);
    out.push_back(std::move(imp));
  }
  auto add_table_only = [&](const std::vector<VersionEntry>& v,
                            const std::unordered_map<std::string_view, size_t>& idx,
                            std::vector<bool>& used) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (used[i] || idx.at(v[i].name) != i) continue;
      model::Import imp;
      imp.name = std::string(v[i].name);
      imp.in_symtab = false;
      fill(imp);
      out.push_back(std::move(imp));
    }
  };
  add_table_only(kernel, k_idx, k_used);
  if (t.use_ext) add_table_only(t.basic, b_idx, b_used);
}

/// Sections whose contents the module analysis reads (for the pread prefetch).
bool wanted_section(const ElfFile& f, const Section& s) {
  std::string_view n = s.name;
  if (n == ".modinfo" || n == "__versions" || n == "__version_ext_crcs" ||
      n == "__version_ext_names" || n == "__ksymtab_strings" || n == "__kflagstab" ||
      n.substr(0, 9) == "__ksymtab" || n.substr(0, 9) == "__kcrctab" || n == "__param")
    return true;
  if (s.type == elf::kShtSymtab || s.type == elf::kShtSymtabShndx) return true;
  if ((s.type == elf::kShtRela || s.type == elf::kShtRel) && s.info < f.sections().size()) {
    std::string_view t = f.sections()[s.info].name;
    return t.substr(0, 9) == "__ksymtab" || t.substr(0, 9) == "__kcrctab" || t == "__param";
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
    fs->prefetch(ranges, 16 << 10);
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

  Result<VersionTables> vt = read_versions(f, m);
  if (!vt) return tl::unexpected(vt.error());
  collect_imports(f, syms, *vt, m.imports);

  Result<elf::ExportTable> ex =
      elf::decode_exports(f, syms, kernel_version_from_vermagic(m.info.vermagic));
  if (!ex) return tl::unexpected(ex.error());
  m.exports = std::move(ex->exports);
  m.has_kcrctab = ex->has_kcrctab;
  m.has_kflagstab = ex->has_kflagstab;
  m.export_era = std::move(ex->era);

  Result<elf::ParamArrays> pa = elf::decode_param_arrays(f, syms);
  if (!pa) return tl::unexpected(pa.error());
  m.param_arrays = std::move(pa->arrays);
  m.param_arrays_read = pa->decoded;

  m.sig = read_signature(src);
  return {};
}

void finish_hashes(std::span<const std::byte> image, model::ModuleFile& m, const ReadOptions& o) {
  if (o.content_sha256) {
    SHA256(reinterpret_cast<const unsigned char*>(image.data()), image.size(),
           m.content_sha256.data());
    m.has_content_sha256 = true;
  }
  if (o.signed_digest && m.sig.kind != model::SigKind::kNone) compute_signed_digest(image, m.sig);
  if (o.on_signature && m.sig.kind != model::SigKind::kNone) o.on_signature();
}

}  // namespace

int kernel_version_from_vermagic(std::string_view v) {
  int major = 0, minor = 0;
  size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9' && major < 1000)
    major = major * 10 + (v[i++] - '0');
  if (i == 0 || i >= v.size() || v[i] != '.') return 0;
  size_t j = ++i;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9' && minor < 1000)
    minor = minor * 10 + (v[i++] - '0');
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
    Result<std::span<const std::byte>> head =
        src.read(0, std::min<uint64_t>(src.size(), 6), "magic");
    if (!head) return tl::unexpected(head.error());
    if (sniff_compression(*head) == model::Compression::kNone) {
      model::ModuleFile m;
      m.path = path;
      m.file_size = src.size();
      if (Result<void> r = read_elf(src, m, opts.modinfo_text); !r)
        return tl::unexpected(r.error());
      if (m.sig.kind != model::SigKind::kNone) {
        if (opts.signed_digest) {
          // Only signed files are read whole, in pieces, to hash what the signature covers.
          if (Result<bool> d = compute_signed_digest(src, m.sig); !d)
            return tl::unexpected(d.error());
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
