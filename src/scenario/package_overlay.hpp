#pragma once
/// Packages (.deb, .rpm, directory trees) laid over a root on an Overlay, as `whatif --install`
/// and `upgrade --to PKG` lay them. Nothing on the inspected root changes.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "read/pkgdb/pkgdb.hpp"
#include "scenario/overlay.hpp"
#include "util/result.hpp"

namespace ofsck::scenario {

/// Kernel release a target path belongs to (lib/modules/K, usr/src/linux-headers-K, boot/*-K);
/// "*" for configuration every kernel reads (depmod.d, modprobe.d, firmware); "" for paths
/// ofsck does not read.
[[nodiscard]] std::string kernel_of(const std::string& rel);

/// Lays one package (.deb, .rpm or directory) over `ov`; returns its summary line, e.g.
/// "path (deb, data.tar.xz compressed with xz, N entries)". `touched` gets the kernel releases
/// of its paths (kernel_of()). `added` (when given) gets the package's identity and every path
/// it ships; its name stays empty for a directory or a package that does not say who it is.
[[nodiscard]] Result<std::string> lay_package(Overlay& ov, const std::string& pkg,
                                              std::set<std::string>& touched,
                                              read::PackageAddition* added = nullptr);

/// Packages laid over a root on a private overlay. The overlay directory is removed with the
/// last `overlay`.
struct PackageOverlay {
  std::shared_ptr<Overlay> overlay;
  std::string dir;                     ///< the overlay root (a scratch directory)
  std::string orig;                    ///< absolute original root, "" for "/"
  std::vector<std::string> installed;  ///< one summary per package (lay_package())
  /// Per package: the kernel releases its paths belong to; "*" for configuration every kernel
  /// reads.
  std::vector<std::set<std::string>> touched;
};

/// Lays `packages` over `root` on a fresh overlay under `tmp_dir` (empty: ScratchDir's
/// default). Errors name the unreadable package or root (exit 3).
[[nodiscard]] Result<PackageOverlay> overlay_packages(const std::string& root,
                                                      const std::vector<std::string>& packages,
                                                      const std::string& tmp_dir = "");

}  // namespace ofsck::scenario
