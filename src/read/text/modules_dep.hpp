#pragma once
/// modules.dep (text) and modules.dep.bin (libkmod's trie index) readers.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// One module's line: "<path>: <dep> <dep>...".
struct DepEntry {
  std::string path;               ///< as written (relative to the module dir, or absolute)
  std::vector<std::string> deps;  ///< in file order (load order is reversed by modprobe)
  uint32_t line = 0;              ///< text modules.dep line; 0 for the .bin index
};

/// Name → entry. Names are modname_normalize() of the path's basename (text) or the index key.
struct ModulesDep {
  std::map<std::string, DepEntry> modules;
  std::vector<model::ConfigProblem> problems;  ///< bad lines, duplicate names
};

/// Parses text modules.dep. A name seen twice keeps the first entry (reported).
ModulesDep parse_modules_dep(std::string_view data, const std::string& display_path);

/// Checks that `data` is a well-formed kmod index (magic 0xB007F457, major version 2, every
/// node, prefix, child table and value inside the file, child ranges valid for libkmod's
/// signed/unsigned char use, no node reached twice, depth ≤ 4096). libkmod 30 cannot be
/// trusted on anything else: at EOF its read_char() returns -1 forever and buf_freadchars()
/// loops until memory runs out; a child range with a byte ≥ 0x80 makes index_dump_node() read
/// past its children[] array; a cycle recurses without end.
[[nodiscard]] Result<void> validate_kmod_index(std::string_view data, const std::string& path);

/// The same checks, calling `visit(key, value)` for every value in libkmod's dump order
/// (index_dump_node(): a node's values, then its children by ascending character).
[[nodiscard]] Result<void> walk_kmod_index(
    std::string_view data, const std::string& path,
    const std::function<void(std::string_view key, std::string_view value)>& visit);

/// Reads `<module_dir>/modules.dep.bin` (a real path, already under --root) with
/// walk_kmod_index() and parses each "<name> <path>: <deps>" entry. Errors name the file.
[[nodiscard]] Result<ModulesDep> read_modules_dep_bin(const std::string& module_dir);

/// The same through libkmod (kmod_new + kmod_dump_index(KMOD_INDEX_MODULES_DEP) into a memfd,
/// after validation): the reference the walker is tested against. ~10x slower: one write()
/// per entry.
[[nodiscard]] Result<ModulesDep> read_modules_dep_bin_libkmod(const std::string& module_dir);

}  // namespace ofsck::read
