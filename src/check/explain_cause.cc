// Findings with provenance. Each load rule's finding opens with the kernel message it predicts.
#include "check/explain_cause.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "check/rules.hpp"

namespace ofsck::check {

namespace {

std::string crc_text(const std::optional<uint32_t>& c) {
  return c ? fmt::format("0x{:08x}", *c) : std::string("none");
}

/// Finding::fields of a CRC: "0x%08x"; nothing when the CRC is not known.
void set_crc(Finding& f, std::string key, const std::optional<uint32_t>& c) {
  if (c) f.set(std::move(key), crc_text(c));
}

/// The provider of a symbol as fields: its name and, for a module, its winning file (for
/// vmlinux, the export list read).
void set_provider(const Node& p, const std::string& provider, Finding& f) {
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
void set_symbol_fields(const Node& p, const SymbolProblem& sp, Finding& f) {
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

/// The first word of a vermagic string: the release it was built for.
std::string_view vermagic_release(std::string_view vermagic) {
  return vermagic.substr(0, std::min(vermagic.find(' '), vermagic.size()));
}

/// A release up to its flavour: the '-'-separated parts before the first that starts with a
/// letter (Debian "6.1.0-56-cloud-amd64" -> "6.1.0-56", Ubuntu "5.15.0-91-generic" ->
/// "5.15.0-91"), and before a "+flavour" suffix made of letters (RHEL "...x86_64+rt").
std::string_view release_base(std::string_view r) {
  for (size_t at = r.find('-'); at != std::string_view::npos; at = r.find('-', at + 1))
    if (at + 1 < r.size() && std::isalpha(static_cast<unsigned char>(r[at + 1])))
      return r.substr(0, at);
  size_t plus = r.rfind('+');
  if (plus != std::string_view::npos && plus + 1 < r.size() &&
      std::all_of(r.begin() + static_cast<std::ptrdiff_t>(plus) + 1, r.end(),
                  [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
    return r.substr(0, plus);
  return r;
}

}  // namespace

std::string built_for(std::string_view module_vermagic, std::string_view kernel_release) {
  const std::string_view mod = vermagic_release(module_vermagic);
  if (mod == kernel_release) return fmt::format("another build of {}", kernel_release);
  if (!mod.empty() && release_base(mod) == release_base(kernel_release))
    return fmt::format("another flavour of this release ({})", mod);
  return "another kernel ABI";
}

namespace {

/// Where a provider module came from and, if it shadowed other files, why it won.
void note_provider(const Node& p, const std::string& provider, Finding& f) {
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

/// An `override` line, in a depmod.d file of its own, that makes `file` win for its name.
ConfigEdit winner_edit(const Node& p, uint32_t file) {
  const auto& f = p.resolution.files[file];
  // Config paths are absolute on the inspected root, as findings name them.
  return {SourceRef{"/etc/depmod.d/00-ofsck-override.conf"},
          fmt::format("override {} * {}", f.stem, f.dir), fmt::format("making {} win", f.relpath)};
}

/// What every finding of one verdict shares: its subject and place, the kernel's lines, the
/// errno and modprobe's line.
struct VerdictContext {
  const Node& p;
  const std::string& subject;
  const SourceRef& where;
  const LoadVerdict& v;
  std::string_view vermagic;  ///< the module's, for what it was built for
  std::string errn;
  std::string mp;

  VerdictContext(const Node& prep, const std::string& subj, const SourceRef& w,
                 const LoadVerdict& verdict, std::string_view vm)
      : p(prep),
        subject(subj),
        where(w),
        v(verdict),
        vermagic(vm),
        errn(errno_name(verdict.err)),
        mp(verdict.loads ? std::string()
                         : fmt::format("modprobe: ERROR: could not insert '{}': {}", verdict.name,
                                       modprobe_error_text(verdict.err))) {}

  /// A finding of `rule` about this verdict, quoting the kernel's and modprobe's lines.
  Finding base(std::string_view rule, std::string msg) const {
    Finding f = make_finding(rule, subject, std::move(msg));
    f.where.push_back(where);
    f.kernel_messages = texts(v);
    f.modprobe_message = mp;
    f.set("module", v.name);
    if (!v.loads) f.set("errno", errn);
    return f;
  }
};

Finding module_layout_finding(const VerdictContext& c) {
  const LoadVerdict& v = c.v;
  Finding f =
      c.base(kModuleLayout,
             fmt::format(
                 "{} was built for {}: module_layout CRC {} "
                 "differs from this kernel's {} ({})",
                 v.name, built_for(c.vermagic, c.p.kernel.release),
                 crc_text(v.symbol_problems.empty() ? std::nullopt : v.symbol_problems[0].expected),
                 crc_text(v.symbol_problems.empty() ? std::nullopt : v.symbol_problems[0].actual),
                 c.errn));
  f.set("symbol", "module_layout");
  if (!v.symbol_problems.empty()) {
    set_crc(f, "expected_crc", v.symbol_problems[0].expected);
    set_crc(f, "found_crc", v.symbol_problems[0].actual);
  }
  f.notes.push_back("the kernel stops at module_layout: no per-symbol messages follow");
  f.hint = fmt::format("rebuild {} against the headers of {} (or install its package built for "
                       "{})",
                       v.name, c.p.kernel.release, c.p.kernel.release);
  return f;
}

Finding elf_invalid_finding(const VerdictContext& c) {
  const LoadVerdict& v = c.v;
  Finding f =
      c.base(kElfInvalid, fmt::format("{} is not a module for this kernel's architecture: {} ({})",
                                      v.name, v.elf_problem, c.errn));
  f.set("elf_problem", v.elf_problem);
  f.notes.push_back("the kernel's ELF checks (elf_validity_ehdr) run before vermagic is read");
  if (f.kernel_messages.empty())
    f.notes.push_back("this kernel prints no line for it (or the failing header field cannot "
                      "be known)");
  if (!c.p.kernel.elf.source.path.empty())
    f.notes.push_back(
        fmt::format("the kernel's ELF kind is taken from {}", c.p.kernel.elf.source.path));
  f.hint = fmt::format("build {} for this kernel's architecture", v.name);
  return f;
}

Finding vermagic_finding(const VerdictContext& c) {
  const LoadVerdict& v = c.v;
  Finding f = c.base(kVermagic, fmt::format("{}: version magic does not match the kernel's ({})",
                                            v.name, c.errn));
  f.set("kernel_vermagic", c.p.kernel.vermagic);
  f.notes.push_back(fmt::format("kernel vermagic taken from {}", c.p.kernel.vermagic_source));
  if (!c.p.kernel.modversions)
    f.notes.push_back("this kernel has no modversions: vermagic is compared in full, release "
                      "included");
  else if (!v.versions_visible)
    f.notes.push_back("the kernel sees no __versions section (it lacks SHF_ALLOC, or is "
                      "absent): vermagic is compared in full, release included");
  f.hint = fmt::format("rebuild {} against the headers of {}", v.name, c.p.kernel.release);
  return f;
}

Finding signature_finding(const VerdictContext& c) {
  const LoadVerdict& v = c.v;
  if (v.err == EBADMSG || (v.err == EKEYREJECTED && v.sig.status == SigStatus::kRejected)) {
    Finding f = c.base(kSignatureInvalid,
                       fmt::format("{}: signature is invalid ({}), which the kernel rejects even "
                                   "without enforcement",
                                   v.name, c.errn));
    f.notes.push_back(v.sig.detail);
    f.hint = "re-sign the module (scripts/sign-file) or reinstall its package";
    return f;
  }
  Finding f = c.base(kSignatureRejected,
                     fmt::format("{}: {} is rejected: signatures are enforced ({})", v.name,
                                 v.sig.status == SigStatus::kUnsigned ? "unsigned module"
                                                                      : "module with unknown key",
                                 c.errn));
  f.notes.push_back(v.sig.detail);
  f.hint = "sign it with a key the kernel trusts (enrol it with mokutil), or boot without "
           "module.sig_enforce=1/lockdown";
  return f;
}

/// The one finding of a load that stopped at a step before symbol resolution (or at the
/// duplicate-export check after it); nullopt for the steps whose findings are per symbol.
std::optional<Finding> stage_finding(const VerdictContext& c) {
  const LoadVerdict& v = c.v;
  switch (v.stage) {
    case Stage::kModuleLayout: return module_layout_finding(c);
    case Stage::kElfValidity: return elf_invalid_finding(c);
    case Stage::kVermagic: return vermagic_finding(c);
    case Stage::kSignature: return signature_finding(c);
    case Stage::kBlacklist: {
      Finding f = c.base(kBlacklisted,
                         fmt::format("{} is named in module_blacklist= ({})", v.name, c.errn));
      f.hint = "remove it from module_blacklist= on the kernel command line";
      return f;
    }
    case Stage::kExportVersions:
      return c.base(kExportVersions,
                    fmt::format("{} exports symbols without CRCs and the kernel cannot force-load "
                                "({})",
                                v.name, c.errn));
    case Stage::kDuplicateExport: {
      Finding f =
          c.base(kDuplicateExport, fmt::format("{} exports {}, already exported by {} ({})", v.name,
                                               v.duplicate_symbol, v.duplicate_owner, c.errn));
      f.set("symbol", v.duplicate_symbol);
      set_provider(c.p, v.duplicate_owner, f);
      f.hint = "two stacks provide the same symbol: remove one of them";
      return f;
    }
    default: return std::nullopt;
  }
}

Finding crc_mismatch_finding(const VerdictContext& c, const SymbolProblem& sp,
                             const CauseIndex& causes) {
  const LoadVerdict& v = c.v;
  const auto& files = c.p.resolution.files;
  Finding f =
      c.base(kCrcMismatch,
             fmt::format("{} disagrees about version of symbol {}: expects CRC {}, {} has {}",
                         v.name, sp.symbol, crc_text(sp.expected), sp.provider,
                         crc_text(sp.actual)));
  note_provider(c.p, sp.provider, f);
  if (const auto* provs = causes.providers(sp.symbol)) {
    for (const auto& pr : *provs) {
      if (!sp.expected || pr.crc != sp.expected) continue;
      f.set("built_against_file", files[pr.file].path);
      const std::string why = causes.loss_reason(pr.file);
      f.notes.push_back(fmt::format("{} was built against {} (exports {} with CRC {}){}", v.name,
                                    files[pr.file].relpath, sp.symbol, crc_text(pr.crc),
                                    why.empty() ? "" : ", which " + why));
      f.hint = why.empty() ? fmt::format("rebuild {} against the provider that wins", v.name)
                           : fmt::format("rebuild {} against {}", v.name, sp.provider);
      // The other fix, making the file it was built against win, is proposed only once proven
      // (scenario/prove_hints).
      if (!why.empty()) f.edits.push_back(winner_edit(c.p, pr.file));
      return f;
    }
  }
  f.notes.push_back(fmt::format("no file on this system exports {} with CRC {}: {} was "
                                "built against another build of {}",
                                sp.symbol, crc_text(sp.expected), v.name, sp.provider));
  f.hint = fmt::format("rebuild {} against the installed {}", v.name, sp.provider);
  return f;
}

Finding missing_symbol_finding(const VerdictContext& c, const SymbolProblem& sp,
                               const CauseIndex& causes) {
  Finding f = c.base(kUnknownSymbol,
                     fmt::format("{} needs unknown symbol {}: neither vmlinux nor a module in its "
                                 "load chain exports it",
                                 c.v.name, sp.symbol));
  if (const auto* provs = causes.providers(sp.symbol)) {
    for (const auto& pr : *provs) {
      std::string why = causes.loss_reason(pr.file);
      f.notes.push_back(fmt::format("{} exports it{}", c.p.resolution.files[pr.file].relpath,
                                    why.empty() ? "" : " but " + why));
    }
  }
  f.hint = "install the module that provides it, or rebuild against this kernel";
  return f;
}

/// The finding of one symbol the kernel's simplify_symbols()/resolve_symbol() refused.
Finding symbol_problem_finding(const VerdictContext& c, const SymbolProblem& sp,
                               const CauseIndex& causes) {
  const LoadVerdict& v = c.v;
  Finding f;
  switch (sp.kind) {
    case SymbolProblem::Kind::kCrcMismatch: f = crc_mismatch_finding(c, sp, causes); break;
    case SymbolProblem::Kind::kMissing: f = missing_symbol_finding(c, sp, causes); break;
    case SymbolProblem::Kind::kGplOnly:
      f = c.base(kGplOnly, fmt::format("{} (licence not GPL-compatible) uses GPL-only symbol {} "
                                       "from {}",
                                       v.name, sp.symbol, sp.provider));
      f.hint = "GPL-only exports are invisible to proprietary modules";
      break;
    case SymbolProblem::Kind::kNamespace:
      if (sp.ns.starts_with("module:")) {
        f = c.base(kNamespace,
                   fmt::format("{} uses {} from namespace {}, which admits only the modules it "
                               "names",
                               v.name, sp.symbol, sp.ns));
        f.hint = "EXPORT_SYMBOL_FOR_MODULES exports cannot be imported: only the named modules "
                 "may use them";
      } else {
        f = c.base(kNamespace, fmt::format("{} uses {} from namespace {} without importing it",
                                           v.name, sp.symbol, sp.ns));
        f.hint = fmt::format("rebuild with MODULE_IMPORT_NS({})", sp.ns);
      }
      break;
    case SymbolProblem::Kind::kImportsModuleNs:
      f = c.base(kNamespace, fmt::format("{} imports namespace {} explicitly, which the kernel "
                                         "refuses ({})",
                                         v.name, sp.ns, c.errn));
      f.hint = "remove MODULE_IMPORT_NS for \"module:\" namespaces: they are implicit";
      break;
    case SymbolProblem::Kind::kProprietaryOwner:
      f = c.base(kGplOnly, fmt::format("{} uses GPL-only symbols and symbol {} from proprietary "
                                       "module {}",
                                       v.name, sp.symbol, sp.provider));
      break;
  }
  set_symbol_fields(c.p, sp, f);
  return f;
}

/// Loads, but taints the kernel: unsigned/unknown key (E), non-GPL licence (P); and imports
/// whose CRCs the kernel cannot check.
void load_warning_findings(const VerdictContext& c, DiagnosticSink& sink) {
  const LoadVerdict& v = c.v;
  if (!v.loads) return;
  if (v.taints.find('E') != std::string::npos) {
    Finding f = make_finding(kUnsignedTaint, c.subject,
                             fmt::format("{} loads but taints the kernel (E): {}", v.name,
                                         v.sig.status == SigStatus::kUnsigned ? "it is not signed"
                                                                              : v.sig.detail));
    f.where.push_back(c.where);
    f.set("module", v.name);
    for (const auto& l : v.kernel_messages)
      if (l.rule == kUnsignedTaint) f.kernel_messages.push_back(l.text + "  [once per boot]");
    f.hint = "sign it with a key the kernel trusts; under module.sig_enforce=1 or lockdown it "
             "would be rejected";
    sink.add(std::move(f));
  }
  if (v.taints.find('P') != std::string::npos) {
    Finding f = make_finding(kProprietaryTaint, c.subject,
                             fmt::format("{} loads but its licence taints the kernel (P); GPL-only "
                                         "symbols are invisible to it",
                                         v.name));
    f.where.push_back(c.where);
    f.set("module", v.name);
    for (const auto& l : v.kernel_messages)
      if (l.rule == kProprietaryTaint) f.kernel_messages.push_back(l.text);
    sink.add(std::move(f));
  }
  if (!v.no_version_symbols.empty()) {
    Finding f =
        make_finding(kNoSymbolVersion, c.subject,
                     fmt::format("{} has no symbol version for {} import{} ({}…): their CRCs are "
                                 "not checked",
                                 v.name, v.no_version_symbols.size(),
                                 v.no_version_symbols.size() == 1 ? "" : "s",
                                 v.no_version_symbols.front()));
    f.where.push_back(c.where);
    f.set("module", v.name);
    for (const auto& sym : v.no_version_symbols) f.set("symbols", sym);
    f.notes.push_back("`depmod -e -E` reports these as \"disagrees about version of symbol\"; "
                      "the kernel (>= 4.10) only warns and loads");
    f.hint = "the module was built without the provider's Module.symvers (KBUILD_EXTRA_SYMBOLS)";
    sink.add(std::move(f));
  }
}

/// The symbol-level findings of one failed or warned load.
void symbol_findings(const Node& p, const std::string& subject, const SourceRef& where,
                     std::string_view vermagic, const LoadVerdict& v, const CauseIndex& causes,
                     DiagnosticSink& sink) {
  const VerdictContext c(p, subject, where, v, vermagic);
  if (std::optional<Finding> f = stage_finding(c)) {
    sink.add(std::move(*f));
    return;
  }
  for (const auto& sp : v.symbol_problems) sink.add(symbol_problem_finding(c, sp, causes));
  add_param_value_findings(subject, v, sink);
  add_unverifiable_signature_finding(p, subject, where, v, sink);
  load_warning_findings(c, sink);
}

}  // namespace

void add_load_findings(const Node& p, size_t module, const LoadVerdict& v, const CauseIndex& causes,
                       DiagnosticSink& sink) {
  const auto& m = p.resolution.modules[module];
  symbol_findings(p, m.name, SourceRef{p.resolution.files[m.file].path}, m.module->info.vermagic, v,
                  causes, sink);
}

void add_file_findings(const Node& p, const model::ModuleFile& m, const LoadVerdict& v,
                       const CauseIndex& causes, DiagnosticSink& sink) {
  symbol_findings(p, m.path, SourceRef{m.path}, m.info.vermagic, v, causes, sink);
}

}  // namespace ofsck::check
