#pragma once
/// An upper bound on what glibc's regcomp()/regexec() spend on a POSIX extended regex, read from
/// the pattern alone, so a depmod.d kernel pattern can be refused before it is compiled.
///
/// glibc's parse_dup_op() expands repetition by copying the repeated tree: `e+` becomes `e e*`,
/// `e{m,n}` becomes m copies and n-m optional copies. Stacked operators multiply, so
/// `x+++…+` (29 '+') asks for 2^29 nodes, and `x{0,10000}` alone costs ~0.8 GB in the
/// epsilon-closure tables (quadratic in the node count). Back-references make regexec()
/// backtrack: five of them take seconds on a 46-byte release string.
#include <cstdint>
#include <string_view>

namespace ofsck::read {

/// The estimate for one pattern, parsed as glibc parses RE_SYNTAX_POSIX_EXTENDED in the C
/// locale (kmod's depmod never calls setlocale()).
struct EreCost {
  uint64_t nodes = 0;      ///< upper bound on parse-tree nodes after glibc's expansion (saturates)
  uint64_t backrefs = 0;   ///< back-references (\1..\9) after expansion (saturates)
  uint32_t max_depth = 0;  ///< deepest group nesting (glibc's parser recurses once per level)
  uint32_t max_stacked = 0;  ///< most postfix operators on one atom ("x+?+" = 3)
};

/// Parses `pattern` only as far as glibc would before it fails, and never more than linearly.
EreCost estimate_ere_cost(std::string_view pattern);

/// The budget a kernel pattern must fit to be compiled, calibrated on glibc 2.36: x{0,1000}
/// (5,000 estimated nodes) takes 0.17 s and 10 MB, x{0,2000} 0.54 s and 33 MB, x{0,10000} 10 s
/// and 790 MB; one back-reference stays fast, five take 6.7 s on a 46-byte release string.
/// Real kernel patterns ("6\.1\..*-amd64") estimate below 100 nodes; the limit admits
/// x{0,800} and keeps each line well under a second in the ASan/libFuzzer build.
inline constexpr uint64_t kEreMaxNodes = 4096;
inline constexpr uint64_t kEreMaxBackrefs = 1;
inline constexpr uint32_t kEreMaxDepth = 256;
/// Stacked operators ("x++++????????????????++++", found by the depmod_conf fuzzer: over 10 s
/// in glibc's calc_eclosure_iter) cost exponentially in their count while adding few nodes;
/// real patterns stack at most two ("x+?").
inline constexpr uint32_t kEreMaxStacked = 4;

/// Whether `c` fits the budget above.
inline bool ere_within_budget(const EreCost& c) {
  return c.nodes <= kEreMaxNodes && c.backrefs <= kEreMaxBackrefs && c.max_depth <= kEreMaxDepth &&
         c.max_stacked <= kEreMaxStacked;
}

}  // namespace ofsck::read
