#pragma once
/// What a running kernel has loaded: /proc/modules (kernel/module/procfs.c m_show(): "name size
/// refcount deps state address [taint]") and each loaded module's parameters as
/// /sys/module/<name>/parameters/<param> shows them (param_attr_show(): the kernel's own
/// rendering, e.g. "Y"/"N" for a bool, a decimal for an int, one value per line end).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace ofsck::read {

/// One /proc/modules line.
struct ProcModule {
  std::string name;
  std::string state;  ///< "Live", "Loading", "Unloading"
};

/// Parses /proc/modules: the first two words of each line are the name and the size (decimal),
/// the fifth the state. A line that does not have them fails the file (error naming
/// `source`:line): a half-read list would say modules are not loaded when they are.
[[nodiscard]] Result<std::vector<ProcModule>> parse_proc_modules(std::string_view text,
                                                                 const std::string& source);

/// A loaded module and the parameters it runs with (sorted by name; a parameter whose file
/// cannot be read, e.g. mode 0200, is left out).
struct LoadedModule {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;
};

/// Where the running system shows itself: normally "/proc" and "/sys"; tests give directories
/// standing in for them.
struct LiveDirs {
  std::string proc = "/proc";
  std::string sys = "/sys";
};

/// Every module of <proc>/modules, sorted by name, with <sys>/module/<name>/parameters/*.
/// Fails when <proc>/modules cannot be read or parsed.
[[nodiscard]] Result<std::vector<LoadedModule>> read_loaded_modules(const LiveDirs& dirs);

}  // namespace ofsck::read
