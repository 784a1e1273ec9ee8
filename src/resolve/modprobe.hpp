#pragma once
/// What `modprobe NAME` inserts, decided as libkmod decides it (kmod 30..34 agree on all of it;
/// checked against Debian 12's kmod 30 and Debian sid's kmod 34.2):
///  - the name lookup, kmod_module_new_from_lookup(): the first of these that finds anything
///    wins: modprobe.d `alias` (fnmatch; every matching line), modules.dep (the module name),
///    modules.symbols ("symbol:X"), `install`/`remove` commands, modules.alias (fnmatch, every
///    match), modules.builtin, modules.builtin.modinfo aliases;
///  - the probe list, __kmod_module_get_probe_list(): for the module and each of its
///    modules.dep dependencies, its softdep `pre:` modules (each a full probe list of its own),
///    the module, its `post:` modules;
///  - softdep lines, kmod_module_get_softdeps(): the FIRST line whose module pattern matches
///    (fnmatch) in parse order, modules.softdep (depmod's copy of the modules' softdep= modinfo)
///    included at its basename's place. kmod 34.2 and kmod's development tree still do this
///    (testsuite test-multi-softdep is marked expected_fail); and every softdep name goes
///    through the same lookup as a command-line name, so `pre: crc32c` loads the modules
///    whose alias is crc32c.
/// `weakdep` modules are never loaded by modprobe (kmod 33 NEWS); they are not in the list.
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/config.hpp"

