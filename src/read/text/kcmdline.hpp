#pragma once
/// Kernel command line (/proc/cmdline or a bootloader entry) as seen by libkmod's
/// kmod_config_parse_kcmdline() and by the kernel's own module parameters.
#include <optional>
#include <string>
#include <string_view>

#include "model/config.hpp"

namespace ofsck::read {

/// Parses a kernel command line.
/// - module_params: every `<mod>.<param>[=<val>]` libkmod turns into options, in order, as
///   (underscored module name, option text kmod passes on, e.g. `dyndbg="a b"`). grub's
///   `"mod.p=a b"` quoting is repaired to `p="a b"` like kmod does.
/// - modprobe_blacklist: the comma-separated values of every `modprobe.blacklist=` (kmod
///   appends them raw, without underscores()).
/// - module_blacklist: the kernel's `module_blacklist=` (last one wins; exact names).
/// - sig_enforce: `module.sig_enforce` (bare, or =1/y/Y/t/T/on); enable-only.
/// - lockdown: the last `lockdown=` value.
/// libkmod reads at most 4095 bytes of /proc/cmdline; the rest is ignored (a problem).
/// The kernel stops at "--" but libkmod does not; we follow each consumer.
model::KernelCmdline parse_kernel_cmdline(std::string_view cmdline);

/// The text of a node's kernel command line: `given` when set, else the first line of
/// /proc/cmdline when `root` is the running system ("" or "/"), else "" (another root's boot
/// line cannot be known offline). The one place /proc/cmdline is read.
std::string node_cmdline_text(std::string_view root, const std::optional<std::string>& given);

}  // namespace ofsck::read
