#pragma once
/// depmod.d parsing as kmod's tools/depmod.c cfg_file_parse() / cfg_load().
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "read/text/ere_cost.hpp"

namespace ofsck::read {

/// How depmod's cfg_kernel_matches() decides a kernel pattern.
enum class KverMatch {
  kMatch,  ///< "*", or the POSIX ERE matches somewhere in the release
  kNoMatch,
  kBadRegex,    ///< regcomp() rejects it: depmod treats it as not matching
  kTooComplex,  ///< over the ere_cost.hpp budget: not compiled (glibc would exhaust memory or
                ///< time; depmod is killed, or fails regcomp() and treats it as not matching)
};

/// cfg_kernel_matches(): "*" or a POSIX ERE (regcomp REG_EXTENDED|REG_NOSUB, unanchored
/// regexec, C locale), with glibc's own regex engine, after the pattern passed the budget of
/// estimate_ere_cost(). `cost` (optional) receives the estimate.
KverMatch depmod_kver_match(std::string_view pattern, std::string_view kver,
                            EreCost* cost = nullptr);

/// Parses one depmod.d file's bytes, appending to `out` (search/override/external/exclude and
/// problems). Does not touch out.files or out.search_defaulted. `file.display_path` names the
/// file in SourceRefs and kmod messages. kmod messages quote kmod's own line number, which
/// is the *last* physical line of a continued line; SourceRef::line is the first.
void parse_depmod_conf(std::string_view data, const model::ConfigFile& file, std::string_view kver,
                       model::DepmodConfig& out);

/// Inputs for load_depmod_config().
struct DepmodLoadOptions {
  std::string root;                ///< inspected root ("" = live system)
  std::vector<std::string> paths;  ///< -C paths; empty = default_config_dirs(kDepmod, version)
  std::string kver;                ///< target kernel release for override/external matching
  int kmod_version = 30;
};

/// Collects the files (collect_config_files) and parses them in order. When no search entry
/// was added by any file, appends kmod's implicit "updates" entry (empty SourceRef) and sets
/// search_defaulted. Unreadable files become problems ("file parse <path>: <strerror>").
model::DepmodConfig load_depmod_config(const DepmodLoadOptions& opts);

}  // namespace ofsck::read