namespace ofsck::resolve {

/// modules.builtin and modules.builtin.modinfo, as depmod turns them into modules.builtin.bin
/// and modules.builtin.alias.bin.
struct BuiltinIndex {
  bool have_list = false;  ///< modules.builtin was read (else depmod writes an empty index)
  std::string list_path;   ///< where it was looked for
  std::unordered_set<std::string> names;      ///< modules.builtin (path_to_modname)
  bool have_modinfo = false;                  ///< modules.builtin.modinfo was read
  std::vector<model::ModprobeAlias> aliases;  ///< its alias= records (normalised pattern)
  /// Module names modules.builtin.modinfo knows (the kernel has them built in even when
  /// modules.builtin is missing and modprobe cannot tell).
  std::unordered_set<std::string> modinfo_names;
};

/// What modprobe reads on the inspected root, as plain data plus lazy loaders for the large
/// indexes (they are read only when a lookup gets that far).
struct ModprobeIndex {
  const model::ModprobeConfig* config = nullptr;  ///< aliases, install/remove, blacklist
  /// Softdep lines in kmod's parse order, modules.softdep included (effective_softdeps()).
  std::vector<model::ModprobeSoftdep> softdeps;
  /// The modules.dep dependency list of `name`, in modules.dep order (first = loaded last), or
  /// nullptr when modules.dep has no such module.
  std::function<const std::vector<std::string>*(const std::string& name)> module_deps;
  /// The module exporting `symbol` (modules.symbols), "" when none.
  std::function<std::string(const std::string& symbol)> symbol_owner;
  /// modules.alias entries (pattern → module), in depmod's module order.
  std::function<const std::vector<model::ModprobeAlias>&()> module_aliases;
  std::function<const BuiltinIndex&()> builtin;
};

/// Which lookup of kmod_module_new_from_lookup() found the modules.
enum class LookupSource {
  kConfigAlias,   ///< modprobe.d `alias` (wins even over a module of that name)
  kModuleName,    ///< modules.dep
  kSymbol,        ///< modules.symbols
  kCommand,       ///< `install`/`remove` command of that name
  kModuleAlias,   ///< modules.alias
  kBuiltin,       ///< modules.builtin
  kBuiltinAlias,  ///< modules.builtin.modinfo alias
  kNotFound,      ///< "modprobe: FATAL: Module X not found in directory D"
};

/// Short description of a lookup source ("modprobe.d alias", "modules.dep", ...).
std::string_view to_string(LookupSource s);

/// One module a lookup found.
struct LookupHit {
  std::string module;    ///< module name
  bool exists = false;   ///< modules.dep has it (else insmod fails: "could not find module")
  bool builtin = false;  ///< built into the kernel: nothing to insert, modprobe succeeds
  std::string install;   ///< the `install` command that runs instead, when there is one
  SourceRef where;       ///< config line (alias, install), when one decided
};

struct Lookup {
  std::string name;  ///< normalised as alias_normalize() does ('-' → '_' outside [])
  LookupSource source = LookupSource::kNotFound;
  std::vector<LookupHit> hits;
};

/// kmod_module_new_from_lookup(): the modules `modprobe NAME` starts from.
[[nodiscard]] Lookup lookup_name(const ModprobeIndex& ix, std::string_view name);

/// kmod_module_get_softdeps(): the first softdep line whose pattern matches `module`
/// (nullptr = none).
[[nodiscard]] const model::ModprobeSoftdep* softdep_line(const ModprobeIndex& ix,
                                                         const std::string& module);

/// kmod_module_get_install_commands() as kmod_module_probe_insert_module() applies it: the
/// first `install` line whose pattern matches `module` (fnmatch), or nullptr when there is none
/// or the module's softdep line names modules (then kmod sets ->ignorecmd and inserts the file).
/// It applies to every entry of a probe list, dependencies included.
[[nodiscard]] const model::ModprobeCommand* install_line(const ModprobeIndex& ix,
                                                         const std::string& module);

/// One entry of the probe list.
struct ProbeStep {
  std::string module;
  bool required = false;  ///< the target or one of its dependencies (a failure fails modprobe);
                          ///< softdep modules are not: kmod ignores their errors
  bool exists = false;    ///< modules.dep has it
  bool builtin = false;
  std::string via;          ///< "", "dependency of X", "softdep pre: of X (crc32c)", ...
  SourceRef where;          ///< the softdep/alias line that brought it in, when one did
  std::string install;      ///< the `install` command modprobe runs instead of inserting it
  SourceRef install_where;  ///< its modprobe.d line
};

/// A softdep name that found nothing (kmod drops it silently).
struct UnresolvedSoftdep {
  std::string of, name;  ///< module whose line names it; the name
  bool pre = true;
  SourceRef where;
};

/// What `modprobe NAME` inserts, in order (each module once).
struct ProbeList {
  Lookup lookup;
  std::vector<ProbeStep> steps;
  std::vector<UnresolvedSoftdep> unresolved;
};

/// The probe list of every module the lookup of `name` found (modprobe probes each in turn).
[[nodiscard]] ProbeList probe_list(const ModprobeIndex& ix, std::string_view name);
/// The probe list of module `module` itself (its name as found in modules.dep, no lookup).
[[nodiscard]] ProbeList probe_module(const ModprobeIndex& ix, const std::string& module);
/// The probe list of the hits of a lookup already made.
[[nodiscard]] ProbeList probe_lookup(const ModprobeIndex& ix, Lookup lookup);

/// The softdep lines modprobe sees: `config`'s lines, with those of <module_dir>/modules.softdep
/// replaced by `depmod_softdeps` (what depmod writes there now: "softdep NAME VALUE" for each
/// softdep= modinfo value, in module order) at the place modules.softdep takes in kmod's
/// basename-sorted file list. `module_dir` is the target-system module dir, as the config's
/// paths are. With `keep_on_disk`, an existing modules.softdep is kept as read and
/// `depmod_softdeps` is used only when there is none.
[[nodiscard]] std::vector<model::ModprobeSoftdep> effective_softdeps(
    const model::ModprobeConfig& config, const std::string& module_dir,
    const std::vector<std::pair<std::string, std::string>>& depmod_softdeps,
    bool keep_on_disk = false);

}  // namespace ofsck::resolve
