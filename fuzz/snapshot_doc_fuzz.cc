/// libFuzzer target: snapshot streams (read/snapshot_doc): plain, concatenated and
/// node-prefixed documents, every field of format 1.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "read/snapshot_doc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ofsck::read::SnapshotRead r;
  ofsck::read::parse_snapshots(text, "fuzz", r);
  // Every document read has a node; every failure is an error with a message.
  for (const auto& d : r.docs)
    if (d.node.empty()) __builtin_trap();
  for (const auto& e : r.errors)
    if (e.message.empty()) __builtin_trap();
  return 0;
}
