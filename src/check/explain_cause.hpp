#pragma once
/// Turning verdicts into findings with their cause: which config line made a provider win, which
/// candidate lost, and which file a failing module was built against (matched by CRC).
#include <string>
#include <unordered_map>
#include <vector>

#include "check/check_tree.hpp"
#include "check/finding.hpp"

namespace ofsck::check {

/// Every export of every candidate file (winners, and the losers prepare() read) by symbol name.
class CauseIndex {
 public:
  explicit CauseIndex(const Node& p);
  struct Provider {
    uint32_t file;  ///< Resolution::files index
    std::optional<uint32_t> crc;
  };
  const std::vector<Provider>* providers(const std::string& symbol) const;
  /// Why `file` lost (empty when it is a winner).
  std::string loss_reason(uint32_t file) const;
  bool is_winner(uint32_t file) const;

 private:
  std::unordered_map<std::string, std::vector<Provider>> by_symbol_;
  std::unordered_map<uint32_t, std::string> loss_;
  std::vector<bool> winner_;
};

/// What a module that fails module_layout was built for, from its vermagic release:
/// "another build of R" (the same release), "another flavour of this release (R')" (the same
/// release up to the flavour, e.g. 6.1.0-56-cloud-amd64 on 6.1.0-56-amd64), else "another kernel
/// ABI".
[[nodiscard]] std::string built_for(std::string_view module_vermagic,
                                    std::string_view kernel_release);

void add_resolution_findings(const Node& p, DiagnosticSink& sink);
/// OFS103: the on-disk index modprobe reads vs what depmod would write now.
void add_stale_index_findings(const Node& p, DiagnosticSink& sink);
void add_load_findings(const Node& p, size_t module, const LoadVerdict& v, const CauseIndex& causes,
                       DiagnosticSink& sink);
void add_file_findings(const Node& p, const model::ModuleFile& m, const LoadVerdict& v,
                       const CauseIndex& causes, DiagnosticSink& sink);
void add_file_findings(const Node& p, const model::ModuleFile& m, const LoadVerdict& v,
                       const CauseIndex& causes, DiagnosticSink& sink);
/// OFS208: `names` fail because `failed` does; `notes` say which of them fail on their own too.
void add_dependents_finding(const Node& p, size_t failed, const std::vector<std::string>& names,
                            DiagnosticSink& sink, const std::vector<std::string>& notes = {});
/// OFS216: options (modprobe.d, kernel command line) naming parameters the module lacks. Returns
/// the kernel lines they produce, in modprobe's option order.
std::vector<KernelLine> unknown_parameters(const Node& p, const std::string& name,
                                           const model::ModuleFile& m, DiagnosticSink& sink);
/// OFS601: the option values parse_args() rejects (LoadVerdict::param_problems), one finding
/// each (rules/param_value.cc).
void add_param_value_findings(const std::string& subject, const LoadVerdict& v,
                              DiagnosticSink& sink);
/// OFS602: a parameter set twice with different values (rules/param_set_twice.cc); `mf` (may be
/// null) limits it to the parameters the module declares.
void add_param_set_twice_findings(const Node& p, const std::string& module,
                                  const model::ModuleFile* mf, DiagnosticSink& sink);
/// OFS603: modprobe.d `install` commands that replace the insertion of `subjects`
/// (rules/install_command.cc).
void add_install_command_findings(const Node& p, const std::vector<size_t>& subjects,
                                  DiagnosticSink& sink);
/// OFS604: blacklisted `subjects` that still load as hard dependencies
/// (rules/blacklist_bypassed.cc).
void add_blacklist_bypassed_findings(const Node& p, const std::vector<size_t>& subjects,
                                     DiagnosticSink& sink);
/// The names of the modules whose modules.dep list holds `module` (loading any loads it).
std::vector<std::string> hard_dependents(const Node& p, size_t module);
/// OFS217: firmware= files of the given modules missing under <root>/lib/firmware; with `all`
/// (whole-tree check) in-tree modules are only summarised.
/// OFS308: a trusted signer whose signature this machine cannot verify
/// (rules/signature_unverifiable.cc).
void add_unverifiable_signature_finding(const Node& p, const std::string& subject,
                                        const SourceRef& where, const LoadVerdict& v,
                                        DiagnosticSink& sink);
void add_firmware_findings(const Node& p, const std::vector<size_t>& modules, bool all,
                           DiagnosticSink& sink);
/// The modules.dep-ordered chain of tree modules an external file's imports bind to.
std::vector<int> providers_chain(const Node& p, const model::ModuleFile& m);

}  // namespace ofsck::check
