#pragma once
/// `ofsck whatif`: the same check before and after installing packages (.deb, .rpm, a directory
/// tree) and removing installed ones, and the difference. Nothing on the inspected system
/// changes: the changed root is a private overlay directory (symlinks to the original files,
/// plus the package files) removed before run_whatif() returns (findings carry their config
/// lines' text).
#include <string>
#include <vector>

#include "check/check_tree.hpp"
#include "check/result.hpp"
#include "scenario/scratch_root.hpp"
#include "util/result.hpp"

namespace ofsck::check {

struct WhatifOptions {
  scenario::NodeInputs node;  ///< root, --kernel (empty: every kernel the change touches), ...
  std::vector<std::string> install;  ///< PKG.deb, PKG.rpm or a directory laid over the root
  std::vector<std::string> remove;   ///< installed package names (dpkg or RPM database)
  std::string tmp_dir;               ///< parent of the overlay; empty: ScratchDir's default
};

/// A module whose verdict differs between before and after.
struct VerdictChange {
  std::string kernel, name;
  bool before_loads = true, after_loads = true;
  std::string before_errno, after_errno;
  std::string before_file, after_file;
};

/// The difference for one kernel release.
struct KernelDiff {
  std::string kernel;
  bool before_exists = true;        ///< false: the change brings this kernel
  bool after_exists = true;         ///< false: the change removes it
  std::vector<Finding> introduced;  ///< after, not before (paths on the inspected root)
  std::vector<Finding> fixed;       ///< before, not after
  std::vector<VerdictChange> changes;
  std::vector<VerdictChange> winner_changes;  ///< same verdict, another file wins
  size_t before_modules = 0, after_modules = 0;
  /// Findings left out by --ignore (introduced or fixed) and by --baseline (introduced: a
  /// finding accepted earlier is not new); counted, never dropped silently (cli/whatif).
  SuppressedCounts suppressed;
};

struct WhatifReport {
  std::string root;                    ///< as given
  std::vector<std::string> installed;  ///< "path (deb, data.tar.xz/xz, N entries)"
  std::vector<std::string> removed;    ///< package labels whose files were taken away
  std::vector<KernelDiff> kernels;
};

/// Builds the overlay, checks each kernel before and after, diffs. Errors: kUsage (unknown
/// package to remove, several kernels where one is needed) → exit 2; others → exit 3, naming
/// the unreadable package or root.
[[nodiscard]] Result<WhatifReport> run_whatif(const WhatifOptions& o);

}  // namespace ofsck::check
