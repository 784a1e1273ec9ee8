// Wall time of reading every module of a tree with read_modules_parallel().
//   read_tree_bench <lib/modules/<kver>> [threads=1,2] [mode=pread|full|mmap] [repeat=3]
// pread: read_module() default (only the needed parts of plain .ko files);
// full: read_module() with content_sha256 (whole file read, plus a SHA-256);
// mmap: mmap + read_module_bytes() (whole-file mapping; for comparison with pread).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "read/module_reader.hpp"
#include "read/parallel.hpp"

namespace {

std::vector<std::string> list(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string p = e.path().string();
    if (e.is_regular_file() && (p.ends_with(".ko") || p.ends_with(".ko.xz") ||
                                p.ends_with(".ko.zst") || p.ends_with(".ko.gz")))
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t run_mmap(const std::vector<std::string>& paths, unsigned threads) {
  std::atomic<size_t> next{0}, ok{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
      int fd = ::open(paths[i].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat st;
      ::fstat(fd, &st);
      void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      ::close(fd);
      if (p == MAP_FAILED) continue;
      std::span<const std::byte> b(static_cast<const std::byte*>(p),
                                   static_cast<size_t>(st.st_size));
      if (ofsck::read::read_module_bytes(b, paths[i])) ++ok;
      ::munmap(p, static_cast<size_t>(st.st_size));
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  pool.clear();
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <moddir> [threads] [pread|full|mmap] [repeat]\n", argv[0]);
    return 2;
  }
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 1;
  std::string mode = argc > 3 ? argv[3] : "pread";
  int repeat = argc > 4 ? std::stoi(argv[4]) : 3;
  std::vector<std::string> paths = list(argv[1]);
  double best = 1e9, best_cpu = 1e9;
  auto cpu_ms = [] {
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
  };
  size_t ok = 0;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ms();
    if (mode == "mmap") {
      ok = run_mmap(paths, threads);
    } else {
      ofsck::read::ReadOptions o;
      o.content_sha256 = mode == "full";
      auto res = ofsck::read::read_modules_parallel(paths, o, threads);
      ok = static_cast<size_t>(
          std::count_if(res.begin(), res.end(), [](const auto& x) { return x.has_value(); }));
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, ms);
    best_cpu = std::min(best_cpu, cpu_ms() - c0);
  }
  std::printf("%s threads=%u mode=%s files=%zu ok=%zu wall_ms=%.1f cpu_ms=%.1f (best of %d)\n",
              argv[1], threads, mode.c_str(), paths.size(), ok, best, best_cpu, repeat);
  return 0;
}
