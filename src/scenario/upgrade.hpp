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
#include "scenario/scratch_root.hpp"

namespace ofsck::check {

struct UpgradeOptions {
  scenario::NodeInputs node;  ///< --root, --kernel (FROM), trust, cache, ...
  std::string to;             ///< --to KVER: the target kernel release
  /// --to PKG.deb|PKG.rpm (repeatable): laid over the root on a private overlay (scenario/
  /// package_overlay.hpp); the target is the kernel whose module tree they bring, or `to` when
  /// they bring several. Nothing on the root changes.
  std::vector<std::string> to_packages;
  std::string kabi_list;  ///< --kabi-list FILE; empty: <root>/lib/modules/kabi-current/...
  std::string tmp_dir;    ///< parent of the overlay; empty: ScratchDir's default
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
  std::string file;     ///< FROM's winner, relative to FROM's module dir (absolute if external)
  std::string package;  ///< owning package ("" unknown; kNoPackage when no package owns it)
  std::string verdict_as_is;      ///< loads | fails | absent | replaced
  std::string as_is_file;         ///< what wins for the name on TO ("" when absent)
  std::string verdict_if_linked;  ///< loads | fails | shadowed
  std::string link_path;          ///< weak-updates/<subpath> on TO
  bool needs_rebuild = false;
  std::string rebuild_headers;               ///< e.g. "linux-headers-6.1.0-56-amd64"
  std::string errno_name;                    ///< of the linked load when it fails
  std::vector<std::string> kernel_messages;  ///< of the linked load (or the as-is load)
  std::vector<std::string> reasons;          ///< why, one line each
  std::vector<std::string>
      failing_symbols;                  ///< "sym: module 0x.. vs vmlinux 0x.." / "not exported"
  std::vector<std::string> kabi_risks;  ///< imported symbols not on the kABI list
  /// Its OFS5xx findings were suppressed (--ignore, --baseline): accepted, it fails no check.
  bool suppressed = false;
};

/// Label of the kABI roll-up group for modules no package owns (or when no database exists).
inline constexpr std::string_view kUnownedGroup = "unowned";

/// One off-list symbol of a package and the package's modules that import it.
struct KabiSymbolUse {
  std::string symbol;
  std::vector<std::string> modules;  ///< sorted
};

/// kABI roll-up per owning package: the union of its modules' kabi_risks.
struct KabiPackageRisk {
  std::string package;                 ///< UpgradeModule::package, or kUnownedGroup
  std::vector<std::string> modules;    ///< its modules with at least one off-list import, sorted
  std::vector<KabiSymbolUse> symbols;  ///< sorted by symbol
};

struct UpgradeReport {
  std::string root, from, to;
  std::string kabi_list;                      ///< the list used ("" = none)
  std::vector<std::string> to_packages;       ///< --to package files as given (empty: --to KVER)
  std::vector<std::string> to_packages_read;  ///< "path (deb, data.tar.xz ..., N entries)"
  std::vector<UpgradeModule> modules;         ///< sorted by name
  /// With a kABI list: per owning package with off-list imports, sorted by package.
  std::vector<KabiPackageRisk> kabi_by_package;
  std::vector<Finding> findings;  ///< OFS501..504 plus input findings of both kernels
  /// True when some module neither loads as-is nor would load if linked (exit 1, unless its
  /// OFS501 finding is suppressed).
  bool any_unloadable = false;
  SuppressedCounts suppressed;  ///< findings left out by --ignore and --baseline (cli/upgrade)
};

/// Errors: TO missing or equal to FROM, FROM ambiguous, --to packages that bring no kernel
/// module tree or several without a `to` release (kUsage → exit 2); a kernel tree, a package or
/// the --kabi-list file unreadable (kNotFound/kIo/kMalformed → exit 3).
[[nodiscard]] Result<UpgradeReport> plan_upgrade(const UpgradeOptions& o);

/// Reads a kABI stablelist/whitelist: `[section]` lines skipped, other lines one symbol
/// (tab-indented). Returns the symbol names.
[[nodiscard]] Result<std::vector<std::string>> read_kabi_list(const std::string& path);

}  // namespace ofsck::check
