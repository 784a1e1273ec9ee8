#pragma once
/// Internals shared by nodeset.cc (folding) and nodeset_expand.cc (parsing); not an API.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ofsck::model::nodeset::detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The nodes of one pattern: the literal text around its fields, and each node's field digits.
struct Group {
  std::vector<std::string> literals;  ///< dims + 1 pieces ("rack", "-node", "")
  size_t dims = 0;                    ///< number of numeric fields
  std::vector<std::string_view>
      cells;  ///< node i's field d at i * dims + d (views the caller owns)
};

/// Groups by ClusterShell's pattern key: the literal text with '%' doubled and "%s" for each
/// field. NodeSetBase sorts these Python str keys by code point: the byte order of their UTF-8.
using Groups = std::map<std::string, Group>;

/// The distinct digit strings of one field, ranked as RangeSet._sorted() orders them
/// (fewer digits first, then by digits).
struct Axis {
  static constexpr uint64_t kBig = UINT64_MAX;
  std::vector<std::string> strs;  ///< by rank
  std::vector<uint32_t> lex;      ///< rank -> position in plain string order
  std::vector<uint64_t> value;    ///< numeric value, kBig over 18 digits
  /// int(strs[b]) == int(strs[a]) + 1.
  [[nodiscard]] bool successor(uint32_t a, uint32_t b) const;
};

using RangeSet = std::vector<uint32_t>;  ///< ranks, ascending
using Vec = std::vector<RangeSet>;       ///< one RangeSet per field: their product

/// A folded group: vectors in ClusterShell's order, or (plain) unique points as rank tuples in
/// field order when the merge was skipped for size.
struct Folded {
  std::vector<Axis> axes;
  std::vector<Vec> vecs;
  std::vector<uint32_t> plain;
};

/// The group (with a literal key, see Groups) that holds names made of `literals` around fields.
Group& group_for(Groups& groups, const std::vector<std::string_view>& literals);
/// Folds a group. A multi-dimensional group of more than `plain_above` scattered points is left
/// as sorted points instead (RangeSetND's merge is quadratic).
Folded fold_group(const Group& g, size_t plain_above);
/// RangeSetND._fold_multivariate on unique points (rank tuples, n x dims).
std::vector<Vec> merge_multivariate(const std::vector<Axis>& axes, const std::vector<uint32_t>& pts,
                                    size_t dims);

}  // namespace ofsck::model::nodeset::detail
