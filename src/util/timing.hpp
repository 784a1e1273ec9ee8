#pragma once
/// OFSCK_TIMING=1 prints the wall time of each phase to stderr (used by bench/, never by tests).
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace ofsck {

struct PhaseTimer {
  bool on = std::getenv("OFSCK_TIMING") != nullptr;
  std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now();
  void lap(const char* what) {
    if (!on) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "ofsck: timing: %-28s %8.1f ms\n", what,
                 std::chrono::duration<double, std::milli>(now - t).count());
    t = now;
  }
};

}  // namespace ofsck
