// (Over the ~500-line limit: one file keeps the one on-disk format, its Reader/Writer and
// every record kind together.)
// The cache file is <dir>/modules-<fnv64(first path's directory)>.bin:
//   "OFSCKC\0" + u32 format version + entries { u32 len, bytes } where an entry is
//   path, FileStamp, flags, serialized ModuleFile.
// Anything that does not decode exactly is dropped; the file is rewritten after a run that
// had misses.
#include "read/cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "read/kernel_image.hpp"
#include "read/x509.hpp"
#include "util/parallel_for.hpp"

namespace ofsck::read {

namespace {

constexpr char kMagic[8] = {'O', 'F', 'S', 'C', 'K', 'C', '\0', '\0'};
// 2: image certificates are system_certificate_list only; 3: Import::versions_crc,
// Export::section, ModuleFile::versions_alloc and has_kflagstab; 4: ModInfo::parmtype;
// 5: ModuleFile::param_arrays and param_arrays_read.
constexpr uint32_t kFormat = 5;
// Every field of ModuleFile must be serialised: a new field changes the size and stops the
// build here until serialize_module()/deserialize_module() handle it (and kFormat is bumped).
constexpr size_t kModuleFileSize = 920;  // x86_64 libstdc++
static_assert(sizeof(void*) != 8 || sizeof(model::ModuleFile) == kModuleFileSize,
              "ModuleFile changed: update serialize_module()/deserialize_module() and kFormat");
static_assert(sizeof(void*) != 8 || (sizeof(model::Import) == 56 && sizeof(model::Export) == 80),
              "Import/Export changed: update serialize_module()/deserialize_module() and kFormat");

class Writer {
 public:
  std::string out;
  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
  void u64(uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out.append(s);
  }
  void bytes(const std::vector<uint8_t>& b) {
    u32(static_cast<uint32_t>(b.size()));
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  void ocrc(const std::optional<uint32_t>& c) {
    u8(c.has_value());
    u32(c.value_or(0));
  }
  void strs(const std::vector<std::string>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  uint8_t u8() { return static_cast<uint8_t>(take(1)[0]); }
  uint32_t u32() {
    uint32_t v = 0;
    std::memcpy(&v, take(4), 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    std::memcpy(&v, take(8), 8);
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    const char* p = take(n);
    return ok_ ? std::string(p, n) : std::string();
  }
  std::vector<uint8_t> bytes() {
    uint32_t n = u32();
    const char* p = take(n);
    return ok_ ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
  }
  std::optional<uint32_t> ocrc() {
    bool has = u8() != 0;
    uint32_t v = u32();
    return has ? std::optional<uint32_t>(v) : std::nullopt;
  }
  std::vector<std::string> strs() {
    uint32_t n = u32();
    std::vector<std::string> v;
    if (n > in_.size()) ok_ = false;
    for (uint32_t i = 0; ok_ && i < n; ++i) v.push_back(str());
    return v;
  }
  /// Guard before reserving `n` records of at least `min` bytes each.
  bool plausible(uint64_t n, uint64_t min) {
    if (n * min > in_.size() - pos_) ok_ = false;
    return ok_;
  }

 private:
  const char* take(uint64_t n) {
    static const char kZero[8] = {};
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return kZero;
    }
    const char* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::string_view in_;
  uint64_t pos_ = 0;
  bool ok_ = true;
};

uint64_t fnv64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}

void write_stamp(Writer& w, const FileStamp& s) {
  w.u64(s.size);
  w.u64(s.ino);
  w.u64(s.dev);
  w.u64(static_cast<uint64_t>(s.mtime_ns));
  w.u64(static_cast<uint64_t>(s.ctime_ns));
}
FileStamp read_stamp(Reader& r) {
  FileStamp s;
  s.size = r.u64();
  s.ino = r.u64();
  s.dev = r.u64();
  s.mtime_ns = static_cast<int64_t>(r.u64());
  s.ctime_ns = static_cast<int64_t>(r.u64());
  return s;
}

/// A cache file mapped read-only (a torn or concurrent rewrite is a rename, so the mapping
/// stays the old file); empty when absent. Prefaulted: it is read from start to end.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                       MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const char*>(p);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

/// Atomic replace, streamed: the pieces piece(0..n-1) append to a buffer written out whenever
/// it passes 1 MiB, into <path>.tmp.<pid>, which is then renamed over `path` (fsync-free: a torn
/// write is just a corrupt cache, which is detected and ignored). A large cache is never held
/// whole beside the records it is written from.
void write_atomic_pieces(const std::string& path, size_t n,
                         const std::function<void(size_t, std::string&)>& piece) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    std::string buf;
    for (size_t i = 0; i < n && out; ++i) {
      piece(i, buf);
      if (buf.size() < (size_t{1} << 20) && i + 1 < n) continue;
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
    if (!out) {
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

/// The same for bytes already in memory.
void write_atomic(const std::string& path, const std::string& data) {
  write_atomic_pieces(path, 1, [&data](size_t, std::string& buf) { buf += data; });
}

std::string header() {
  Writer w;
  w.out.append(kMagic, sizeof kMagic);
  w.u32(kFormat);
  return w.out;
}
bool check_header(Reader& r, std::string_view data) {
  if (data.size() < sizeof kMagic + 4 || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
    return false;
  for (size_t i = 0; i < sizeof kMagic; ++i) r.u8();
  return r.u32() == kFormat && r.ok();
}

/// The signature part of a serialized module (serialize_module's order).
void read_signature_record(Reader& r, model::Signature& s) {
  s.kind = static_cast<model::SigKind>(r.u8());
  s.id_type = r.u8();
  s.algo = r.u8();
  s.hash = r.u8();
  s.signer_len = r.u8();
  s.key_id_len = r.u8();
  s.sig_len = r.u32();
  s.signed_len = r.u64();
  s.signer = r.str();
  s.key_id = r.str();
  s.issuer_der = r.bytes();
  s.serial = r.bytes();
  s.hash_algo = r.str();
  s.pkey_algo = r.str();
  s.signature = r.bytes();
  s.content_digest = r.bytes();
  s.problem = r.str();
}

/// A record of the module cache: the file's stamp, the ReadOptions flags it was read with and
/// the serialized module.
struct CacheRecord {
  FileStamp stamp;
  uint8_t flags = 0;
  std::string_view data;
};

/// The records of a module cache file by path (views into `blob`); a torn or corrupt tail ends
/// the walk, keeping the records before it.
std::unordered_map<std::string_view, CacheRecord> read_records(std::string_view blob) {
  std::unordered_map<std::string_view, CacheRecord> old;
  Reader r(blob);
  if (!check_header(r, blob)) return old;
  size_t pos = sizeof kMagic + 4;
  while (pos + 4 <= blob.size()) {
    uint32_t len;
    std::memcpy(&len, blob.data() + pos, 4);
    pos += 4;
    if (len > blob.size() - pos) break;  // torn or corrupt tail: ignore the rest
    std::string_view rec(blob.data() + pos, len);
    pos += len;
    Reader rr(rec);
    uint32_t plen = rr.u32();
    if (!rr.ok() || plen > rec.size() - 4) break;
    std::string_view path = rec.substr(4, plen);
    Reader rest(rec.substr(4 + plen));
    CacheRecord e;
    e.stamp = read_stamp(rest);
    e.flags = rest.u8();
    uint32_t dlen = rest.u32();
    if (!rest.ok()) break;
    size_t off = 4 + plen + 8 * 5 + 1 + 4;
    if (dlen != rec.size() - off) break;
    e.data = rec.substr(off);
    old[path] = e;
  }
  return old;
}

}  // namespace

std::string default_cache_dir() {
  if (const char* x = getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/ofsck";
  if (geteuid() == 0) return "/var/cache/ofsck";
  const char* home = getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.cache/ofsck";
}

bool stamp_file(const std::string& path, FileStamp& out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  out.size = static_cast<uint64_t>(st.st_size);
  out.ino = st.st_ino;
  out.dev = st.st_dev;
  out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return true;
}

/// ModuleFile::param_arrays_read and param_arrays (format 5).
void write_param_arrays(Writer& w, const model::ModuleFile& m) {
  w.u8(m.param_arrays_read);
  w.u32(static_cast<uint32_t>(m.param_arrays.size()));
  for (const auto& a : m.param_arrays) {
    w.str(a.name);
    w.u32(a.max);
  }
}

bool read_param_arrays(Reader& r, model::ModuleFile& m) {
  m.param_arrays_read = r.u8() != 0;
  const uint32_t n = r.u32();
  if (!r.plausible(n, 8)) return false;
  m.param_arrays.resize(n);
  for (auto& a : m.param_arrays) {
    a.name = r.str();
    a.max = r.u32();
  }
  return r.ok();
}

std::string serialize_module(const model::ModuleFile& m) {
  Writer w;
  w.str(m.path);
  w.u8(static_cast<uint8_t>(m.compression));
  w.u64(m.file_size);
  w.u64(m.elf_size);
  w.u8(m.elf_class);
  w.u8(m.big_endian);
  w.u32(m.machine);
  w.u32(m.e_type);
  w.u64(m.this_module_size);
  w.u32(m.modinfo_sections);
  w.u32(m.this_module_sections);
  w.u32(m.symtab_sections);
  // modinfo: every record, then the derived fields are rebuilt from the same values
  const auto& i = m.info;
  w.str(i.name);
  w.str(i.vermagic);
  w.str(i.license);
  w.str(i.srcversion);
  w.u8(static_cast<uint8_t>(i.intree | i.retpoline << 1 | i.staging << 2 | i.livepatch << 3));
  w.strs(i.depends);
  w.strs(i.import_ns);
  w.strs(i.softdep);
  w.strs(i.weakdep);
  w.strs(i.firmware);
  w.strs(i.alias);
  w.strs(i.parm);
  w.strs(i.parmtype);
  w.u32(static_cast<uint32_t>(i.all.size()));
  for (const auto& [k, v] : i.all) {
    w.str(k);
    w.str(v);
  }
  w.u8(m.has_versions);
  w.u8(m.versions_alloc);
  w.u8(m.has_ext_versions);
  w.str(m.ext_versions_problem);
  w.u32(static_cast<uint32_t>(m.imports.size()));
  for (const auto& im : m.imports) {
    w.str(im.name);
    w.ocrc(im.crc);
    w.ocrc(im.versions_crc);
    w.u8(static_cast<uint8_t>(im.weak | im.in_symtab << 1));
  }
  w.u8(m.has_kcrctab);
  w.u8(m.has_kflagstab);
  w.u32(static_cast<uint32_t>(m.exports.size()));
  for (const auto& e : m.exports) {
    w.str(e.name);
    w.u8(e.gpl_only);
    w.u8(static_cast<uint8_t>(e.section));
    w.str(e.ns);
    w.ocrc(e.crc);
  }
  w.str(m.export_era);
  write_param_arrays(w, m);
  const auto& s = m.sig;
  w.u8(static_cast<uint8_t>(s.kind));
  w.u8(s.id_type);
  w.u8(s.algo);
  w.u8(s.hash);
  w.u8(s.signer_len);
  w.u8(s.key_id_len);
  w.u32(s.sig_len);
  w.u64(s.signed_len);
  w.str(s.signer);
  w.str(s.key_id);
  w.bytes(s.issuer_der);
  w.bytes(s.serial);
  w.str(s.hash_algo);
  w.str(s.pkey_algo);
  w.bytes(s.signature);
  w.bytes(s.content_digest);
  w.str(s.problem);
  w.out.append(reinterpret_cast<const char*>(m.content_sha256.data()), m.content_sha256.size());
  w.u8(m.has_content_sha256);
  return std::move(w.out);
}

bool deserialize_module(std::string_view bytes, model::ModuleFile& m) {
  Reader r(bytes);
  m.path = r.str();
  m.compression = static_cast<model::Compression>(r.u8());
  m.file_size = r.u64();
  m.elf_size = r.u64();
  m.elf_class = r.u8();
  m.big_endian = r.u8() != 0;
  m.machine = static_cast<uint16_t>(r.u32());
  m.e_type = static_cast<uint16_t>(r.u32());
  m.this_module_size = r.u64();
  m.modinfo_sections = r.u32();
  m.this_module_sections = r.u32();
  m.symtab_sections = r.u32();
  auto& i = m.info;
  i.name = r.str();
  i.vermagic = r.str();
  i.license = r.str();
  i.srcversion = r.str();
  uint8_t fl = r.u8();
  i.intree = fl & 1;
  i.retpoline = fl & 2;
  i.staging = fl & 4;
  i.livepatch = fl & 8;
  i.depends = r.strs();
  i.import_ns = r.strs();
  i.softdep = r.strs();
  i.weakdep = r.strs();
  i.firmware = r.strs();
  i.alias = r.strs();
  i.parm = r.strs();
  i.parmtype = r.strs();
  uint32_t n = r.u32();
  if (!r.plausible(n, 8)) return false;
  i.all.reserve(n);
  for (uint32_t k = 0; k < n && r.ok(); ++k) {
    std::string a = r.str();
    i.all.emplace_back(std::move(a), r.str());
  }
  m.has_versions = r.u8() != 0;
  m.versions_alloc = r.u8() != 0;
  m.has_ext_versions = r.u8() != 0;
  m.ext_versions_problem = r.str();
  n = r.u32();
  if (!r.plausible(n, 10)) return false;
  m.imports.resize(n);
  for (auto& im : m.imports) {
    im.name = r.str();
    im.crc = r.ocrc();
    im.versions_crc = r.ocrc();
    uint8_t f = r.u8();
    im.weak = f & 1;
    im.in_symtab = f & 2;
  }
  m.has_kcrctab = r.u8() != 0;
  m.has_kflagstab = r.u8() != 0;
  n = r.u32();
  if (!r.plausible(n, 14)) return false;
  m.exports.resize(n);
  for (auto& e : m.exports) {
    e.name = r.str();
    e.gpl_only = r.u8() != 0;
    uint8_t sec = r.u8();
    if (sec > static_cast<uint8_t>(model::KsymtabSection::kUnusedGpl)) return false;
    e.section = static_cast<model::KsymtabSection>(sec);
    e.ns = r.str();
    e.crc = r.ocrc();
  }
  m.export_era = r.str();
  if (!read_param_arrays(r, m)) return false;
  read_signature_record(r, m.sig);
  for (auto& b : m.content_sha256) b = r.u8();
  m.has_content_sha256 = r.u8() != 0;
  return r.ok() && r.at_end();
}

namespace {

/// One cache record: path, stamp, flags, serialized module (read_records()'s layout).
void append_record(std::string& out, std::string_view path, const FileStamp& stamp, uint8_t flags,
                   std::string_view data) {
  Writer rec;
  rec.str(path);
  write_stamp(rec, stamp);
  rec.u8(flags);
  rec.str(data);
  Writer len;
  len.u32(static_cast<uint32_t>(rec.out.size()));
  out += len.out;
  out += rec.out;
}

}  // namespace

void ModuleCache::read_into(const std::vector<std::string>& paths, const ReadOptions& opts,
                            const MissReader& read_misses, const ModuleSink& sink,
                            const std::function<const model::ModuleFile*(size_t)>& stored) {
  if (dir_.empty() || paths.empty()) {
    misses_ += paths.size();
    read_misses(paths, sink);
    return;
  }
  auto key_of = [&](const std::string& p) {
    return !alias_from_.empty() && p.starts_with(alias_from_)
               ? alias_to_ + p.substr(alias_from_.size())
               : p;
  };
  const std::string file = fmt::format("{}/modules-{:016x}.bin", dir_, fnv64(key_of(scope_)));
  const uint8_t need = static_cast<uint8_t>(
      (opts.signed_digest ? 1 : 0) | (opts.content_sha256 ? 2 : 0) | (opts.modinfo_text ? 4 : 0));
  // Existing records: path → (stamp, flags, serialized module).
  const MappedFile mapped(file);
  const std::unordered_map<std::string_view, CacheRecord> old = read_records(mapped.view());
  std::vector<FileStamp> stamps(paths.size());
  std::vector<char> stamped(paths.size(), 0);
  std::vector<const CacheRecord*> hit(paths.size(), nullptr);
  // Stat and decode every entry on all threads; each index writes only its own slots.
  parallel_for(paths.size(), threads_, [&](size_t i) {
    stamped[i] = static_cast<char>(stamp_file(paths[i], stamps[i]));
    auto it = stamped[i] ? old.find(key_of(paths[i])) : old.end();
    if (it != old.end() && it->second.stamp == stamps[i] && (it->second.flags & need) == need) {
      model::ModuleFile m;
      if (deserialize_module(it->second.data, m)) {
        m.path = paths[i];
        sink(i, std::move(m));
        hit[i] = &it->second;
      }
    }
  });
  std::vector<std::string> miss_paths;
  std::vector<size_t> miss_idx;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (hit[i]) continue;
    miss_paths.push_back(paths[i]);
    miss_idx.push_back(i);
  }
  hits_ += paths.size() - miss_paths.size();
  misses_ += miss_paths.size();
  if (miss_paths.empty()) return;
  read_misses(miss_paths,
              [&](size_t k, Result<model::ModuleFile>&& r) { sink(miss_idx[k], std::move(r)); });
  if (!alias_from_.empty()) return;  // read-only
  // Rewrite the cache with every successfully read file of this run: a hit's bytes as they
  // were, a fresh record serialised from where the caller keeps it.
  write_atomic_pieces(file, paths.size(), [&](size_t i, std::string& buf) {
    if (i == 0) buf = header();
    if (!stamped[i]) return;
    if (hit[i]) return append_record(buf, paths[i], stamps[i], hit[i]->flags, hit[i]->data);
    const model::ModuleFile* m = stored(i);
    if (m == nullptr) return;
    const auto flags =
        static_cast<uint8_t>((opts.signed_digest ? 1 : 0) | (m->has_content_sha256 ? 2 : 0) |
                             (opts.modinfo_text ? 4 : 0));
    append_record(buf, paths[i], stamps[i], flags, serialize_module(*m));
  });
}

std::vector<Result<model::ModuleFile>> ModuleCache::read(
    const std::vector<std::string>& paths, const ReadOptions& opts,
    const std::function<std::vector<Result<model::ModuleFile>>(const std::vector<std::string>&)>&
        read_misses) {
  std::vector<Result<model::ModuleFile>> out(paths.size());
  auto put = [&out](size_t i, Result<model::ModuleFile>&& r) { out[i] = std::move(r); };
  read_into(
      paths, opts,
      [&](const std::vector<std::string>& misses, const ModuleSink& sink) {
        auto got = read_misses(misses);
        for (size_t k = 0; k < got.size(); ++k) sink(k, std::move(got[k]));
      },
      put, [&out](size_t i) { return out[i] ? &*out[i] : nullptr; });
  return out;
}

Result<std::vector<model::TrustedCert>> cached_image_certificates(const std::string& cache_dir,
                                                                  const std::string& image) {
  FileStamp st;
  if (cache_dir.empty() || !stamp_file(image, st)) return kernel_image_certificates(image);
  const std::string file = fmt::format("{}/image-{:016x}.bin", cache_dir, fnv64(image));
  const MappedFile mapped(file);
  const std::string_view blob = mapped.view();
  Reader r(blob);
  if (check_header(r, blob) && r.str() == image && read_stamp(r) == st && r.ok()) {
    uint32_t n = r.u32();
    std::vector<model::TrustedCert> certs;
    if (r.plausible(n, 4)) {
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        auto der = r.bytes();
        auto c = parse_certificate_der(der, image);
        if (!c) break;
        certs.push_back(std::move(*c));
      }
      if (r.ok() && r.at_end() && certs.size() == n) return certs;
    }
  }
  auto certs = kernel_image_certificates(image);
  if (!certs) return certs;
  Writer w;
  w.out = header();
  w.str(image);
  write_stamp(w, st);
  w.u32(static_cast<uint32_t>(certs->size()));
  for (const auto& c : *certs) w.bytes(c.der);
  write_atomic(file, w.out);
  return certs;
}

Result<VmlinuxExports> cached_image_exports(const std::string& cache_dir, const std::string& image,
                                            int kernel_version) {
  FileStamp st;
  if (cache_dir.empty() || !stamp_file(image, st))
    return kernel_image_exports(image, kernel_version);
  const std::string file = fmt::format("{}/image-exports-{:016x}.bin", cache_dir, fnv64(image));
  const MappedFile mapped(file);
  const std::string_view blob = mapped.view();
  Reader r(blob);
  if (check_header(r, blob) && r.str() == image && read_stamp(r) == st &&
      r.u32() == static_cast<uint32_t>(kernel_version) && r.ok()) {
    VmlinuxExports ex;
    ex.symvers.path = image;
    ex.layout = r.str();
    ex.has_crcs = r.u8() != 0;
    uint32_t n = r.u32();
    if (r.plausible(n, 10)) {
      ex.symvers.entries.resize(n);
      for (auto& e : ex.symvers.entries) {
        e.name = r.str();
        e.crc = r.u32();
        e.module = "vmlinux";
        e.export_type = r.str();
        e.ns = r.str();
      }
      if (r.ok() && r.at_end()) return ex;
    }
  }
  auto ex = kernel_image_exports(image, kernel_version);
  if (!ex) return ex;
  Writer w;
  w.out = header();
  w.str(image);
  write_stamp(w, st);
  w.u32(static_cast<uint32_t>(kernel_version));
  w.str(ex->layout);
  w.u8(ex->has_crcs ? 1 : 0);
  w.u32(static_cast<uint32_t>(ex->symvers.entries.size()));
  for (const auto& e : ex->symvers.entries) {
    w.str(e.name);
    w.u32(e.crc.value_or(0));
    w.str(e.export_type);
    w.str(e.ns);
  }
  write_atomic(file, w.out);
  return ex;
}

}  // namespace ofsck::read

namespace ofsck::read {

KeyValueCache::KeyValueCache(const std::string& dir, const std::string& name) {
  if (dir.empty()) return;
  file_ = dir + "/" + name + ".bin";
  const MappedFile mapped(file_);
  const std::string_view blob = mapped.view();
  Reader r(blob);
  if (!check_header(r, blob)) return;
  uint32_t n = r.u32();
  if (!r.plausible(n, 33)) return;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string k = r.str();
    uint8_t v = r.u8();
    if (r.ok()) map_[std::move(k)] = v;
  }
  if (!r.ok() || !r.at_end()) map_.clear();  // corrupt: start over
}

KeyValueCache::~KeyValueCache() { save(); }

void KeyValueCache::save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_.empty() || !dirty_) return;
  dirty_ = false;
  Writer w;
  w.out = header();
  w.u32(static_cast<uint32_t>(map_.size()));
  for (const auto& [k, v] : map_) {
    w.str(k);
    w.u8(v);
  }
  write_atomic(file_, w.out);
}

bool KeyValueCache::get(const std::string& key, uint8_t& value) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  value = it->second;
  return true;
}

void KeyValueCache::put(const std::string& key, uint8_t value) {
  if (file_.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  map_[key] = value;
  dirty_ = true;
}

}  // namespace ofsck::read
