#pragma once
/// The order of depmod's module array (and so of modules.dep lines): kmod's hash-table
/// iteration order over module names (depmod_modules_build_array), then a stable qsort by the
/// modules.order index (depmod_modules_sort; glibc qsort is a merge sort here).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ofsck::resolve {

/// shared/hash.c hash_superfast() as compiled on x86 (little-endian loads, signed char).
uint32_t kmod_hash_superfast(std::string_view key);

/// Indices of `names` in the order kmod's hash_iter visits them for a table created with
/// hash_new(n_buckets) (rounded up to a power of two): by bucket, then strcmp() within a bucket.
std::vector<uint32_t> kmod_hash_iteration_order(const std::vector<std::string_view>& names,
                                                uint32_t n_buckets);

/// depmod's modules_by_uncrelpath key: relpath cut to dir + raw stem + ".ko" length.
std::string depmod_uncrelpath(std::string_view relpath, size_t base_off_in_relpath,
                              size_t stem_len);

}  // namespace ofsck::resolve
