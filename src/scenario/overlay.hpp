#pragma once
/// The private changed root of `whatif` and `upgrade --to PKG`: a scratch directory that
/// mirrors the inspected root lazily. At first it holds one symlink per top-level entry of the
/// root; only the directories on the way to a file the change adds or removes are
/// "materialised" (turned into real directories whose entries are again symlinks to the
/// original). The tree walk follows symlinks as depmod does (fstatat without
/// AT_SYMLINK_NOFOLLOW), so every untouched file is still read from its original place.
/// Symlinks of the root itself (usrmerge's lib → usr/lib, weak-updates links) are copied
/// verbatim, so they resolve inside the overlay exactly as they do inside the root.
#include <memory>
#include <span>
#include <string>
#include <unordered_set>

#include "util/result.hpp"
#include "util/scratch_dir.hpp"

namespace ofsck::scenario {

class Overlay {
 public:
  /// A fresh overlay of `orig` (absolute, "" for "/") in a ScratchDir under `parent` (empty:
  /// ScratchDir's default), its top level populated.
  [[nodiscard]] static Result<std::shared_ptr<Overlay>> create(std::string orig,
                                                               const std::string& parent = "");

  /// The overlay root (a scratch directory, removed with the Overlay).
  [[nodiscard]] const std::string& dir() const { return scratch_.path(); }
  /// Absolute original root, "" for "/".
  [[nodiscard]] const std::string& orig() const { return orig_; }

  /// Writes a regular file at `rel` (relative to the root).
  [[nodiscard]] Result<void> put_file(const std::string& rel, std::span<const std::byte> data);
  /// Creates a symlink at `rel` with `target` as is.
  [[nodiscard]] Result<void> put_symlink(const std::string& rel, const std::string& target);
  /// A hard link of a package: a copy of the overlay's `existing`.
  [[nodiscard]] Result<void> put_hardlink(const std::string& rel, const std::string& existing);
  /// Makes `rel` a real directory.
  [[nodiscard]] Result<void> put_dir(const std::string& rel);
  /// Removes a non-directory entry, if present.
  [[nodiscard]] Result<void> remove(const std::string& rel);

 private:
  Overlay(ScratchDir scratch, std::string orig)
      : scratch_(std::move(scratch)), orig_(std::move(orig)) {}
  Result<void> populate(const std::string& rel);
  Result<std::string> materialize(const std::string& rel);
  Result<std::string> slot(const std::string& rel);

  ScratchDir scratch_;
  std::string orig_;
  std::unordered_set<std::string> mirrored_;  ///< overlay entries that link to the original
};

}  // namespace ofsck::scenario
