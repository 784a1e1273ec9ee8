#pragma once
/// Kernel (vmlinux) exports as read from Module.symvers / symvers.gz / System.map.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ofsck::model {

struct SymversEntry {
  std::string name;
  std::optional<uint32_t> crc;  ///< none for System.map input
  std::string module;           ///< "vmlinux" or build path, e.g. drivers/infiniband/core/ib_core
  std::string export_type;      ///< EXPORT_SYMBOL, EXPORT_SYMBOL_GPL, ... (empty for System.map)
  std::string ns;
  bool gpl_only() const {
    return export_type.find("_GPL") != std::string::npos &&
           export_type.find("FUTURE") == std::string::npos;
  }
};

enum class SymversLayout { kUnknown, kPre54, k54to59, k510plus, kSystemMap };

struct Symvers {
  std::string path;
  SymversLayout layout = SymversLayout::kUnknown;
  std::vector<SymversEntry> entries;  ///< file order, every line (vmlinux and modules)
};

}  // namespace ofsck::model
