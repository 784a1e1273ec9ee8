#pragma once
/// `ofsck upgrade --to KVER`: for every module of the current kernel that was not built with it
/// (winners outside kernel/, or without intree=Y), predict on the target kernel whether it loads
/// as things stand, whether it would load if linked into the target's weak-updates/ (RHEL
/// weak-modules' decision, kernel-semantics.md §8, but per module, with the production search
/// order and the kernel's full load checks of §5), or must be rebuilt, and against which headers.
#include <string>
#include <vector>

#include "check/check_tree.hpp"
#include "check/finding.hpp"

namespace ofsck::check {

struct UpgradeOptions {
  CheckOptions check;     ///< --root, --kernel (FROM), trust, cache, ...
  std::string to;         ///< --to: the target kernel release
  std::string kabi_list;  ///< --kabi-list FILE; empty: <root>/lib/modules/kabi-current/...
};

/// Verdict values (strings, as the JSON carries them).
inline constexpr std::string_view kUpgradeLoads = "loads";        ///< loads on the target
inline constexpr std::string_view kUpgradeFails = "fails";        ///< inserted, the kernel refuses
inline constexpr std::string_view kUpgradeAbsent = "absent";      ///< no file of the name on TO
inline constexpr std::string_view kUpgradeReplaced = "replaced";  ///< another file of the name wins
inline constexpr std::string_view kUpgradeShadowed = "shadowed";  ///< a link would not win

/// The decision for one module of the current kernel.
struct UpgradeModule {
  std::string name;
  std::string file;        ///< FROM's winner, relative to FROM's module dir (absolute if external)
  std::string package;     ///< owning package ("" unknown; kNoPackage when no package owns it)
  std::string verdict_as_is;     ///< loads | fails | absent | replaced
  std::string as_is_file;        ///< what wins for the name on TO ("" when absent)
  std::string verdict_if_linked; ///< loads | fails | shadowed
  std::string link_path;         ///< weak-updates/<subpath> on TO
  bool needs_rebuild = false;
  std::string rebuild_headers;   ///< e.g. "linux-headers-6.1.0-56-amd64"
  std::string errno_name;        ///< of the linked load when it fails
  std::vector<std::string> kernel_messages;  ///< of the linked load (or the as-is load)
  std::vector<std::string> reasons;          ///< why, one line each
  std::vector<std::string> failing_symbols;  ///< "sym: module 0x.. vs vmlinux 0x.." / "not exported"
  std::vector<std::string> kabi_risks;       ///< imported symbols not on the kABI list
};

struct UpgradeReport {
  std::string root, from, to;
  std::string kabi_list;  ///< the list used ("" = none)
  std::vector<UpgradeModule> modules;  ///< sorted by name
  std::vector<Finding> findings;       ///< OFS501..504 plus input findings of both kernels
  /// True when some module neither loads as-is nor would load if linked (exit 1).
  bool any_unloadable = false;
};

/// Errors: TO missing or equal to FROM, FROM ambiguous (kUsage → exit 2); a kernel tree or the
/// --kabi-list file unreadable (kNotFound/kIo → exit 3).
[[nodiscard]] Result<UpgradeReport> plan_upgrade(const UpgradeOptions& o);

/// Reads a kABI stablelist/whitelist: `[section]` lines skipped, other lines one symbol
/// (tab-indented). Returns the symbol names.
[[nodiscard]] Result<std::vector<std::string>> read_kabi_list(const std::string& path);

}  // namespace ofsck::check
