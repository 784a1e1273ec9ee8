// parallel_for(): every index exactly once, on any thread count, including 0 (= per core),
// more threads than items, and n = 0.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "util/parallel_for.hpp"

namespace ofsck {
namespace {

TEST(ParallelFor, EveryIndexExactlyOnce) {
  for (unsigned threads : {0u, 1u, 2u, 7u, 64u})
    for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}}) {
      std::vector<std::atomic<int>> seen(n);
      parallel_for(n, threads, [&](size_t i) { seen[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i)
        EXPECT_EQ(seen[i].load(), 1) << threads << " " << n << " " << i;
    }
}

}  // namespace
}  // namespace ofsck
