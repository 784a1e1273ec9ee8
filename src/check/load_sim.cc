// Mirrors kernel/module/main.c load_module() (6.1 order; 6.12 and 7.x print the same lines in the
// same order): module_sig_check → elf_validity → blacklisted → check_modstruct_version →
// check_modinfo (vermagic, taints, set_license) → sig_ok notice → check_export_symbol_versions →
// setup_modinfo → simplify_symbols → verify_exported_symbols. Each step is a unit of its own
// under check/load/, opening with the kernel function and messages it mirrors.
#include "check/load_sim.hpp"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"

namespace ofsck::check {

ExportIndex::ExportIndex(const model::ModuleFile& m) {
  by_name.reserve(m.exports.size());
  for (const auto& e : m.exports) by_name.emplace(e.name, &e);
}

std::string kernel_module_name(const model::ModuleFile& m) {
  if (!m.info.name.empty()) return m.info.name;
  auto slash = m.path.rfind('/');
  return model::module_name_from_filename(slash == std::string::npos ? m.path
                                                                     : m.path.substr(slash + 1));
}

std::string errno_name(int err) {
  switch (err) {
    case 0: return "";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOEXEC: return "ENOEXEC";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENODATA: return "ENODATA";
    case ENOPKG: return "ENOPKG";
    case EBADMSG: return "EBADMSG";
    case ENOKEY: return "ENOKEY";
    case EKEYREJECTED: return "EKEYREJECTED";
    case ERANGE: return "ERANGE";
    case ENOSPC: return "ENOSPC";
    default: return fmt::format("E{}", err);
  }
}

std::string modprobe_error_text(int err) {
  // tools/modprobe.c insmod_insert(): ENOENT, EEXIST have their own texts, else strerror().
  switch (err) {
    case ENOENT: return "Unknown symbol in module, or unknown parameter (see dmesg)";
    case EEXIST: return "Module already in kernel";
    case EPERM: return "Operation not permitted";
    case ENOEXEC: return "Exec format error";
    case EINVAL: return "Invalid argument";
    case EKEYREJECTED: return "Key was rejected by service";
    case ENOKEY: return "Required key not available";
    case EBADMSG: return "Bad message";
    case ENOPKG: return "Package not installed";
    case EBUSY: return "Device or resource busy";
    case ERANGE: return "Numerical result out of range";
    case ENOSPC: return "No space left on device";
    default: return fmt::format("errno {}", err);
  }
}

bool license_is_gpl_compatible(std::string_view l) {
  // include/linux/license.h
  return l == "GPL" || l == "GPL v2" || l == "GPL and additional rights" || l == "Dual BSD/GPL" ||
         l == "Dual MIT/GPL" || l == "Dual MPL/GPL";
}

std::string_view stage_name(Stage s) {
  switch (s) {
    case Stage::kNone: return "";
    case Stage::kSignature: return "signature";
    case Stage::kElfValidity: return "elf_validity";
    case Stage::kBlacklist: return "blacklist";
    case Stage::kModuleLayout: return "module_layout";
    case Stage::kVermagic: return "vermagic";
    case Stage::kModinfo: return "modinfo";
    case Stage::kExportVersions: return "export_versions";
    case Stage::kSymbols: return "symbols";
    case Stage::kDuplicateExport: return "duplicate_export";
    case Stage::kParams: return "params";
    case Stage::kDependency: return "dependency";
  }
  return "";
}

LoadVerdict simulate_load(const model::KernelFacts& k, const SigVerdict& sig,
                          const model::ModuleFile& m, std::span<const LoadedModule> loaded,
                          const SimOptions& opts) {
  LoadVerdict v;
  v.name = kernel_module_name(m);
  v.sig = sig;
  load::Context c(k, m, loaded, opts, v);
  // load_module(): module_sig_check → elf_validity_cache_copy → blacklisted →
  // check_modstruct_version → check_modinfo (vermagic, then the taints).
  if (!load::signature(c) || !load::elf_validity(c) || !load::blacklist(c) ||
      !load::module_layout(c) || !load::vermagic(c))
    return v;
  load::taints(c);
  // check_export_symbol_versions → setup_modinfo → simplify_symbols → (complete_formation)
  // verify_exported_symbols.
  // ... prepare_coming_module → parse_args(): the options, once the module is formed.
  if (load::export_versions(c) && load::setup_modinfo(c) && load::symbols(c) &&
      load::duplicate_exports(c))
    load::params(c);
  c.finish_taints();
  return v;
}

}  // namespace ofsck::check
