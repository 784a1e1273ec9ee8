#include "read/parallel.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace ofsck::read {

void read_modules_into(const std::vector<std::string>& paths, const ReadOptions& opts,
                       unsigned threads, const ModuleSink& sink,
                       const std::function<void(size_t, size_t)>& progress,
                       const std::function<void()>& yield) {
  const size_t total = paths.size();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (threads > total) threads = static_cast<unsigned>(std::max<size_t>(total, 1));
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mu;
  auto worker = [&] {
    for (;;) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= total) return;
      Result<model::ModuleFile> record = make_error(ErrorCode::kIo, "", SourceRef{paths[i]});
      try {
        record = read_module(paths[i], opts);
      } catch (const std::exception& e) {  // bad_alloc from a huge but valid file
        record = make_error(ErrorCode::kTooLarge, std::string("internal: ") + e.what(),
                            SourceRef{paths[i]});
      }
      sink(i, std::move(record));
      const size_t d = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress(d, total);
      }
    }
  };
  const bool yielding = yield && threads >= 2;
  if (yielding) --threads;  // the last worker: started below, after yield() returns
  if (threads <= 1 && !yielding) {
    worker();
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads + 1);
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  if (yielding)
    pool.emplace_back([&] {
      yield();
      worker();
    });
}

std::vector<Result<model::ModuleFile>> read_modules_parallel(
    const std::vector<std::string>& paths, const ReadOptions& opts, unsigned threads,
    const std::function<void(size_t, size_t)>& progress, const std::function<void()>& yield) {
  std::vector<Result<model::ModuleFile>> out(paths.size());
  read_modules_into(
      paths, opts, threads,
      [&out](size_t i, Result<model::ModuleFile>&& r) { out[i] = std::move(r); }, progress, yield);
  return out;
}

}  // namespace ofsck::read
