#pragma once
/// `options NAME ...` lines whose NAME is not a module but a name modprobe resolves to one.
/// libkmod's kmod_module_get_options() passes a line when its name equals the module's name or
/// the module's mod->alias (streq; kmod 30..34), and mod->alias is set only for a module that
/// kmod_module_new_from_lookup() found through an alias:
///  - a modprobe.d `alias PATTERN MOD` line: mod->alias is PATTERN, the line's own text
///    (kmod_lookup_alias_from_config()), so `alias eth* e1000e` + `options eth0 ...` never
///    passes the options, while `options eth* ...` does;
///  - modules.symbols / modules.alias: mod->alias is the name looked up.
/// A module loaded by its name, as a dependency or a softdep (kmod_module_new_from_name()) has
/// no alias: such options reach it only through `modprobe NAME`.
#include <string>
#include <string_view>
#include <vector>

#include "check/modprobe_closure.hpp"
#include "resolve/modprobe.hpp"

namespace ofsck::check {

struct AliasOptions {
  std::string name;                                              ///< as the options lines give it
  resolve::LookupSource via = resolve::LookupSource::kNotFound;  ///< how `modprobe NAME` finds it
  std::string mod_alias;         ///< kmod's mod->alias for that lookup
  SourceRef alias_where;         ///< the modprobe.d alias line, when one decided
  bool reaches = false;          ///< name == mod_alias: `modprobe NAME` passes these options
  std::string text;              ///< the lines' option text, joined as kmod joins it
  std::vector<SourceRef> lines;  ///< the options lines (or the kernel command line)
};

/// Every name in `config`'s options lines and the command line that `modprobe NAME` resolves,
/// through an alias, to `module`; in the order the names first appear.
[[nodiscard]] std::vector<AliasOptions> alias_options(const ModprobeView& view,
                                                      const model::ModprobeConfig& config,
                                                      const model::KernelCmdline& cmdline,
                                                      std::string_view module);

}  // namespace ofsck::check
