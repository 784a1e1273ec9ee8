/// libFuzzer target: Boot Loader Specification entries and loader.conf, sorted and matched.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "read/text/bls.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ofsck::read::BlsEntry> entries;
  // Two entries from the two halves, so that sorting compares parsed fields.
  for (std::string_view part : {text.substr(0, size / 2), text.substr(size / 2)}) {
    auto e = ofsck::read::parse_bls_entry(part, std::string(part.substr(0, 16)), "x.conf");
    if (e) entries.push_back(std::move(*e));
  }
  ofsck::read::sort_bls_entries(entries);
  if (auto d = ofsck::read::parse_loader_conf_default(text))
    (void)ofsck::read::match_loader_default(entries, *d);
  return 0;
}
