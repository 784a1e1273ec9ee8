#pragma once
/// read_module(): one kernel module file (.ko, .ko.xz, .ko.zst, .ko.gz) → model::ModuleFile.
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "model/module.hpp"
#include "util/result.hpp"

namespace ofsck::read {

struct ReadOptions {
  bool content_sha256 = false;  ///< fill ModuleFile::content_sha256 (reads the whole file)
  bool signed_digest =
      false;  ///< fill Signature::content_digest of signed files (reads them whole)
  /// Fill ModInfo::all and ModInfo::alias (the modinfo command). A tree check needs neither:
  /// they are most of a module's strings.
  bool modinfo_text = true;
  uint64_t max_decompressed = 512ull << 20;  ///< zip-bomb cap for compressed modules
  /// Called (from any reading thread, possibly several times) when a file carries a signature
  /// trailer: `check` decompresses the kernel image for its keys only when one does.
  std::function<void()> on_signature;
};

/// Reads a module from disk. Plain .ko files are read with pread, fetching only the ELF
/// header, section headers, the sections ofsck needs and the signature trailer (unless an
/// option needs the whole content); compressed files are decompressed into memory.
/// Every unreadable or malformed input gives an Error naming the file, the section and the
/// hex offset; a malformed signature trailer only sets sig.problem.
[[nodiscard]] Result<model::ModuleFile> read_module(const std::string& path,
                                                    const ReadOptions& opts = {});

/// Same, over bytes already in memory (file contents, possibly compressed). `path` labels
/// errors and ModuleFile::path.
[[nodiscard]] Result<model::ModuleFile> read_module_bytes(std::span<const std::byte> bytes,
                                                          const std::string& path,
                                                          const ReadOptions& opts = {});

/// Major*100+minor from a vermagic such as "6.1.0-47-amd64 SMP …" (0 if unparsable).
[[nodiscard]] int kernel_version_from_vermagic(std::string_view vermagic);

}  // namespace ofsck::read
