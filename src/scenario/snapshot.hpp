#pragma once
/// `ofsck snapshot`: one node's driver stack as plain data (docs/json-schema.md, "Snapshot
/// document", format 1), built from a prepared node and its evaluated verdicts. Small by
/// design: a module whose file is its package's own, unmodified, is covered by that package's
/// digest and not listed; only the others are (no package, modified, or not verifiable).
#include <optional>
#include <string>
#include <vector>

#include "check/node.hpp"
#include "check/result.hpp"
#include "read/text/proc_modules.hpp"

namespace ofsck::check {

struct SnapshotSummary {
  bool ok = true;  ///< no error-level finding (what makes `check` exit 1)
  size_t modules = 0, failing = 0, errors = 0, warnings = 0;
  std::string first;  ///< "subject:RULE" of the first error-level finding; "" when none
};

struct SnapshotFinding {
  std::string rule, severity, subject;  ///< subject: paths on the node without the root
};

/// A package that owns winning module files whose contents match its recorded digests.
struct SnapshotPackage {
  std::string name, version;
  size_t modules = 0;  ///< its verified winning module files
  std::string digest;  ///< sha256 of "relpath\0sha256\n" over those files, sorted by relpath
};

/// A winner that is not covered by a package digest.
struct SnapshotModule {
  std::string name, path, sha256;  ///< path relative to the module dir (externals absolute)
  std::string package, version;    ///< "" = none
  std::string why;                 ///< "no-package", "modified" or "unverified"
  std::string srcversion, signer;  ///< "" = none
  bool loads = true;
};

struct SnapshotOption {
  std::string module, param;
  std::optional<std::string> value;  ///< nullopt: a bare `param`
  std::string source;                ///< "/etc/modprobe.d/x.conf:3" or "(kernel command line)"
};

/// A running value that differs from the configured effective option (a reboot changes it).
struct RunningDrift {
  std::string module, param, configured, running;
};

struct Snapshot {
  std::string node, taken, ofsck, kernel, kmod;
  bool live = false;
  SnapshotSummary summary;
  std::vector<SnapshotFinding> findings;    ///< sorted
  std::vector<SnapshotPackage> packages;    ///< sorted by name, version
  std::vector<SnapshotModule> modules;      ///< sorted by name
  std::vector<SnapshotOption> options;      ///< modules sorted, kernel order within one
  std::vector<read::LoadedModule> loaded;   ///< live only, sorted
  std::vector<RunningDrift> running_drift;  ///< live only
  /// What could not be read or verified (not part of the stack): e.g. no /proc/modules.
  std::vector<std::string> problems;
};

/// What the caller decides about a snapshot.
struct SnapshotInputs {
  std::string node;       ///< --node; "" = default_node_name()
  std::string ofsck;      ///< ofsck's version
  std::string cache_dir;  ///< digest cache; "" = none
  unsigned threads = 0;
  /// The running system to read loaded modules from; nullopt = not live. The CLI sets it
  /// for the root "/".
  std::optional<read::LiveDirs> live;
};

/// The host name for the root "/" (or "" root), else the root directory's last component.
std::string default_node_name(const std::string& root);

/// The snapshot of a prepared and evaluated node (after suppression: what the site accepted
/// is not a finding here either).
[[nodiscard]] Snapshot build_snapshot(const Node& node, const CheckResult& result,
                                      const SnapshotInputs& in);

/// True when `running` (as /sys/module/M/parameters/P shows it) is the value `configured`
/// sets (`has_value` false: a bare `param`), compared as the kernel renders it: a bool prints
/// Y/N whatever kstrtobool() spelling set it; integers print in decimal whatever base set
/// them; arrays compare element by element; anything else byte for byte, quotes removed.
bool same_running_value(std::string_view configured, bool has_value, std::string_view running);

/// running_drift of the loaded modules against the node's effective options (parameq: '-'
/// and '_' are equal in parameter names; the last setting of a parameter wins).
std::vector<RunningDrift> running_drift(const Node& node,
                                        const std::vector<read::LoadedModule>& loaded);

}  // namespace ofsck::check
