#pragma once
/// The options a module is loaded with, in the order the kernel receives them: modprobe joins
/// the text of every modprobe.d `options` line for the module (kmod_module_get_options(), config
/// order: files by kmod's precedence, lines in file order), then the kernel command line's
/// `<mod>.<param>=<val>` (kmod_config_parse_kcmdline() appends them after the files). The
/// kernel's parse_args() then walks the string left to right, so a parameter set twice takes
/// its last value.
#include <string>
#include <string_view>
#include <vector>

#include "check/node.hpp"

namespace ofsck::check {

/// One `param[=value]` as kernel/params.c next_arg() cuts it, with the line that set it.
struct EffectiveOption {
  std::string param;       ///< as written (parameq(): '-' and '_' are equal)
  std::string value;       ///< as written, quotes kept; empty when has_value is false
  bool has_value = false;  ///< `param=value` (false: a bare `param`, a bool set to true)
  SourceRef where;         ///< modprobe.d file:line, or path "(kernel command line)"
};

/// Cuts an option string into `param[=value]` words as kernel/params.c next_arg() does:
/// blanks separate, double quotes group.
std::vector<EffectiveOption> split_options(std::string_view text, const SourceRef& where);

/// Every option `module` (underscored name) is loaded with, in kernel order.
std::vector<EffectiveOption> effective_options(const model::ModprobeConfig& config,
                                               const model::KernelCmdline& cmdline,
                                               std::string_view module);

/// The same for a prepared node.
inline std::vector<EffectiveOption> effective_options(const Node& node, std::string_view module) {
  return effective_options(node.modprobe_config, node.cmdline, module);
}

}  // namespace ofsck::check
