#pragma once
/// Node sets written as ClusterShell writes them: `node[001-340,342]`, `rack[1-2]-node[01-04]`.
/// fold() is byte for byte ClusterShell 1.9's `nodeset -f` (default options: no autostep, fold
/// along every axis, no node groups); expand() is its `nodeset -e`. Plain functions, no I/O.
///
/// A name is split as ClusterShell's ParsingEngine does: every maximal run of ASCII digits is a
/// numeric field, the text between runs is the pattern ("rack%s-node%s"). Each field keeps its
/// digits as written, so node1 and node01 are two nodes (node[1,01]) and zero padding survives.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ofsck::model::nodeset {

/// Default cap on the number of names one expand() may produce (a node-set bomb guard).
inline constexpr size_t kMaxExpand = 1'000'000;

/// The folded node set of `names`, exactly what `nodeset -f NAME...` prints (without the
/// newline): patterns in byte order of their ClusterShell pattern key, ranges sorted by
/// (digit count, digits), multi-dimensional sets merged as RangeSetND merges them. Duplicates
/// count once; empty names are ignored. Names are taken literally: characters that are syntax
/// in a node set (",[]!&^@*?" and white space) are not escaped, as ClusterShell cannot either.
/// Digit runs are ASCII only (Python's \d also takes other Unicode digits) and of any length
/// (ClusterShell refuses indexes over 1e100).
[[nodiscard]] std::string fold(std::span<const std::string> names);

/// The names of a folded node set such as `node[1-3,05],rack[1-2]-n[01-04],login`, in the order
/// `nodeset -e` prints them. Accepts what fold() writes plus ClusterShell's range syntax: comma
/// lists of sets and of ranges, `a-b/step`, white space around elements and ranges.
/// Errors (values naming the problem): unbalanced or nested brackets, reversed or malformed
/// ranges, padding mismatch ("1-010"), empty elements, more than `max_nodes` names. Rejected as
/// unsupported although ClusterShell takes them: set operators (! & ^), @groups, wildcards,
/// negative indexes, digits glued to a bracket ("n1[0-5]"), steps on indexes over 18 digits.
/// Indexes of more than 100 digits are an error, as in ClusterShell. For a multi-dimensional
/// pattern of more than 200,000 scattered names the order is plain (field by field) instead of
/// ClusterShell's merge order.
[[nodiscard]] Result<std::vector<std::string>> expand(std::string_view set,
                                                      size_t max_nodes = kMaxExpand);

}  // namespace ofsck::model::nodeset
