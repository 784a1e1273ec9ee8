#pragma once
/// parallel_for(n, threads, f): calls f(i) for every i in [0, n) on up to `threads` threads
/// (0 = one per core), handing out indices one at a time. f must only write state of its own
/// index. Exceptions from f end the process (std::terminate), as in a std::thread.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace ofsck {

template <typename F>
void parallel_for(size_t n, unsigned threads, F&& f) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (threads > n) threads = static_cast<unsigned>(std::max<size_t>(n, 1));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) f(i);
  };
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
}

}  // namespace ofsck
