#pragma once
/// Version ordering as Debian's dpkg defines it (deb-version(7)): how "newest installed kernel"
/// and Boot Loader Specification entries are ordered. Kernel releases are compared as whole
/// dpkg versions: "6.1.0-56-amd64" is upstream "6.1.0-56", revision "amd64".
#include <string_view>

namespace ofsck {

/// <0, 0, >0 as `dpkg --compare-versions a lt|eq|gt b`: epoch (digits before the first ':')
/// numerically, then the upstream part and the revision (after the last '-') with dpkg's
/// verrevcmp(): non-digit runs by character order ('~' before everything, even the end; letters
/// before other characters), digit runs numerically. Defined for any bytes; dpkg rejects some
/// strings (not starting with a digit) that this still orders.
[[nodiscard]] int dpkg_version_compare(std::string_view a, std::string_view b);

}  // namespace ofsck
