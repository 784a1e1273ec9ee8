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
  std::string param;       ///< the name next_arg() gives (parameq(): '-' and '_' are equal)
  std::string value;       ///< as written after the '=', quotes kept; empty without a value
  bool has_value = false;  ///< `param=value` (false: a bare `param`, a bool set to true)
  SourceRef where;         ///< modprobe.d file:line, or path "(kernel command line)"
  /// What the parameter's set() receives: next_arg()'s value, its enclosing quotes removed.
  std::string kernel_value;
};

/// Cuts an option string into `param[=value]` words as kernel/params.c next_arg() does: isspace()
/// separates, double quotes group, a word that opens with a quote loses its closing one, a value
/// that opens with a quote loses both. A bare `--` ends the parameters (parse_args(): the rest
/// is ignored, with "parameters '...' after `--' ignored"); it is returned as a word.
std::vector<EffectiveOption> split_options(std::string_view text, const SourceRef& where);

/// kernel/params.c parameq(): names are equal when they differ only in '-' vs '_'.
[[nodiscard]] bool param_eq(std::string_view a, std::string_view b);

/// Every option `module` (underscored name) is loaded with, in kernel order. libkmod matches an
/// `options` line by exact name (streq, not fnmatch; kmod 30..34); a line naming an alias
/// applies only when modprobe is asked for that alias (kmod_module_get_options(): mod->alias).
/// `alias`: kmod's mod->alias when modprobe found the module through an alias lookup (the
/// `alias` line's pattern, or the name looked up in modules.alias/modules.symbols); lines
/// naming it are passed too, in config order with the module's own.
std::vector<EffectiveOption> effective_options(const model::ModprobeConfig& config,
                                               const model::KernelCmdline& cmdline,
                                               std::string_view module,
                                               std::string_view alias = {});

/// The options of `module`, byte for byte as kmod_module_get_options() joins them: each matching
/// line's text (tabs made blanks when read), one blank between lines, the kernel command line's
/// `param[=value]` last. modprobe passes it to init_module() with one more blank at the end
/// (module_options_concat(), kmod 30..34), and `--show-depends` prints that after the path
/// ("insmod PATH OPTIONS ").
std::string modprobe_option_string(const model::ModprobeConfig& config,
                                   const model::KernelCmdline& cmdline, std::string_view module,
                                   std::string_view alias = {});

/// The same for a prepared node.
inline std::vector<EffectiveOption> effective_options(const Node& node, std::string_view module) {
  return effective_options(node.modprobe_config, node.cmdline, module);
}

}  // namespace ofsck::check
