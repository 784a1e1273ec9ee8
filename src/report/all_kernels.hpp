#pragma once
/// `ofsck check --all-kernels`: one verdict line per installed kernel (text), or the same as a
/// JSON document (docs/json-schema.md).
#include <cstddef>
#include <string>
#include <vector>

#include "report/render.hpp"

namespace ofsck::report {

/// The check of one installed kernel, reduced to its verdict.
struct KernelVerdict {
  std::string release;
  bool next_boot = false;  ///< the kernel the boot loader starts next
  bool running = false;    ///< uname -r (root "/")
  bool checked = false;    ///< false: the kernel could not be checked (`error` says why)
  std::string error;
  size_t modules = 0, loading = 0, failing = 0, errors = 0, warnings = 0, notes = 0;
  /// FAIL: some module fails or some finding is an error (what `check` exits 1 for).
  [[nodiscard]] bool fails() const { return checked && (failing > 0 || errors > 0); }
};

/// Every installed kernel of a root, newest first.
struct AllKernelsReport {
  std::string root;
  std::string next_boot, next_boot_reason, running;
  std::vector<KernelVerdict> kernels;
};

/// "6.1.0-56-amd64: ok 4023 modules (next boot)" per kernel, then a summary line.
std::string render_all_kernels_text(const AllKernelsReport& r, const TextOptions& o);
/// {"schema", "tool", "root", "next_boot", "running_kernel", "kernels": [...]}.
std::string render_all_kernels_json(const AllKernelsReport& r);

}  // namespace ofsck::report
