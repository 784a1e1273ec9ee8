#pragma once
/// dpkg's record of a package's file contents: <root>/var/lib/dpkg/info/<pkg>[:<arch>].md5sums,
/// one "<32 hex digits>  <path>" line per file, the path relative to / (what dh_md5sums writes
/// and `dpkg --verify` reads back). Used to tell a package's own module file from one that was
/// modified after installation.
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/package.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Target-system path ("/lib/modules/…", leading '/' added) → md5 as 32 lowercase hex digits.
using Md5Sums = std::unordered_map<std::string, std::string>;

/// Parses an md5sums file. A line is 32 hex digits, then "  " (or " *", md5sum's binary mode),
/// then the path up to the newline; blank lines are skipped. Any other line fails the whole
/// file (error naming `source`:line): a record that cannot be read verifies nothing.
[[nodiscard]] Result<Md5Sums> parse_md5sums(std::string_view text, const std::string& source);

/// Reads info/<name>:<arch>.md5sums, else info/<name>.md5sums, of a dpkg package under `root`
/// ("" or "/" = the live system). kNotFound when the package has neither (dpkg does not
/// require one: such a package's files cannot be verified).
[[nodiscard]] Result<Md5Sums> load_dpkg_md5sums(const std::string& root, const model::Package& p);

}  // namespace ofsck::read
