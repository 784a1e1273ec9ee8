// release_freed_memory() (util/release_memory.hpp): jemalloc's "arena.<all>.purge", found
// through a weak reference so that a binary without jemalloc links and does nothing.
#include "util/release_memory.hpp"

#include <cstddef>

extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace ofsck::util {

void release_freed_memory() {
  // MALLCTL_ARENAS_ALL is 4096 in jemalloc 5 (jemalloc_macros.h).
  if (mallctl != nullptr) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

}  // namespace ofsck::util
