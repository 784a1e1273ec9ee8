#pragma once
/// modules.order, modules.builtin and modules.builtin.modinfo, read the way depmod 30 reads
/// them (depmod_modules_sort(), output_builtin_bin(), output_builtin_alias_bin()).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"

namespace ofsck::read {

/// One modules.order line.
struct OrderEntry {
  std::string relpath;  ///< e.g. kernel/drivers/net/foo.ko (compared to uncompressed relpaths)
  uint32_t idx = 0;     ///< depmod's line counter (fgets chunks of ≤4095 bytes)
};

/// Parsed modules.order.
struct ModulesOrder {
  /// Lines in file order. depmod sets sort_idx = idx - total for each module found, so on a
  /// duplicate the *last* line wins. Empty when `corrupted` (depmod then does not sort at all:
  /// modules keep directory-scan order).
  std::vector<OrderEntry> entries;
  uint32_t total = 0;      ///< depmod's `total` (lines + 1); sort_idx = idx - total
  bool corrupted = false;  ///< a line lacks its '\n' ("corrupted line misses '\n'")
  uint32_t corrupted_line = 0;
  std::vector<model::ConfigProblem> problems;
};

/// Parses modules.order. `display_dir` is the module directory on the target (for messages:
/// "<dir>/modules.order:<n> corrupted line misses '\n'").
ModulesOrder parse_modules_order(std::string_view data, const std::string& display_dir);

/// One built-in module from modules.builtin.
struct BuiltinEntry {
  std::string name;  ///< path_to_modname(): basename up to the first '.', '-' → '_'
  std::string path;  ///< the line without '\n'
  uint32_t line = 0;
};

/// Parsed modules.builtin.
struct ModulesBuiltin {
  std::vector<BuiltinEntry> modules;
  std::vector<model::ConfigProblem> problems;  ///< "Invalid modules.builtin line: ..."
};

/// Parses modules.builtin: each line must start with a letter (isalpha in the C locale).
ModulesBuiltin parse_modules_builtin(std::string_view data, const std::string& display_path);

/// One `<modname>.<key>=<value>\0` record.
struct BuiltinModinfoRecord {
  std::string module, key, value;
  uint64_t offset = 0;  ///< byte offset of the record
};

/// Parsed modules.builtin.modinfo.
struct ModulesBuiltinModinfo {
  std::vector<BuiltinModinfoRecord> records;
  std::vector<model::ConfigProblem> problems;  ///< records without '.' or '=' (offset in where)
};

/// Parses modules.builtin.modinfo (NUL-separated records; the module name ends at the first
/// '.', the key at the first '=' after it). A final record without NUL is reported but kept.
ModulesBuiltinModinfo parse_modules_builtin_modinfo(std::string_view data,
                                                    const std::string& display_path);

}  // namespace ofsck::read
