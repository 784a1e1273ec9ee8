#pragma once
/// An unpacked initramfs as a path → entry map, with the symlinks resolved the way path lookup
/// in the booted rootfs resolves them (merged-/usr images have lib -> usr/lib).
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "read/archive/initramfs.hpp"

namespace ofsck::check {

class ImageView {
 public:
  explicit ImageView(const read::Initramfs& img);

  /// Canonical path of `p` (every symlink resolved), or "" when a component is missing or a
  /// loop is met (40 links, like the kernel's MAXSYMLINKS).
  [[nodiscard]] std::string canonical(const std::string& p) const;
  /// The regular file at `p` (symlinks followed), or nullptr.
  [[nodiscard]] const read::InitramfsEntry* file(const std::string& p) const;
  /// Regular files whose canonical path lies under canonical directory `dir`: canonical path →
  /// entry. Files are found through their own (possibly symlinked) parent directories.
  [[nodiscard]] std::map<std::string, const read::InitramfsEntry*> files_under(
      const std::string& dir) const;
  /// Names of the directories directly under `dir`.
  [[nodiscard]] std::set<std::string> subdirs(const std::string& dir) const;

 private:
  const read::Initramfs& img_;
  std::unordered_map<std::string, size_t> by_path_;
};

}  // namespace ofsck::check
