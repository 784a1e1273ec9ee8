#pragma once
/// Exit statuses, documented per command (the EXIT STATUS section of `ofsck COMMAND --help` and
/// the README), and the checks that turn input which cannot be checked into status 3.
#include <string_view>

#include "check/check_tree.hpp"

namespace ofsck::cli {

/// The EXIT STATUS section of `ofsck COMMAND --help` (a CLI11 footer).
const char* exit_status_help(std::string_view command);

/// kExitInput, after "ofsck: error: no module file under MODULE_DIR", when the node's module
/// tree holds no module file: nothing can be checked. Else kExitOk.
int empty_tree_status(const check::Node& p);

/// kExitInput, after one error line per FILE, when a given FILE could not be read (it does not
/// exist, or is no module): it has no verdict. Else kExitOk.
int given_files_status(const check::CheckResult& r);

}  // namespace ofsck::cli
