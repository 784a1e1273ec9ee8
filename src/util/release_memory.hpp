#pragma once
/// Gives freed heap pages back to the kernel at once. The `ofsck` binary links jemalloc, which
/// keeps freed pages resident for ~10 s (dirty-page decay); after the kernel-image decode
/// frees its 32 MiB xz dictionary and the 8 MiB image copy, those pages would otherwise stay
/// in the peak RSS of the whole run. A no-op under another allocator (sanitizer builds, tests).
namespace ofsck::util {

void release_freed_memory();

}  // namespace ofsck::util
