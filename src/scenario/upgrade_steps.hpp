#pragma once
/// The steps of plan_upgrade() (scenario/upgrade.cc) and what they hand each other; internal to
/// src/scenario/.
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "check/boot.hpp"
#include "check/check_tree.hpp"
#include "check/finding.hpp"
#include "read/pkgdb/pkgdb.hpp"
#include "resolve/tree_scan.hpp"
#include "scenario/scratch_root.hpp"
#include "scenario/upgrade.hpp"

namespace ofsck::check {

/// A FROM module not built with FROM: what weak-modules would link into TO's weak-updates/.
struct Candidate {
  uint32_t from_file = 0;  ///< FROM's Resolution::files index
  const model::ModuleFile* file = nullptr;
  std::string name;        ///< kernel module name (normalised resolution name)
  bool link_wins = false;  ///< the link would win the name on TO
};

/// What plan_installed()'s steps share. Per-candidate vectors are indexed like `cands`.
struct UpgradePlan {
  UpgradePlan(const UpgradeOptions& opts, const Node& f, const Node& t) : o(opts), from(f), to(t) {}

  const UpgradeOptions& o;
  const Node& from;
  const Node& to;
  std::vector<Candidate> cands;             ///< FROM winners not built with FROM
  std::vector<resolve::ScannedFile> links;  ///< each candidate's weak-updates/ link on TO
  std::vector<std::string> link_notes;      ///< why a link would (not) win, "" when plain
  std::vector<int> as_is_index;             ///< TO module index when the file itself wins; -1
  CheckResult as_is;                        ///< TO's verdicts for those
  std::unordered_map<std::string, const ModuleResult*> verdicts;  ///< into `as_is`, by name
  std::optional<std::unordered_set<std::string>> kabi;            ///< the kABI list, if any
  std::optional<read::PackageDb> packages;                        ///< FROM's package databases
  DiagnosticSink sink;
  UpgradeReport rep;
};

// upgrade.cc
/// FROM: --kernel, else the only kernel of the root other than TO, else pick_kernel().
[[nodiscard]] Result<std::string> pick_from(const UpgradeOptions& o);
/// The inputs TO is prepared and evaluated with.
[[nodiscard]] scenario::NodeInputs to_inputs(const UpgradeOptions& o);
/// `--to KVER`: both kernels are already under the root.
[[nodiscard]] Result<UpgradeReport> plan_installed(const UpgradeOptions& o);

// upgrade_links.cc
/// The candidates: FROM's winners not built with FROM (outside kernel/, or without intree=Y).
void find_candidates(UpgradePlan& p);
/// Would a link in TO's weak-updates/ win the name (depmod_module_is_higher_priority())?
void decide_links(UpgradePlan& p);
/// (a) as things stand: TO's own verdicts for the candidates whose file wins there.
void as_is_verdicts(UpgradePlan& p);

// upgrade_kabi.cc
/// The kABI list: --kabi-list (`given`, already read), else the root's kabi-current list.
[[nodiscard]] Result<void> load_kabi(UpgradePlan& p, std::optional<std::vector<std::string>> given);
/// Per owning package: the union of its modules' off-list imports, and who imports each.
std::vector<KabiPackageRisk> kabi_rollup(const std::vector<UpgradeModule>& modules);

// upgrade_decide.cc
/// (a), (b) and (c) for every candidate, with the OFS5xx findings; fills p.rep.modules.
void decide_modules(UpgradePlan& p);

// upgrade_packages.cc
/// `--to PKG…`: lay the packages over the root, find the kernel they bring, plan on the overlay.
[[nodiscard]] Result<UpgradeReport> plan_packages(const UpgradeOptions& o);

}  // namespace ofsck::check
