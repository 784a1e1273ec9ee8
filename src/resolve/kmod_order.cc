#include "resolve/kmod_order.hpp"

#include <algorithm>
#include <cstring>

namespace ofsck::resolve {

uint32_t kmod_hash_superfast(std::string_view key_sv) {
  // Paul Hsieh's SuperFastHash exactly as kmod has it: 32-bit unsigned arithmetic, 16-bit
  // unaligned little-endian loads, and `char` (signed on x86) for the single-byte tails.
  const char* key = key_sv.data();
  uint32_t len = static_cast<uint32_t>(key_sv.size());
  uint32_t tmp, hash = len, rem = len & 3;
  auto u16 = [](const char* p) {
    return static_cast<uint32_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
  };
  len /= 4;
  for (; len > 0; len--) {
    hash += u16(key);
    tmp = (u16(key + 2) << 11) ^ hash;
    hash = (hash << 16) ^ tmp;
    key += 4;
    hash += hash >> 11;
  }
  switch (rem) {
    case 3:
      hash += u16(key);
      hash ^= hash << 16;
      hash ^=
          static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(key[2])) * (1 << 18));
      hash += hash >> 11;
      break;
    case 2:
      hash += u16(key);
      hash ^= hash << 11;
      hash += hash >> 17;
      break;
    case 1:
      hash += static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(*key)));
      hash ^= hash << 10;
      hash += hash >> 1;
      break;
    default: break;
  }
  hash ^= hash << 3;
  hash += hash >> 5;
  hash ^= hash << 4;
  hash += hash >> 17;
  hash ^= hash << 25;
  hash += hash >> 6;
  return hash;
}

std::vector<uint32_t> kmod_hash_iteration_order(const std::vector<std::string_view>& names,
                                                uint32_t n_buckets) {
  uint32_t nb = 1;
  while (nb < n_buckets) nb <<= 1;  // ALIGN_POWER2
  std::vector<std::pair<uint32_t, uint32_t>> keyed(names.size());
  for (uint32_t i = 0; i < names.size(); ++i)
    keyed[i] = {kmod_hash_superfast(names[i]) & (nb - 1), i};
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return names[a.second] < names[b.second];  // unsigned-char compare, as strcmp()
  });
  std::vector<uint32_t> out(names.size());
  for (size_t i = 0; i < keyed.size(); ++i) out[i] = keyed[i].second;
  return out;
}

std::string depmod_uncrelpath(std::string_view relpath, size_t base_off, size_t stem_len) {
  size_t n = std::min(relpath.size(), base_off + stem_len + 3);
  return std::string(relpath.substr(0, n));
}

}  // namespace ofsck::resolve
