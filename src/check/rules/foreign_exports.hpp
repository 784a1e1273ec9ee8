#pragma once
/// OFS309 foreign-exports: a kernel export list (Module.symvers, symvers.gz, --symvers) that
/// does not belong to the kernel whose modules are checked.
#include <optional>
#include <string>
#include <unordered_map>

#include "check/finding.hpp"
#include "model/kernel.hpp"
#include "resolve/resolve.hpp"

namespace ofsck::check {

/// How a vmlinux export list was read, for the evidence.
struct ExportListFacts {
  std::string path;
  std::string kver;
  uint32_t lines = 0;      ///< physical lines of the file
  uint32_t bad_lines = 0;  ///< lines the parser could not use
};

/// Cross-checks `vmlinux` (the list's vmlinux exports) against the tree's own in-tree modules:
/// the CRCs their __versions expect from vmlinux (module_layout included) and the vmlinux
/// symbols they import. The finding when the list has no vmlinux line, or they disagree;
/// nullopt when it is consistent (or nothing can be compared).
[[nodiscard]] std::optional<Finding> check_exports_belong(
    const resolve::Resolution& res,
    const std::unordered_map<std::string, model::KernelExport>& vmlinux,
    const ExportListFacts& list);

}  // namespace ofsck::check
