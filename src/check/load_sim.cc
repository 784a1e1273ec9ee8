// Mirrors kernel/module/main.c load_module() (6.1 order; 6.12 prints the same lines in the same
// order): module_sig_check → blacklisted → check_modstruct_version → check_modinfo (vermagic,
// taints, set_license) → sig_ok notice → check_export_symbol_versions → simplify_symbols →
// verify_exported_symbols. Every message string below is the kernel's own format string.
#include "check/load_sim.hpp"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace ofsck::check {

ExportIndex::ExportIndex(const model::ModuleFile& m) {
  by_name.reserve(m.exports.size());
  for (const auto& e : m.exports) by_name.emplace(e.name, &e);
}

std::string kernel_module_name(const model::ModuleFile& m) {
  if (!m.info.name.empty()) return m.info.name;
  auto slash = m.path.rfind('/');
  return model::module_name_from_filename(
      slash == std::string::npos ? m.path : m.path.substr(slash + 1));
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
    default: return fmt::format("errno {}", err);
  }
}

bool license_is_gpl_compatible(std::string_view l) {
  // include/linux/license.h
  return l == "GPL" || l == "GPL v2" || l == "GPL and additional rights" || l == "Dual BSD/GPL" ||
         l == "Dual MIT/GPL" || l == "Dual MPL/GPL";
}

bool same_magic(std::string_view mod, std::string_view kernel, bool has_crcs) {
  // kernel/module/version.c same_magic(): with CRCs, skip the release (up to the first space).
  if (has_crcs) {
    auto a = mod.find(' '), b = kernel.find(' ');
    mod = a == std::string_view::npos ? std::string_view{} : mod.substr(a);
    kernel = b == std::string_view::npos ? std::string_view{} : kernel.substr(b);
  }
  return mod == kernel;
}

