#pragma once
/// `ofsck check`: evaluate one prepared node (node.hpp): resolve the tree as depmod does, and
/// predict every module's load as the kernel does.
#include <string>
#include <vector>

#include "check/node.hpp"
#include "check/result.hpp"
#include "model/config.hpp"
#include "model/kernel.hpp"
#include "resolve/resolve.hpp"
#include "util/result.hpp"

namespace ofsck::check {

/// What evaluate() is asked. None of these changes a single module's verdict.
struct EvalOptions {
  std::vector<std::string> only;  ///< --only: limit verdicts to modprobe closures
  std::string comm = "modprobe";  ///< process name in lockdown messages
  unsigned threads = 0;           ///< compute threads (0: all cores)
};

/// Predicts every verdict and finding of a prepared node. Computes only: opens no file. The
/// caller saves the node's signature cache after it (Node::verified_signatures). A node prepared
/// without ReadSettings::evaluation_reads is refused (std::logic_error: a caller's mistake).
[[nodiscard]] CheckResult evaluate(const Node& node, const EvalOptions& eo);

}  // namespace ofsck::check
