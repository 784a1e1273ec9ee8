#pragma once
/// Simulates the kernel's load_module() for one module, in the kernel's own order
/// (kernel-semantics.md §5.1): signature, ELF validity, blacklist, module_layout, vermagic,
/// taints, export versions, symbol resolution (find_symbol/check_version/namespace), duplicate
/// exports. Each step is its own unit under check/load/.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/kernel.hpp"
#include "model/module.hpp"

namespace ofsck::check {

/// Result of mod_verify_sig() and module_sig_check()'s classification.
enum class SigStatus {
  kOk,           ///< signed with a trusted key (content verified, or key assumed)
  kUnsigned,     ///< -ENODATA: no marker
  kNoKey,        ///< -ENOKEY: signer not in the trusted keys
  kUnsupported,  ///< -ENOPKG: not PKCS#7 / unsupported crypto
  kBadMessage,   ///< -EBADMSG: malformed trailer or PKCS#7 (fatal even unenforced)
  kRejected,     ///< -EKEYREJECTED: trusted key, but the signature does not verify (fatal)
  kUnknown,      ///< no trust information at all (neither image nor --trust nor in-tree signer)
};

struct SigVerdict {
  SigStatus status = SigStatus::kUnsigned;
  bool content_verified = false;  ///< cryptographically checked against a certificate
  std::string key;                ///< "signer (key id)" of the module's signature
  std::string detail;             ///< why (for notes)
};

/// The step of load_module() at which a load stopped.
enum class Stage {
  kNone,             ///< it loads
  kSignature,        ///< module_sig_check()
  kElfValidity,      ///< elf_validity_cache_copy(): header, architecture, byte order
  kBlacklist,        ///< blacklisted(): module_blacklist=
  kModuleLayout,     ///< check_modstruct_version()
  kVermagic,         ///< check_modinfo(): vermagic
  kModinfo,          ///< setup_modinfo(): a "module:" namespace imported explicitly (6.16+)
  kExportVersions,   ///< check_export_symbol_versions()
  kSymbols,          ///< simplify_symbols()
  kDuplicateExport,  ///< verify_exported_symbols()
  kParams,           ///< parse_args(): an option value the parameter's type rejects
  kDependency,       ///< a hard dependency failed: modprobe stops before this module
};

/// "module_layout", "vermagic", ... (stable names, used in messages).
std::string_view stage_name(Stage s);

/// A line the kernel prints; `once_per_boot` lines appear only for the first module that
/// triggers them (pr_*_once, or guarded by test_taint()). `rule` is the rule whose finding quotes
/// the line (check/rules.hpp); empty for notices no finding is about (out-of-tree, staging).
struct KernelLine {
  std::string text;
  bool once_per_boot = false;
  std::string_view rule;
};

/// Why an import failed.
struct SymbolProblem {
  enum class Kind {
    kMissing,
    kCrcMismatch,
    kGplOnly,
    kNamespace,  ///< namespace not imported (a "module:" one: the name is not listed)
    kProprietaryOwner,
    kImportsModuleNs,  ///< MODULE_IMPORT_NS("module:...") is refused by setup_modinfo()
  };
  Kind kind = Kind::kMissing;
  std::string symbol;
  std::string provider;              ///< "vmlinux" or a module name; empty when missing
  std::optional<uint32_t> expected;  ///< the importer's __versions CRC
  std::optional<uint32_t> actual;    ///< the provider's CRC
  std::string ns;
};

/// Which provider an import bound to.
struct Binding {
  std::string symbol;
  std::string provider;  ///< "vmlinux", module name, or "" (unresolved / weak)
  std::optional<uint32_t> expected, actual;
};

/// Outcome for one module.
/// One option value parse_args() rejects (check/load/params.cc).
struct ParamProblem {
  std::string param, type;  ///< as the option names it; the declared parmtype
  std::string value;        ///< as written (EffectiveOption::value)
  bool has_value = false;
  std::string errno_name;      ///< "EINVAL", "ERANGE", "ENOSPC", "ERANGE or EINVAL"
  std::string why;             ///< e.g. "'x' is not a int (kstrtoint)"
  std::string kernel_message;  ///< parse_args()'s line
  SourceRef where;             ///< the options line, or "(kernel command line)"
  std::string array_message;   ///< param_array()'s "can only take N arguments", else empty
};

struct LoadVerdict {
  std::string name;  ///< the name the kernel uses (modinfo name)
  bool loads = true;
  int err = 0;                 ///< positive errno when !loads
  Stage stage = Stage::kNone;  ///< step that failed
  std::vector<KernelLine> kernel_messages;
  std::string taints;  ///< taint letters this module adds, e.g. "OE"
  SigVerdict sig;
  std::vector<SymbolProblem> symbol_problems;
  std::vector<std::string> no_version_symbols;
  std::vector<Binding> bindings;
  std::string duplicate_symbol, duplicate_owner;
  std::string failed_dependency;  ///< hard dependency whose load failed (modprobe stops there)
  std::string elf_problem;        ///< Stage::kElfValidity: the file's ELF kind vs the kernel's
  bool versions_visible = false;  ///< the kernel sees a __versions section (SHF_ALLOC)
  std::vector<ParamProblem> param_problems;  ///< Stage::kParams
};

/// Exports of one module indexed by name (built once per file, shared by all simulations).
struct ExportIndex {
  std::unordered_map<std::string_view, const model::Export*> by_name;
  explicit ExportIndex(const model::ModuleFile& m);
};

/// A module already in the kernel when this one loads.
struct LoadedModule {
  const model::ModuleFile* file = nullptr;
  const ExportIndex* exports = nullptr;
  std::string name;
};

struct EffectiveOption;

struct SimOptions {
  std::string comm = "modprobe";  ///< current->comm in the lockdown message
  bool record_bindings = false;   ///< fill LoadVerdict::bindings (explain; costly for a tree)
  /// The options modprobe passes (effective_options()); parse_args() judges them last.
  const std::vector<EffectiveOption>* params = nullptr;
};

/// The kernel's name for a module: modinfo name=, else the file name rule.
std::string kernel_module_name(const model::ModuleFile& m);

/// Simulates load_module() for `m` with `loaded` already in the kernel, newest first.
LoadVerdict simulate_load(const model::KernelFacts& k, const SigVerdict& sig,
                          const model::ModuleFile& m, std::span<const LoadedModule> loaded,
                          const SimOptions& opts = {});

/// "ENOEXEC" for 8, ...
std::string errno_name(int err);
/// modprobe's text for an insert failure (tools/modprobe.c), e.g. "Exec format error".
std::string modprobe_error_text(int err);
/// License check of the kernel's license_is_gpl_compatible().
bool license_is_gpl_compatible(std::string_view license);
/// same_magic(): compare vermagic strings; with `has_crcs` only from the first space on.
bool same_magic(std::string_view mod, std::string_view kernel, bool has_crcs);
/// verify_module_namespace() (6.16+): does a "module:<pattern,pattern>" namespace admit
/// `modname`? Patterns are names or tail globs ("foo*"); '-' and '_' compare equal.
bool module_namespace_admits(std::string_view ns, std::string_view modname);

}  // namespace ofsck::check
