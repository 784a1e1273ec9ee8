#pragma once
/// The text of `ofsck explain MODULE`, rendered from plain values that cli/ gathers (the
/// resolution, the package databases, the verdict and the load simulation); nothing is read or
/// computed here.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check/load_sim.hpp"
#include "check/result.hpp"
#include "util/result.hpp"

namespace ofsck::report {

/// The package label of a file that no package of the root's database owns.
inline constexpr std::string_view kNotOwned = "not owned by any package";

/// Everything `explain` prints. A package label is "NAME_VERSION" / "NAME-VERSION-RELEASE",
/// kNotOwned, or "" when the root has no dpkg or RPM database.
struct Explanation {
  struct Candidate {
    std::string relpath, package;
  };
  /// A file that lost the selection, and the configuration line that decided it (an empty path:
  /// depmod's built-in search order).
  struct Loss {
    std::string relpath, reason;
    SourceRef decided_by;
    std::string decided_by_package;
  };
  struct Selection {
    std::vector<Candidate> candidates;
    std::vector<Loss> losses;
    bool tie = false;  ///< the winner depends on directory read order
  };
  /// What the load simulation bound the module's imports to.
  struct Linkage {
    std::string signature;  ///< the signature verdict's detail
    std::vector<check::Binding> imports;
  };
  /// One option modprobe passes, as the kernel judges it (check::judge_options()).
  struct Option {
    std::string param, value, type;  ///< value as written; type: declared parmtype or ""
    bool has_value = false;
    std::string status;  ///< check::status_name(): applied, overridden, rejected, unknown, ...
    std::string detail;  ///< the rejection's reason and errno, else ""
    SourceRef where;
  };
  /// A modprobe.d `install`/`remove` command for the module.
  struct Command {
    std::string command;
    SourceRef where;
  };
  /// A softdep/weakdep line naming the module (where: the modprobe.d line, or the module file for
  /// its softdep= modinfo via modules.softdep).
  struct Dep {
    std::vector<std::string> pre, post;  ///< weakdep: its modules in `pre`
    SourceRef where;
    bool used = false;  ///< the one line modprobe uses (softdep: the first match)
  };
  /// `options NAME` lines for a name that modprobe resolves to the module through an alias
  /// (check::alias_options()).
  struct AliasOption {
    std::string name;      ///< as the options lines give it
    std::string text;      ///< their option text, joined as kmod joins it
    bool reaches = false;  ///< `modprobe NAME` passes them (never for a module loaded otherwise)
    std::string detail;    ///< how NAME resolves and when the options are passed
    std::vector<SourceRef> lines;
  };
  /// What modprobe.d and the kernel command line say about the module.
  struct Config {
    std::string option_string;  ///< what modprobe passes, byte for byte
    std::vector<Option> options;
    std::vector<AliasOption> alias_options;
    std::vector<Command> install, remove;
    std::vector<SourceRef> blacklist;  ///< the `blacklist NAME` lines
    std::string blacklist_effect;      ///< which loads the blacklist stops and which it does not
    std::vector<Dep> softdeps, weakdeps;
  };
  std::string module;  ///< the module's name
  std::string file;    ///< the winning file's path
  std::string root;    ///< the inspected root: JSON names files as the node sees them
  bool have_package_db = false;
  std::string package;  ///< of `file`
  std::vector<Selection> selections;
  std::vector<std::string> load_order;        ///< modprobe's insertions, the module last
  std::vector<check::ModuleResult> verdicts;  ///< the module's verdict(s) from evaluate()
  std::optional<Linkage> linkage;             ///< absent when the module is built in
  /// The findings of the module's load (`check --only MODULE`'s) that --ignore and --baseline
  /// left out, and whether that accepts its failure: it fails and every error finding of its
  /// load is suppressed (`explain` then exits 0, as `check` would).
  check::SuppressedCounts suppressed;
  bool failure_accepted = false;
  Config config;

  /// True when every verdict says the module loads (`explain` exits 1 otherwise, unless
  /// failure_accepted).
  [[nodiscard]] bool loads() const;
};

/// "module NAME", its file and package, candidates, losses with what decided them, the load
/// order, the verdict with kernel messages, the signature and every import's provider, then the
/// module's options with their sources and checks, install/remove commands, blacklist, softdeps.
std::string render_explain_text(const Explanation& e);

/// The same as JSON (docs/json-schema.md, `explain`): "module", "file", "package",
/// "selections", "load_order", "verdicts" (as `check`'s "modules"), "signature", "imports",
/// "options", "config".
std::string render_explain_json(const Explanation& e);

}  // namespace ofsck::report
