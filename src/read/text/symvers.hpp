#pragma once
/// Module.symvers (all layouts), symvers.gz / .xz, and System.map readers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "model/symbols.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// A parsed export list plus the lines that could not be used.
struct ParsedSymvers {
  model::Symvers symvers;
  std::vector<model::ConfigProblem> problems;  ///< kind "bad-symvers-line", with line numbers
  uint32_t lines = 0;                          ///< physical lines seen
};

/// Default cap on the decompressed size of a symvers/System.map file.
inline constexpr uint64_t kSymversCap = uint64_t{512} << 20;

/// Parses Module.symvers text (§7.1): split on '\t' keeping empty fields; 4 fields = pre-5.4;
/// ≥5 fields with field[3] starting "EXPORT_" = 5.10+; field[4] "EXPORT_" = 5.4–5.9. The
/// file layout is the first line's; lines of another layout are still parsed but reported.
/// CRCs must be hex (optional 0x) fitting 32 bits. Unusable lines are reported and skipped.
ParsedSymvers parse_symvers(std::string_view data, std::string path);

/// Parses System.map: lines "<addr> <type> <name>" whose name starts with "__ksymtab_" give
/// export names (no CRC, no GPL flag), like depmod -F. Fails with kMalformed for Debian's
/// 83-byte placeholder ("The real System.map is in the linux-image-<version>-dbg package").
[[nodiscard]] Result<ParsedSymvers> parse_system_map(std::string_view data, std::string path);

/// Reads a file whole, transparently decompressing gzip/zlib or xz by magic, with the
/// output capped at `cap` bytes (kTooLarge beyond).
[[nodiscard]] Result<std::string> read_maybe_compressed(const std::string& path,
                                                        uint64_t cap = kSymversCap);

/// read_maybe_compressed() + parse_symvers().
[[nodiscard]] Result<ParsedSymvers> read_symvers_file(const std::string& path,
                                                      uint64_t cap = kSymversCap);

/// read_maybe_compressed() + parse_system_map().
[[nodiscard]] Result<ParsedSymvers> read_system_map_file(const std::string& path,
                                                         uint64_t cap = kSymversCap);

/// One symbol as depmod -E keeps it (depmod_load_symvers()): strtok(" \t") collapses empty
/// columns, only lines whose third token is exactly "vmlinux" count, CRC = strtoull(ver, 16).
/// So a 5.4–5.9 line with a namespace is dropped, as is a 3-column line ("vmlinux\n").
struct DepmodSymversEntry {
  std::string name;
  uint64_t crc = 0;
  uint32_t line = 0;
};

/// depmod -E's view of a Module.symvers: kept symbols plus kmod's error lines
/// ("<file>:<line> Invalid symbol version <ver>: ...") as problems.
std::vector<DepmodSymversEntry> depmod_symvers_view(std::string_view data, const std::string& path,
                                                    std::vector<model::ConfigProblem>* problems);

}  // namespace ofsck::read