namespace {

/// Taint letters in the kernel's taint_flags[] order.
std::string taint_string(bool p, bool f, bool c, bool o, bool e) {
  std::string s;
  if (p) s += 'P';
  if (f) s += 'F';
  if (c) s += 'C';
  if (o) s += 'O';
  if (e) s += 'E';
  return s;
}

bool is_proprietary(const model::ModuleFile& m) {
  const std::string& l = m.info.license.empty() ? std::string("unspecified") : m.info.license;
  return !license_is_gpl_compatible(l);
}

struct Found {
  const char* owner = nullptr;  // nullptr = not found
  std::string_view owner_name;  // "vmlinux" or a LoadedModule's name (outlives the Found)
  std::optional<uint32_t> crc;
  bool gpl_only = false;
  std::string_view ns;
  bool owner_proprietary = false;
};

/// find_symbol(): vmlinux first, then loaded modules newest first; GPL-only exports are invisible
/// when !gplok (find_exported_symbol_in_section).
Found find_symbol(const model::KernelFacts& k, std::span<const LoadedModule> loaded,
                  const std::string& name, bool gplok) {
  Found f;
  if (auto it = k.vmlinux.find(name); it != k.vmlinux.end()) {
    if (gplok || !it->second.gpl_only) {
      f.owner = "vmlinux";
      f.owner_name = "vmlinux";
      f.crc = it->second.crc;
      f.gpl_only = it->second.gpl_only;
      f.ns = it->second.ns;
      return f;
    }
  }
  for (const auto& lm : loaded) {
    if (!lm.exports) continue;
    auto it = lm.exports->by_name.find(name);
    if (it == lm.exports->by_name.end()) continue;
    const model::Export* e = it->second;
    if (!gplok && e->gpl_only) continue;
    f.owner = "module";
    f.owner_name = lm.name;
    f.crc = e->crc;
    f.gpl_only = e->gpl_only;
    f.ns = e->ns;
    f.owner_proprietary = lm.file && is_proprietary(*lm.file);
    return f;
  }
  return f;
}

const model::Import* find_version(const model::ModuleFile& m, std::string_view name) {
  for (const auto& i : m.imports)
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace

LoadVerdict simulate_load(const model::KernelFacts& k, const SigVerdict& sig,
                          const model::ModuleFile& m, std::span<const LoadedModule> loaded,
                          const SimOptions& opts) {
  LoadVerdict v;
  v.name = kernel_module_name(m);
  v.sig = sig;
  const std::string& n = v.name;
  auto fail = [&](int err, std::string stage) {
    v.loads = false;
    v.err = err;
    v.stage = std::move(stage);
    return v;
  };
  auto say = [&](std::string text, bool once = false) {
    v.kernel_messages.push_back(KernelLine{std::move(text), once});
  };
  bool taint_p = false, taint_f = false, taint_c = false, taint_o = false, taint_e = false;

  // 1. module_sig_check(): before any ELF parsing.
  bool sig_ok = true;
  if (k.module_sig) {
    const bool enforced = k.sig_enforce || k.sig_force;
    const char* reason = nullptr;
    switch (sig.status) {
      case SigStatus::kOk: break;
      case SigStatus::kUnknown: break;  // no trust information: assume accepted, say so elsewhere
      case SigStatus::kUnsigned: reason = "unsigned module"; break;
      case SigStatus::kNoKey: reason = "module with unavailable key"; break;
      case SigStatus::kUnsupported: reason = "module with unsupported crypto"; break;
      case SigStatus::kBadMessage: return fail(EBADMSG, "signature");
      case SigStatus::kRejected: return fail(EKEYREJECTED, "signature");
    }
    if (reason) {
      sig_ok = false;
      if (enforced) {
        say(fmt::format("Loading of {} is rejected", reason));
        return fail(EKEYREJECTED, "signature");
      }
      if (k.lockdown == "integrity" || k.lockdown == "confidentiality") {
        say(fmt::format("Lockdown: {}: unsigned module loading is restricted; see man "
                        "kernel_lockdown.7",
                        opts.comm));
        return fail(EPERM, "signature");
      }
    }
  }

  // 2. blacklisted(): module_blacklist= on the kernel command line.
  if (std::find(k.module_blacklist.begin(), k.module_blacklist.end(), n) !=
      k.module_blacklist.end()) {
    say(fmt::format("Module {} is blacklisted", n));
    return fail(EPERM, "blacklist");
  }

  // try_to_force_load(): prints only while the kernel is not yet tainted F.
  auto force = [&](const std::string& why) -> bool {
    if (!k.force_load) return false;
    say(fmt::format("{}: {}: kernel tainted.", n, why), /*once=*/true);
    // add_taint(..., LOCKDEP_NOW_UNRELIABLE) turns lock debugging off once per boot.
    say("Disabling lock debugging due to kernel taint", true);
    taint_f = true;
    return true;
  };

  // check_version() for one symbol against an owner CRC. Returns false on mismatch (message
  // already printed) or on a refused force-load.
  // find_version() is a linear scan; a module checks every import, so large modules index
  // their imports once (first entry per name wins, as in the scan).
  std::unordered_map<std::string_view, const model::Import*> version_index;
  auto lookup_version = [&](std::string_view sym) -> const model::Import* {
    if (m.imports.size() <= 128) return find_version(m, sym);
    if (version_index.empty()) {
      version_index.reserve(m.imports.size());
      for (const auto& i : m.imports) version_index.emplace(i.name, &i);
    }
    auto it = version_index.find(sym);
    return it == version_index.end() ? nullptr : it->second;
  };
  // `entry`: the import being bound, when known. Its crc is that of the first version entry of
  // its name (the reader's first match), which is what the scan would find.
  auto check_version = [&](const std::string& sym, const std::optional<uint32_t>& owner_crc,
                           bool* no_version, const model::Import* entry = nullptr) -> bool {
    if (!owner_crc) return true;  // owner has no CRC: nothing to compare
    if (m.has_ext_versions) {
      const model::Import* i = entry ? entry : lookup_version(sym);
      if (i && i->crc) {
        if (*i->crc == *owner_crc) return true;
        say(fmt::format("{}: disagrees about version of symbol {}", n, sym));
        return false;
      }
      say(fmt::format("{}: no extended symbol version for {}", n, sym), true);
      if (no_version) *no_version = true;
      return true;
    }
    if (!m.has_versions) return force(sym);
    const model::Import* i = entry ? entry : lookup_version(sym);
    if (i && i->crc) {
      if (*i->crc == *owner_crc) return true;
      say(fmt::format("{}: disagrees about version of symbol {}", n, sym));
      return false;
    }
    // kernel ≥ 4.10: a missing entry is a once-per-boot warning only.
    say(fmt::format("{}: no symbol version for {}", n, sym), true);
    if (no_version) *no_version = true;
    return true;
  };

  // 3. check_modstruct_version(): module_layout against vmlinux (ENOEXEC, no Unknown symbol).
  if (k.modversions && k.have_exports) {
    if (auto it = k.vmlinux.find("module_layout"); it != k.vmlinux.end()) {
      if (!check_version("module_layout", it->second.crc, nullptr)) {
        if (!v.kernel_messages.empty() &&
            v.kernel_messages.back().text.find("disagrees") != std::string::npos) {
          v.symbol_problems.push_back({SymbolProblem::Kind::kCrcMismatch, "module_layout",
                                       "vmlinux", find_version(m, "module_layout")
                                                      ? find_version(m, "module_layout")->crc
                                                      : std::nullopt,
                                       it->second.crc, ""});
        }
        return fail(ENOEXEC, "module_layout");
      }
    }
  }

  // 4. check_modinfo(): vermagic.
  if (m.info.vermagic.empty()) {
    if (!force("bad vermagic")) return fail(ENOEXEC, "vermagic");
  } else if (!k.vermagic.empty() && !same_magic(m.info.vermagic, k.vermagic, m.has_versions)) {
    say(fmt::format("{}: version magic '{}' should be '{}'", n, m.info.vermagic, k.vermagic));
    return fail(ENOEXEC, "vermagic");
  }
  if (!m.info.intree) {
    say(fmt::format("{}: loading out-of-tree module taints kernel.", n), true);
    taint_o = true;
  }
  if (m.info.staging) {
    say(fmt::format("{}: module is from the staging directory, the quality is unknown, you have "
                    "been warned.",
                    n));
    taint_c = true;
  }
  {
    const std::string lic = m.info.license.empty() ? "unspecified" : m.info.license;
    if (!license_is_gpl_compatible(lic)) {
      say(fmt::format("{}: module license '{}' taints kernel.", n, lic), true);
      say("Disabling lock debugging due to kernel taint", true);
      taint_p = true;
    }
  }
  // Signature taint notice (pr_notice_once), after add_unformed_module().
  if (k.module_sig && !sig_ok) {
    say(fmt::format("{}: module verification failed: signature and/or required key missing - "
                    "tainting kernel",
                    n),
        true);
    taint_e = true;
  }
  // module_augment_kernel_taints() (6.4+; verified absent in 6.1, present in 6.12): a module that
  // is the first to taint P also prints this, after the signature notice.
  if (taint_p && (k.major > 6 || (k.major == 6 && k.minor >= 4)))
    say(fmt::format("{}: module license taints kernel.", n), true);
  auto finish_taints = [&] { v.taints = taint_string(taint_p, taint_f, taint_c, taint_o, taint_e); };

  // 5. check_export_symbol_versions().
  if (k.modversions && !m.exports.empty() && !m.has_kcrctab) {
    if (!force("no versions for exported symbols")) {
      finish_taints();
      return fail(ENOEXEC, "export_versions");
    }
  }

  // 6. simplify_symbols(): every SHN_UNDEF symbol in .symtab order.
  int last_err = 0;
  bool using_gplonly = false;  // mod->using_gplonly_symbols
  v.bindings.reserve(m.imports.size());
  for (const auto& imp : m.imports) {
    if (!imp.in_symtab) continue;
    if (imp.name == "_GLOBAL_OFFSET_TABLE_") continue;  // ignore_undef_symbol() on x86
    const bool gplok = !taint_p;
    Found f = find_symbol(k, loaded, imp.name, gplok);
    if (!f.owner && !k.have_exports) {
      // vmlinux exports unknown: assume vmlinux provides it (said once, in a tree finding).
      if (opts.record_bindings) v.bindings.push_back({imp.name, "vmlinux?", imp.crc, std::nullopt});
      continue;
    }
    int err = 0;
    if (!f.owner) {
      if (imp.weak) {
        if (opts.record_bindings) v.bindings.push_back({imp.name, "", imp.crc, std::nullopt});
        continue;
      }
      // GPL-only symbol hidden from a proprietary module, or not exported at all.
      Found any = find_symbol(k, loaded, imp.name, true);
      v.symbol_problems.push_back({any.owner ? SymbolProblem::Kind::kGplOnly
                                             : SymbolProblem::Kind::kMissing,
                                   imp.name, any.owner ? std::string(any.owner_name) : std::string(), imp.crc, any.crc,
                                   ""});
      err = ENOENT;
    } else {
      if (opts.record_bindings) v.bindings.push_back({imp.name, std::string(f.owner_name), imp.crc, f.crc});
      if (f.gpl_only) using_gplonly = true;
      // inherit_taint()
      if (f.owner_proprietary) {
        if (using_gplonly) {
          say(fmt::format("{}: module using GPL-only symbols uses symbols {} from proprietary "
                          "module {}.",
                          n, imp.name, f.owner_name));
          v.symbol_problems.push_back({SymbolProblem::Kind::kProprietaryOwner, imp.name,
                                       std::string(f.owner_name), imp.crc, f.crc, ""});
          err = ENOENT;
        } else if (!taint_p) {
          say(fmt::format("{}: module uses symbols {} from proprietary module {}, inheriting "
                          "taint.",
                          n, imp.name, f.owner_name));
          taint_p = true;
        }
      }
      if (!err) {
        bool nov = false;
        if (!check_version(imp.name, f.crc, &nov, &imp)) {
          v.symbol_problems.push_back({SymbolProblem::Kind::kCrcMismatch, imp.name, std::string(f.owner_name),
                                       imp.crc, f.crc, ""});
          err = EINVAL;
        } else if (nov) {
          v.no_version_symbols.push_back(imp.name);
        }
      }
      if (!err && !f.ns.empty() &&
          std::find(m.info.import_ns.begin(), m.info.import_ns.end(), f.ns) ==
              m.info.import_ns.end()) {
        say(fmt::format("{}: module uses symbol ({}) from namespace {}, but does not import it.",
                        n, imp.name, f.ns));
        if (!k.allow_missing_ns) {
          v.symbol_problems.push_back({SymbolProblem::Kind::kNamespace, imp.name, std::string(f.owner_name),
                                       imp.crc, f.crc, std::string(f.ns)});
          err = EINVAL;
        }
      }
    }
    if (err) {
      say(fmt::format("{}: Unknown symbol {} (err -{})", n, imp.name, err));
      last_err = err;
    }
  }
  finish_taints();
  if (last_err) return fail(last_err, "symbols");

  // 7. complete_formation() → verify_exported_symbols(): first duplicate wins the error.
  for (const auto& e : m.exports) {
    Found f = find_symbol(k, loaded, e.name, true);
    if (!f.owner) continue;
    const std::string owner = f.owner_name == "vmlinux" ? "kernel" : std::string(f.owner_name);
    say(fmt::format("{}: exports duplicate symbol {} (owned by {})", n, e.name, owner));
    v.duplicate_symbol = e.name;
    v.duplicate_owner = owner;
    return fail(ENOEXEC, "duplicate_export");
  }
  return v;
}

}  // namespace ofsck::check
