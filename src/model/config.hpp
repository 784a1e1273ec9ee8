#pragma once
/// Parsed configuration: depmod.d, modprobe.d, kernel command line. Plain data.
#include <cstdint>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ofsck::model {

/// A line kmod reports and skips ("ignoring bad line starting with 'x'"), a duplicate file that
/// was shadowed, a directory inside a config dir, ... Tolerated but wrong input → a finding.
struct ConfigProblem {
  SourceRef where;
  std::string message;       ///< our wording
  std::string kmod_message;  ///< what kmod itself prints, if anything (empty = silent in kmod)
  /// Stable short id of the problem class, e.g. "bad-line", "ignored-file", "unreadable",
  /// "dir-in-confdir", "nul-byte", "bad-regex", "ignored-command" (set by read/text).
  std::string kind;
};

/// The inspected root's own kmod: its version decides how depmod.d/modprobe.d are read (config
/// directories, `.alias` files, `weakdep`). Detected by read/kmod_version.
struct KmodVersion {
  int major = 30;    ///< e.g. 30 (Debian 12), 34 (Debian 13/sid)
  std::string text;  ///< as found, e.g. "30+20221128-1" (dpkg) or "34.2" (binary)
  /// Where it came from, e.g. "/var/lib/dpkg/status: package kmod 30+20221128-1",
  /// "/usr/bin/kmod: \"kmod version 34.2\"", or "assumed: ..." when nothing was found.
  std::string source;
  bool detected = false;  ///< false: `major` is an assumption (say so in the output)
};

/// One config file chosen by the kmod merge rule (sorted by basename, first dir wins).
struct ConfigFile {
  std::string path;                   ///< path on the inspected root (re-rooted), as read
  std::string display_path;           ///< path as on the target system (without the --root prefix)
  std::vector<std::string> shadowed;  ///< same basename in lower-precedence dirs (ignored)
};

// ---- depmod.d -------------------------------------------------------------------------------

struct DepmodSearch {
  std::string entry;  ///< "built-in", "external", or a directory prefix like "updates"
  SourceRef where;
};
struct DepmodOverride {
  std::string modname;        ///< as written (raw; kmod compares it to the raw file name)
  std::string kver;           ///< "*" or POSIX ERE, unanchored
  std::string subdir;         ///< as written
  bool kver_matches = false;  ///< evaluated against the target release at parse time
  SourceRef where;
};
struct DepmodExternal {
  std::string kver;
  std::string dir;  ///< absolute, as written (re-rooted by the scanner, see resolve/)
  bool kver_matches = false;
  SourceRef where;
};
struct DepmodExclude {
  std::string name;
  SourceRef where;
};

/// depmod.d contents in parse order (lexicographic basename order over all files).
struct DepmodConfig {
  KmodVersion kmod_version;  ///< the kmod whose rules were used to read this
  std::vector<ConfigFile> files;
  std::vector<DepmodSearch> search;       ///< parse order (first = highest priority)
  bool search_defaulted = false;          ///< no search line anywhere: kmod adds "updates"
  std::vector<DepmodOverride> overrides;  ///< parse order, matching and non-matching
  std::vector<DepmodExternal> externals;  ///< parse order, matching and non-matching
  std::vector<DepmodExclude> excludes;
  std::vector<ConfigProblem> problems;
};

// ---- modprobe.d -----------------------------------------------------------------------------

struct ModprobeAlias {
  std::string pattern, modname;
  SourceRef where;
};
struct ModprobeName {
  std::string modname;
  SourceRef where;
};  ///< blacklist
struct ModprobeOptions {
  std::string modname, options;
  SourceRef where;
};
struct ModprobeCommand {
  std::string modname, command;
  SourceRef where;
};  ///< install/remove
struct ModprobeSoftdep {
  std::string modname;
  std::vector<std::string> pre, post;
  SourceRef where;
};
struct ModprobeWeakdep {
  std::string modname;
  std::vector<std::string> deps;
  SourceRef where;
};

struct ModprobeConfig {
  KmodVersion kmod_version;  ///< the kmod whose rules were used to read this
  std::vector<ConfigFile> files;
  std::vector<ModprobeAlias> aliases;
  std::vector<ModprobeName> blacklist;
  std::vector<ModprobeOptions> options;
  std::vector<ModprobeCommand> install, remove;
  std::vector<ModprobeSoftdep> softdeps;
  std::vector<ModprobeWeakdep> weakdeps;
  std::vector<ConfigProblem> problems;
};

// ---- kernel command line --------------------------------------------------------------------

struct KernelCmdline {
  std::string raw;
  bool sig_enforce = false;  ///< module.sig_enforce=1 (or y/Y)
  std::string lockdown;      ///< lockdown= value ("", "integrity", "confidentiality")
  std::vector<std::string> module_blacklist;  ///< module_blacklist= (kernel, exact names)
  std::vector<std::string>
      modprobe_blacklist;  ///< modprobe.blacklist= (raw: kmod 30 does not underscore them)
  std::vector<std::pair<std::string, std::string>> module_params;  ///< <mod>.<param>=<val>
  std::vector<ConfigProblem> problems;  ///< options kmod/the kernel reject or ignore
};

}  // namespace ofsck::model
