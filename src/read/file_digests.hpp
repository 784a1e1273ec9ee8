#pragma once
/// Content digests of files (sha256 and md5 of the bytes on disk, in one pass), kept in a small
/// cache of their own in the cache directory so that a repeat `snapshot` hashes only files that
/// changed. An entry is used only when the file's identity is unchanged (read::FileStamp: path,
/// size, mtime and ctime in ns, inode, device); a corrupt or foreign cache file is ignored and
/// rebuilt. Writes are atomic (temporary file + rename).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "read/cache.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Both digests of one file, lowercase hex.
struct FileDigests {
  std::string sha256;  ///< 64 hex digits
  std::string md5;     ///< 32 hex digits (what dpkg's md5sums record)
};

/// sha256 of `bytes`, 64 lowercase hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

/// Hashes one file (kIo naming it when it cannot be read).
[[nodiscard]] Result<FileDigests> digest_file(const std::string& path);

/// The digests of a set of files through the cache.
class DigestCache {
 public:
  /// `dir` empty = no cache (every file is hashed). `scope` names the file set (the module
  /// directory): one cache file per scope.
  DigestCache(std::string dir, const std::string& scope);

  /// Result i belongs to paths[i]; misses are hashed on `threads` threads (0 = every core).
  std::vector<Result<FileDigests>> digest(const std::vector<std::string>& paths, unsigned threads);

  /// Writes the cache file, with the entries of the files digest() was asked for, when it
  /// hashed anything (a failure to write is not an error: the next run hashes again).
  void save() const;

  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }
  const std::string& file() const { return file_; }

 private:
  struct Entry {
    FileStamp stamp;
    FileDigests d;
  };
  void load();
  std::string file_;
  std::unordered_map<std::string, Entry> entries_;  ///< as loaded (never changed after)
  /// What save() writes: the loaded entries digest() used (kept_, not copied: a warm run
  /// writes nothing) and the files it hashed (used_).
  std::vector<std::unordered_map<std::string, Entry>::const_iterator> kept_;
  std::unordered_map<std::string, Entry> used_;
  size_t hits_ = 0, misses_ = 0;
};

}  // namespace ofsck::read
