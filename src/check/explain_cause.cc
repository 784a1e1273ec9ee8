// Findings with provenance. Each load rule's finding opens with the kernel message it predicts.
#include "check/explain_cause.hpp"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "check/rules.hpp"

namespace ofsck::check {

namespace {

std::string crc_text(const std::optional<uint32_t>& c) {
  return c ? fmt::format("0x{:08x}", *c) : std::string("none");
}

SourceRef file_ref(const Prepared& p, uint32_t file) {
  return SourceRef{p.resolution.files[file].path};
}

/// Finding::fields of a CRC: "0x%08x"; nothing when the CRC is not known.
void set_crc(Finding& f, std::string key, const std::optional<uint32_t>& c) {
  if (c) f.set(std::move(key), crc_text(c));
}

/// The provider of a symbol as fields: its name and, for a module, its winning file (for
/// vmlinux, the export list read).
void set_provider(const Prepared& p, const std::string& provider, Finding& f) {
  if (provider.empty()) return;
  f.set("provider", provider);
  const auto& res = p.resolution;
  if (provider == "vmlinux") {
    if (!p.kernel.exports_source.empty()) f.set("provider_file", p.kernel.exports_source);
  } else if (auto it = res.module_by_name.find(provider); it != res.module_by_name.end()) {
    f.set("provider_file", res.files[res.modules[static_cast<size_t>(it->second)].file].path);
  }
}

/// The fields of one symbol problem: the symbol, the CRCs that disagree, the provider and the
/// namespace.
void set_symbol_fields(const Prepared& p, const SymbolProblem& sp, Finding& f) {
  if (!sp.symbol.empty()) f.set("symbol", sp.symbol);
  if (sp.kind == SymbolProblem::Kind::kCrcMismatch) {
    set_crc(f, "expected_crc", sp.expected);
    set_crc(f, "found_crc", sp.actual);
  }
  set_provider(p, sp.provider, f);
  if (!sp.ns.empty()) f.set("namespace", sp.ns);
}

std::vector<std::string> texts(const LoadVerdict& v) {
  std::vector<std::string> out;
  for (const auto& l : v.kernel_messages) out.push_back(l.text);
  return out;
}

/// Where a provider module came from and, if it shadowed other files, why it won.
void note_provider(const Prepared& p, const std::string& provider, Finding& f) {
  if (provider.empty() || provider == "vmlinux") return;
  const auto& res = p.resolution;
  auto it = res.module_by_name.find(provider);
  if (it == res.module_by_name.end()) return;
  const auto& m = res.modules[static_cast<size_t>(it->second)];
  f.notes.push_back(fmt::format("{} is provided by {}", provider, res.files[m.file].relpath));
  for (const auto& sel : res.selections) {
    if (sel.name != provider) continue;
    for (const auto& l : sel.losers) {
      // Loser::reason already reads "lost to <winner>: <why>".
      f.notes.push_back(fmt::format("{} {}", res.files[l.file].relpath, l.reason));
      if (!l.decision.where.path.empty()) f.where.push_back(l.decision.where);
    }
  }
}

/// The symbol-level findings of one failed or warned load.
void symbol_findings(const Prepared& p, const std::string& subject, SourceRef where,
                     const LoadVerdict& v, const CauseIndex& causes, DiagnosticSink& sink) {
  const std::string errn = errno_name(v.err);
  const std::string mp = v.loads ? std::string()
                                 : fmt::format("modprobe: ERROR: could not insert '{}': {}", v.name,
                                               modprobe_error_text(v.err));
  auto base = [&](std::string_view rule, std::string msg) {
    Finding f = make_finding(rule, subject, std::move(msg));
    f.where.push_back(where);
    f.kernel_messages = texts(v);
    f.modprobe_message = mp;
    f.set("module", v.name);
    if (!v.loads) f.set("errno", errn);
    return f;
  };
  if (v.stage == Stage::kModuleLayout) {
    Finding f =
        base(kModuleLayout,
             fmt::format(
                 "{} was built for another kernel ABI: module_layout CRC {} "
                 "differs from this kernel's {} ({})",
                 v.name,
                 crc_text(v.symbol_problems.empty() ? std::nullopt : v.symbol_problems[0].expected),
                 crc_text(v.symbol_problems.empty() ? std::nullopt : v.symbol_problems[0].actual),
                 errn));
    f.set("symbol", "module_layout");
    if (!v.symbol_problems.empty()) {
      set_crc(f, "expected_crc", v.symbol_problems[0].expected);
      set_crc(f, "found_crc", v.symbol_problems[0].actual);
    }
    f.notes.push_back("the kernel stops at module_layout: no per-symbol messages follow");
    f.hint = fmt::format("rebuild {} against the headers of {} (or install its package built for "
                         "{})",
                         v.name, p.kernel.release, p.kernel.release);
    sink.add(std::move(f));
    return;
  }
  if (v.stage == Stage::kElfValidity) {
    Finding f =
        base(kElfInvalid, fmt::format("{} is not a module for this kernel's architecture: {} ({})",
                                      v.name, v.elf_problem, errn));
    f.set("elf_problem", v.elf_problem);
    f.notes.push_back("the kernel's ELF checks (elf_validity_ehdr) run before vermagic is read");
    if (f.kernel_messages.empty())
      f.notes.push_back("this kernel prints no line for it (or the failing header field cannot "
                        "be known)");
    if (!p.kernel.elf.source.path.empty())
      f.notes.push_back(
          fmt::format("the kernel's ELF kind is taken from {}", p.kernel.elf.source.path));
    f.hint = fmt::format("build {} for this kernel's architecture", v.name);
    sink.add(std::move(f));
    return;
  }
  if (v.stage == Stage::kVermagic) {
    Finding f = base(kVermagic, fmt::format("{}: version magic does not match the kernel's ({})",
                                            v.name, errn));
    f.set("kernel_vermagic", p.kernel.vermagic);
    f.notes.push_back(fmt::format("kernel vermagic taken from {}", p.kernel.vermagic_source));
    if (!p.kernel.modversions)
      f.notes.push_back("this kernel has no modversions: vermagic is compared in full, release "
                        "included");
    else if (!v.versions_visible)
      f.notes.push_back("the kernel sees no __versions section (it lacks SHF_ALLOC, or is "
                        "absent): vermagic is compared in full, release included");
    f.hint = fmt::format("rebuild {} against the headers of {}", v.name, p.kernel.release);
    sink.add(std::move(f));
    return;
  }
  if (v.stage == Stage::kSignature) {
    if (v.err == EBADMSG || (v.err == EKEYREJECTED && v.sig.status == SigStatus::kRejected)) {
      Finding f = base(kSignatureInvalid,
                       fmt::format("{}: signature is invalid ({}), which the kernel rejects even "
                                   "without enforcement",
                                   v.name, errn));
      f.notes.push_back(v.sig.detail);
      f.hint = "re-sign the module (scripts/sign-file) or reinstall its package";
      sink.add(std::move(f));
    } else {
      Finding f = base(kSignatureRejected,
                       fmt::format("{}: {} is rejected: signatures are enforced ({})", v.name,
                                   v.sig.status == SigStatus::kUnsigned ? "unsigned module"
                                                                        : "module with unknown key",
                                   errn));
      f.notes.push_back(v.sig.detail);
      f.hint = "sign it with a key the kernel trusts (enrol it with mokutil), or boot without "
               "module.sig_enforce=1/lockdown";
      sink.add(std::move(f));
    }
    return;
  }
  if (v.stage == Stage::kBlacklist) {
    Finding f =
        base(kBlacklisted, fmt::format("{} is named in module_blacklist= ({})", v.name, errn));
    f.hint = "remove it from module_blacklist= on the kernel command line";
    sink.add(std::move(f));
    return;
  }
  if (v.stage == Stage::kExportVersions) {
    Finding f = base(kExportVersions,
                     fmt::format("{} exports symbols without CRCs and the kernel cannot force-load "
                                 "({})",
                                 v.name, errn));
    sink.add(std::move(f));
    return;
  }
  if (v.stage == Stage::kDuplicateExport) {
    Finding f =
        base(kDuplicateExport, fmt::format("{} exports {}, already exported by {} ({})", v.name,
                                           v.duplicate_symbol, v.duplicate_owner, errn));
    f.set("symbol", v.duplicate_symbol);
    set_provider(p, v.duplicate_owner, f);
    f.hint = "two stacks provide the same symbol: remove one of them";
    sink.add(std::move(f));
    return;
  }
  for (const auto& sp : v.symbol_problems) {
    Finding f;
    switch (sp.kind) {
      case SymbolProblem::Kind::kCrcMismatch: {
        f = base(kCrcMismatch,
                 fmt::format("{} disagrees about version of symbol {}: expects CRC {}, {} has {}",
                             v.name, sp.symbol, crc_text(sp.expected), sp.provider,
                             crc_text(sp.actual)));
        note_provider(p, sp.provider, f);
        bool found = false;
        if (const auto* provs = causes.providers(sp.symbol)) {
          for (const auto& pr : *provs) {
            if (!sp.expected || pr.crc != sp.expected) continue;
            found = true;
            f.set("built_against_file", p.resolution.files[pr.file].path);
            const std::string why = causes.loss_reason(pr.file);
            f.notes.push_back(fmt::format("{} was built against {} (exports {} with CRC {}){}",
                                          v.name, p.resolution.files[pr.file].relpath, sp.symbol,
                                          crc_text(pr.crc), why.empty() ? "" : ", which " + why));
            f.hint = why.empty()
                         ? fmt::format("rebuild {} against the provider that wins", v.name)
                         : fmt::format("make {} win (an `override {} * {}` line in "
                                       "/etc/depmod.d), or rebuild {} against {}",
                                       p.resolution.files[pr.file].relpath, sp.provider,
                                       p.resolution.files[pr.file].dir, v.name, sp.provider);
            break;
          }
        }
        if (!found) {
          f.notes.push_back(fmt::format("no file on this system exports {} with CRC {}: {} was "
                                        "built against another build of {}",
                                        sp.symbol, crc_text(sp.expected), v.name, sp.provider));
          f.hint = fmt::format("rebuild {} against the installed {}", v.name, sp.provider);
        }
        break;
      }
      case SymbolProblem::Kind::kMissing: {
        f = base(kUnknownSymbol,
                 fmt::format("{} needs unknown symbol {}: neither vmlinux nor a module in its "
                             "load chain exports it",
                             v.name, sp.symbol));
        if (const auto* provs = causes.providers(sp.symbol)) {
          for (const auto& pr : *provs) {
            std::string why = causes.loss_reason(pr.file);
            f.notes.push_back(fmt::format("{} exports it{}", p.resolution.files[pr.file].relpath,
                                          why.empty() ? "" : " but " + why));
          }
        }
        f.hint = "install the module that provides it, or rebuild against this kernel";
        break;
      }
      case SymbolProblem::Kind::kGplOnly:
        f = base(kGplOnly, fmt::format("{} (licence not GPL-compatible) uses GPL-only symbol {} "
                                       "from {}",
                                       v.name, sp.symbol, sp.provider));
        f.hint = "GPL-only exports are invisible to proprietary modules";
        break;
      case SymbolProblem::Kind::kNamespace:
        if (sp.ns.starts_with("module:")) {
          f = base(kNamespace,
                   fmt::format("{} uses {} from namespace {}, which admits only the modules it "
                               "names",
                               v.name, sp.symbol, sp.ns));
          f.hint = "EXPORT_SYMBOL_FOR_MODULES exports cannot be imported: only the named modules "
                   "may use them";
        } else {
          f = base(kNamespace, fmt::format("{} uses {} from namespace {} without importing it",
                                           v.name, sp.symbol, sp.ns));
          f.hint = fmt::format("rebuild with MODULE_IMPORT_NS({})", sp.ns);
        }
        break;
      case SymbolProblem::Kind::kImportsModuleNs:
        f = base(kNamespace, fmt::format("{} imports namespace {} explicitly, which the kernel "
                                         "refuses ({})",
                                         v.name, sp.ns, errn));
        f.hint = "remove MODULE_IMPORT_NS for \"module:\" namespaces: they are implicit";
        break;
      case SymbolProblem::Kind::kProprietaryOwner:
        f = base(kGplOnly, fmt::format("{} uses GPL-only symbols and symbol {} from proprietary "
                                       "module {}",
                                       v.name, sp.symbol, sp.provider));
        break;
    }
    set_symbol_fields(p, sp, f);
    sink.add(std::move(f));
  }
  add_unverifiable_signature_finding(p, subject, where, v, sink);
  // Loads, but taints the kernel: unsigned/unknown key (E), non-GPL licence (P).
  if (v.loads && v.taints.find('E') != std::string::npos) {
    Finding f = make_finding(kUnsignedTaint, subject,
                             fmt::format("{} loads but taints the kernel (E): {}", v.name,
                                         v.sig.status == SigStatus::kUnsigned ? "it is not signed"
                                                                              : v.sig.detail));
    f.where.push_back(where);
    f.set("module", v.name);
    for (const auto& l : v.kernel_messages)
      if (l.rule == kUnsignedTaint) f.kernel_messages.push_back(l.text + "  [once per boot]");
    f.hint = "sign it with a key the kernel trusts; under module.sig_enforce=1 or lockdown it "
             "would be rejected";
    sink.add(std::move(f));
  }
  if (v.loads && v.taints.find('P') != std::string::npos) {
    Finding f = make_finding(kProprietaryTaint, subject,
                             fmt::format("{} loads but its licence taints the kernel (P); GPL-only "
                                         "symbols are invisible to it",
                                         v.name));
    f.where.push_back(where);
    f.set("module", v.name);
    for (const auto& l : v.kernel_messages)
      if (l.rule == kProprietaryTaint) f.kernel_messages.push_back(l.text);
    sink.add(std::move(f));
  }
  if (!v.no_version_symbols.empty() && v.loads) {
    Finding f =
        make_finding(kNoSymbolVersion, subject,
                     fmt::format("{} has no symbol version for {} import{} ({}…): their CRCs are "
                                 "not checked",
                                 v.name, v.no_version_symbols.size(),
                                 v.no_version_symbols.size() == 1 ? "" : "s",
                                 v.no_version_symbols.front()));
    f.where.push_back(where);
    f.set("module", v.name);
    for (const auto& sym : v.no_version_symbols) f.set("symbols", sym);
    f.notes.push_back("`depmod -e -E` reports these as \"disagrees about version of symbol\"; "
                      "the kernel (>= 4.10) only warns and loads");
    f.hint = "the module was built without the provider's Module.symvers (KBUILD_EXTRA_SYMBOLS)";
    sink.add(std::move(f));
  }
}

}  // namespace

CauseIndex::CauseIndex(const Prepared& p) {
  const auto& res = p.resolution;
  winner_.assign(res.files.size(), false);
  for (const auto& m : res.modules) winner_[m.file] = true;
  for (const auto& sel : res.selections)
    for (const auto& l : sel.losers) loss_[l.file] = l.reason;
  for (const auto& m : res.modules) {
    if (!m.module) continue;
    for (const auto& e : m.module->exports) by_symbol_[e.name].push_back({m.file, e.crc});
  }
  for (const LoserFile& l : p.losers)  // read by prepare()
    for (const auto& e : l.module.exports) by_symbol_[e.name].push_back({l.file, e.crc});
}

const std::vector<CauseIndex::Provider>* CauseIndex::providers(const std::string& s) const {
  auto it = by_symbol_.find(s);
  return it == by_symbol_.end() ? nullptr : &it->second;
}
std::string CauseIndex::loss_reason(uint32_t file) const {
  auto it = loss_.find(file);
  return it == loss_.end() ? std::string() : it->second;
}
bool CauseIndex::is_winner(uint32_t file) const { return file < winner_.size() && winner_[file]; }

void add_resolution_findings(const Prepared& p, DiagnosticSink& sink) {
  for (const auto& cp : p.depmod_config.problems) {
    Finding f = make_finding(kConfigBadLine, cp.where.path, cp.message);
    f.where.push_back(cp.where);
    if (!cp.kmod_message.empty()) f.notes.push_back("depmod prints: " + cp.kmod_message);
    sink.add(std::move(f));
  }
  for (const auto& cp : p.modprobe_config.problems) {
    Finding f = make_finding(kConfigBadLine, cp.where.path, cp.message);
    f.where.push_back(cp.where);
    if (!cp.kmod_message.empty()) f.notes.push_back("modprobe prints: " + cp.kmod_message);
    sink.add(std::move(f));
  }
  for (const auto& pr : p.resolution.problems) {
    std::string_view rule = kScanProblem;
    switch (pr.kind) {
      case resolve::ProblemKind::kOverrideMatchesNoFile: rule = kOverrideMatchesNoFile; break;
      case resolve::ProblemKind::kOverrideNeverDecided: rule = kShadowedProvider; break;
      case resolve::ProblemKind::kOverrideKverMismatch: rule = kOverrideKverMismatch; break;
      case resolve::ProblemKind::kTieReaddirOrder: rule = kTieReaddirOrder; break;
      case resolve::ProblemKind::kIgnoredCompression: rule = kIgnoredCompression; break;
      case resolve::ProblemKind::kModuleReadError: rule = kUnreadableModule; break;
      case resolve::ProblemKind::kDependencyCycle: rule = kDependencyCycle; break;
      default: break;
    }
    Finding f = make_finding(rule, pr.subject, pr.message);
    if (!pr.where.path.empty()) f.where.push_back(pr.where);
    if (!pr.kmod_message.empty()) f.notes.push_back("depmod prints: " + pr.kmod_message);
    if (rule == kOverrideMatchesNoFile)
      f.hint = "point the override at the directory the module is really installed in";
    sink.add(std::move(f));
  }
  // Shadowed modules: which file won each contested name, and why.
  const auto& res = p.resolution;
  for (const auto& sel : res.selections) {
    if (sel.losers.empty()) continue;
    Finding f =
        make_finding(kShadowedProvider, sel.name,
                     fmt::format("{} wins for module {}", res.files[sel.winner].relpath, sel.name));
    f.where.push_back(file_ref(p, sel.winner));
    for (const auto& l : sel.losers) {
      f.notes.push_back(fmt::format("{} {}", res.files[l.file].relpath, l.reason));
      if (!l.decision.where.path.empty()) f.where.push_back(l.decision.where);
    }
    sink.add(std::move(f));
  }
}

void add_load_findings(const Prepared& p, size_t module, const LoadVerdict& v,
                       const CauseIndex& causes, DiagnosticSink& sink) {
  const auto& m = p.resolution.modules[module];
  symbol_findings(p, m.name, file_ref(p, m.file), v, causes, sink);
}

void add_file_findings(const Prepared& p, const model::ModuleFile& m, const LoadVerdict& v,
                       const CauseIndex& causes, DiagnosticSink& sink) {
  symbol_findings(p, m.path, SourceRef{m.path}, v, causes, sink);
}

void add_dependents_finding(const Prepared& p, size_t failed, const std::vector<std::string>& names,
                            DiagnosticSink& sink) {
  const auto& dep = p.resolution.modules[failed];
  std::string list;
  for (size_t i = 0; i < names.size() && i < 12; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 12) list += fmt::format(", … ({} more)", names.size() - 12);
  Finding f = make_finding(kDependencyFailed, dep.name,
                           fmt::format("{} module{} will not load because {} fails: {}",
                                       names.size(), names.size() == 1 ? "" : "s", dep.name, list));
  f.set("dependency", dep.name);
  for (const auto& n : names) f.set("dependents", n);
  f.where.push_back(file_ref(p, dep.file));
  f.hint = fmt::format("fix {} first", dep.name);
  sink.add(std::move(f));
}

// modprobe_closure(): check/modprobe_closure.cc (one lookup + probe list for check and image).

std::vector<int> providers_chain(const Prepared& p, const model::ModuleFile& m) {
  const auto& res = p.resolution;
  std::unordered_set<int> set;
  for (const auto& imp : m.imports) {
    auto it = res.symbols.symbols.find(imp.name);
    if (it == res.symbols.symbols.end() || it->second.owner < 0) continue;
    int o = it->second.owner;
    if (!set.insert(o).second) continue;
    for (int d : res.deps[static_cast<size_t>(o)].all) set.insert(d);
  }
  std::vector<int> out(set.begin(), set.end());
  // modules.dep order: a module's dependencies come after it (inserted before it).
  std::sort(out.begin(), out.end(), [&](int a, int b) {
    return res.deps[static_cast<size_t>(a)].topo_index >
           res.deps[static_cast<size_t>(b)].topo_index;
  });
  return out;
}

}  // namespace ofsck::check
