// OFS309 foreign-exports: "<file> does not belong to kernel <kver>: N of M CRCs that its in-tree
// modules expect from vmlinux disagree, first: <sym> (<module>) expects 0x.., the file says 0x..".
// The kernel's check_version() compares every __versions CRC of a module with the CRC vmlinux
// exports (module_layout first, before 6.3); the in-tree modules shipped with the kernel pass it
// by construction, so a list that fails them was built for another kernel (another ABI, another
// build, or not an export list at all). prepare() then bases no verdict on it.
#include "check/rules/foreign_exports.hpp"

#include <fmt/format.h>

#include "check/rules.hpp"

namespace ofsck::check {

namespace {

/// The comparison of one list with the in-tree modules.
struct Tally {
  size_t compared = 0, disagree = 0;  ///< CRCs
  size_t imported = 0, missing = 0;   ///< vmlinux symbols by name
  std::string first_crc, first_missing;
};

/// True when `name` is exported by a module of the tree (not vmlinux's to answer).
bool module_exports(const resolve::Resolution& res, const std::string& name) {
  auto it = res.symbols.symbols.find(name);
  return it != res.symbols.symbols.end() && it->second.owner >= 0;
}

void tally_module(const resolve::Resolution& res, const resolve::ResolvedModule& m,
                  const std::unordered_map<std::string, model::KernelExport>& vmlinux, Tally& t) {
  for (const auto& imp : m.module->imports) {
    if (module_exports(res, imp.name)) continue;
    auto it = vmlinux.find(imp.name);
    if (imp.in_symtab && !imp.weak) {
      ++t.imported;
      if (it == vmlinux.end() && t.missing++ == 0)
        t.first_missing = fmt::format("{} ({})", imp.name, m.name);
    }
    if (!imp.crc || it == vmlinux.end() || !it->second.crc) continue;
    ++t.compared;
    if (*it->second.crc != *imp.crc && t.disagree++ == 0)
      t.first_crc = fmt::format("{} ({}) expects 0x{:08x}, the file says 0x{:08x}", imp.name,
                                m.name, *imp.crc, *it->second.crc);
  }
}

/// The kernel package's own modules: in-tree, under kernel/, built for exactly this release. A
/// vendor copy of an in-tree module (updates/, weak-updates/, another build or flavour) says
/// nothing about the list: it fails check_version() whatever the list is.
bool shipped_with_kernel(const resolve::Resolution& res, const resolve::ResolvedModule& m,
                         const std::string& kver) {
  if (!m.module || !m.module->info.intree) return false;
  if (!res.files[m.file].relpath.starts_with("kernel/")) return false;
  const std::string& vm = m.module->info.vermagic;
  return vm.size() > kver.size() && vm.starts_with(kver) && vm[kver.size()] == ' ';
}

}  // namespace

std::optional<Finding> check_exports_belong(
    const resolve::Resolution& res,
    const std::unordered_map<std::string, model::KernelExport>& vmlinux,
    const ExportListFacts& list) {
  const std::string head = fmt::format("{} does not belong to kernel {}: ", list.path, list.kver);
  std::string evidence;
  if (vmlinux.empty()) {
    evidence = fmt::format("it has no valid vmlinux line ({} lines, {} unusable)", list.lines,
                           list.bad_lines);
  } else {
    Tally t;
    for (const auto& m : res.modules)
      if (shipped_with_kernel(res, m, list.kver)) tally_module(res, m, vmlinux, t);
    // A CRC that differs is decisive; names alone only when most are absent (a list of
    // another kernel generation), never for the odd symbol of one module.
    if (t.disagree > 0)
      evidence = fmt::format("{} of {} CRCs that its in-tree modules expect from vmlinux "
                             "disagree, first: {}",
                             t.disagree, t.compared, t.first_crc);
    else if (t.imported > 0 && t.missing * 2 > t.imported)
      evidence = fmt::format("{} of {} symbols its in-tree modules import from vmlinux are not "
                             "in it, first: {}",
                             t.missing, t.imported, t.first_missing);
  }
  if (evidence.empty()) return std::nullopt;
  Finding f = make_finding(kForeignExports, list.path, head + evidence);
  f.where.push_back(SourceRef{list.path});
  return f;
}

}  // namespace ofsck::check
