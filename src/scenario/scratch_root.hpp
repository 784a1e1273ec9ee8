#pragma once
/// What every scenario does before it checks a scratch root (whatif's and upgrade's overlay)
/// in place of the inspected one.
#include <string>

#include "check/check_tree.hpp"
#include "check/node.hpp"
#include "read/pkgdb/pkgdb.hpp"
#include "util/result.hpp"

namespace ofsck::scenario {

/// One node of a scenario (and of the command line): which node, how it is read and what
/// evaluate() is asked. Whoever asks EvalOptions::only sets ReadSettings::modprobe_indexes.
struct NodeInputs {
  check::NodeSpec spec;
  check::ReadSettings rs;
  check::EvalOptions eo;
};

/// The inspected root as an absolute, normalised path without a trailing slash; "" for "/".
/// kNotFound naming `root` when it is not a directory.
[[nodiscard]] Result<std::string> absolute_root(const std::string& root);

/// Fixes the inputs that depend on the running system once, from the inspected root `orig`
/// ("" = /), so that a check of a scratch root (which is never "/") sees the same ones: the
/// kernel command line (read::node_cmdline_text()).
void pin_host_inputs(check::NodeSpec& s, const std::string& orig);

/// `in` for checking `scratch` in place of `orig`: host inputs pinned, and the root's cache
/// entries read through the scratch paths (untouched files are symlinks to the root's, so
/// their stamps match) but never written (scratch paths are new on every run).
[[nodiscard]] NodeInputs on_scratch(NodeInputs in, const std::string& scratch,
                                    const std::string& orig);

/// prepare() and evaluate() of kernel `kver` of `root` ("" = /), with `changes` (may be null:
/// whatif's installed and removed packages) applied in memory to the node's package databases
/// (check::apply_changes()); hints that propose an edit are proven on the node
/// (scenario/prove_hints); the node's verified-signatures cache is saved before it returns.
[[nodiscard]] Result<check::CheckResult> check_node(NodeInputs in, const std::string& root,
                                                    const std::string& kver,
                                                    const read::PackageChanges* changes);

}  // namespace ofsck::scenario
