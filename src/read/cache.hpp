#pragma once
/// Persistent cache of what was read from module files and kernel images, so a repeat run
/// reads only files that changed. An entry is used only when the file's identity is unchanged:
/// path, size, mtime (ns), ctime (ns), inode and device all equal — so a changed, replaced or
/// re-linked file is always read again. A corrupt, truncated or foreign-version cache file is
/// ignored and rebuilt, never trusted. Writes are atomic (temporary file + rename).
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/kernel.hpp"
#include "model/module.hpp"
#include "read/module_reader.hpp"
#include "read/parallel.hpp"
#include "read/vmlinux_exports.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Default cache directory: $XDG_CACHE_HOME/ofsck, else /var/cache/ofsck for root, else
/// ~/.cache/ofsck.
std::string default_cache_dir();

/// Identity of a file on disk, as the cache key.
struct FileStamp {
  uint64_t size = 0, ino = 0, dev = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
/// stat() of `path`; false when it cannot be stat'ed.
bool stamp_file(const std::string& path, FileStamp& out);

/// Serialises one ModuleFile (every field) and reads it back. Exposed for tests.
std::string serialize_module(const model::ModuleFile& m);
bool deserialize_module(std::string_view bytes, model::ModuleFile& out);

/// Cache of ModuleFile records for one set of files (one module tree).
class ModuleCache {
 public:
  /// `dir` empty = disabled (every read goes to the files). `scope` names the file set (the
  /// physical module directory): one cache file per scope.
  ModuleCache(std::string dir, std::string scope)
      : dir_(std::move(dir)), scope_(std::move(scope)) {}

  /// Reads the files the cache misses, handing record k of `misses` to the sink as index k.
  using MissReader =
      std::function<void(const std::vector<std::string>& misses, const ModuleSink& sink)>;

  /// Reads `paths` through the cache: hits are decoded, misses are read with `read_misses`
  /// (in parallel); record i (for paths[i]) goes to `sink` as index i. The cache file is then
  /// rewritten from `stored(i)`, the record the caller kept for paths[i] (nullptr: none).
  /// Errors are not cached.
  void read_into(const std::vector<std::string>& paths, const ReadOptions& opts,
                 const MissReader& read_misses, const ModuleSink& sink,
                 const std::function<const model::ModuleFile*(size_t)>& stored);

  /// The same, collected in input order (tests, small callers).
  std::vector<Result<model::ModuleFile>> read(
      const std::vector<std::string>& paths, const ReadOptions& opts,
      const std::function<std::vector<Result<model::ModuleFile>>(const std::vector<std::string>&)>&
          read_misses);

  /// Looks entries up as if paths under `from` were under `to`, and never writes the cache
  /// file (the paths under `from` are a what-if overlay that lives for one run).
  void set_alias(std::string from, std::string to) {
    alias_from_ = std::move(from);
    alias_to_ = std::move(to);
  }

  /// Threads that stat and decode cached entries (0 = one per core).
  void set_threads(unsigned n) { threads_ = n; }

  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  std::string dir_, scope_;
  std::string alias_from_, alias_to_;
  size_t hits_ = 0, misses_ = 0;
  unsigned threads_ = 0;
};

/// Certificates of a kernel image through the cache (the image's payload decompression is the
/// expensive part of a check).
Result<std::vector<model::TrustedCert>> cached_image_certificates(const std::string& cache_dir,
                                                                  const std::string& image);

/// vmlinux's exports read from a kernel image through the cache (a full payload decode, ~0.6 s
/// CPU, otherwise). Keyed like the certificates, plus `kernel_version`.
Result<VmlinuxExports> cached_image_exports(const std::string& cache_dir, const std::string& image,
                                            int kernel_version);

}  // namespace ofsck::read

namespace ofsck::read {

/// A persistent set of 32-byte keys with a one-byte value (e.g. "this signature, over this
/// digest, verifies with this certificate"), stored atomically in <dir>/<name>.bin.
class KeyValueCache {
 public:
  KeyValueCache(const std::string& dir, const std::string& name);
  ~KeyValueCache();  ///< saves when something was added
  KeyValueCache(const KeyValueCache&) = delete;
  KeyValueCache& operator=(const KeyValueCache&) = delete;
  bool get(const std::string& key, uint8_t& value) const;
  void put(const std::string& key, uint8_t value);
  /// Writes the file now when something was added since the last save.
  void save();

 private:
  std::string file_;
  std::unordered_map<std::string, uint8_t> map_;
  bool dirty_ = false;
  mutable std::mutex mu_;
};

}  // namespace ofsck::read
