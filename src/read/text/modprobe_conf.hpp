#pragma once
/// modprobe.d parsing as libkmod's libkmod-config.c kmod_config_parse() / kmod_config_new().
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"

namespace ofsck::read {

/// Cuts a softdep/weakdep argument string exactly as kmod_config_add_softdep()'s scanner does
/// (isspace() separators). Quirk reproduced: when the string starts with exactly one blank,
/// that blank stays glued to the first token, so "softdep m  pre: a" (two blanks after the
/// module name) yields the token " pre:" and no dependency at all.
std::vector<std::string> kmod_softdep_tokens(std::string_view line);

/// Parses one modprobe.d file, appending to `out` (not out.files). `kmod_version` ≥33 enables
/// `weakdep`; in kmod ≤32 it is a bad line.
void parse_modprobe_conf(std::string_view data, const model::ConfigFile& file,
                         model::ModprobeConfig& out, int kmod_version = 30);

/// Inputs for load_modprobe_config().
struct ModprobeLoadOptions {
  std::string root;                 ///< inspected root ("" = live system)
  std::vector<std::string> paths;   ///< -C paths; empty = default_config_dirs(kModprobe, version)
  std::string module_dir;           ///< target /lib/modules/<kver> for modules.softdep; "" = none
  model::KmodVersion kmod_version;  ///< the root's kmod (read/kmod_version); copied to the result
};

/// Collects and parses like kmod_config_new() (without the kernel command line: see
/// parse_kernel_cmdline()). Unreadable files are skipped silently by libkmod; we report them.
model::ModprobeConfig load_modprobe_config(const ModprobeLoadOptions& opts);

}  // namespace ofsck::read
