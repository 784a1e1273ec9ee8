// The kABI steps of plan_upgrade() (scenario/upgrade_steps.hpp): the list, and the roll-up of
// off-list imports per owning package.
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "check/rules/packages.hpp"
#include "scenario/upgrade_steps.hpp"

namespace ofsck::check {

namespace {

/// The kABI list's architecture name from the modules' ELF machine.
std::string kabi_arch(uint16_t machine) {
  switch (machine) {
    case 62: return "x86_64";
    case 183: return "aarch64";
    case 21: return "ppc64le";
    case 22: return "s390x";
    default: return "x86_64";
  }
}

}  // namespace

Result<std::vector<std::string>> read_kabi_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kNotFound, "kABI list cannot be opened", {path});
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '[' || line[b] == '#') continue;
    size_t e = line.find_last_not_of(" \t\r");
    out.push_back(line.substr(b, e - b + 1));
  }
  if (in.bad()) return make_error(ErrorCode::kIo, "kABI list cannot be read", {path});
  return out;
}

Result<void> load_kabi(UpgradePlan& p, std::optional<std::vector<std::string>> given) {
  std::string path = p.o.kabi_list;
  if (path.empty() && !p.cands.empty()) {
    std::string arch = kabi_arch(p.cands.front().file->machine);
    for (const char* base : {"kabi_stablelist_", "kabi_whitelist_"}) {
      std::string candidate = p.from.root + "/lib/modules/kabi-current/" + base + arch;
      if (access(candidate.c_str(), R_OK) == 0) {
        path = candidate;
        break;
      }
    }
  }
  if (!given && !path.empty()) {
    auto l = read_kabi_list(path);
    if (!l) return tl::unexpected(l.error());
    given = std::move(*l);
  }
  if (!given) return {};
  p.kabi.emplace(given->begin(), given->end());
  p.rep.kabi_list = path;
  return {};
}

std::vector<KabiPackageRisk> kabi_rollup(const std::vector<UpgradeModule>& modules) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> by_pkg;
  std::map<std::string, std::set<std::string>> mods;
  for (const auto& m : modules) {
    if (m.kabi_risks.empty()) continue;
    std::string pkg =
        m.package.empty() || m.package == kNoPackage ? std::string(kUnownedGroup) : m.package;
    mods[pkg].insert(m.name);
    for (const auto& sym : m.kabi_risks) by_pkg[pkg][sym].insert(m.name);
  }
  std::vector<KabiPackageRisk> out;
  for (auto& [pkg, syms] : by_pkg) {
    KabiPackageRisk r;
    r.package = pkg;
    r.modules.assign(mods[pkg].begin(), mods[pkg].end());
    for (auto& [sym, users] : syms) r.symbols.push_back({sym, {users.begin(), users.end()}});
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ofsck::check
