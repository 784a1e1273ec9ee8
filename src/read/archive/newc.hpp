#pragma once
/// The cpio "newc" (070701) and "crc" (070702) header: a 6-byte magic, then 13 fields of 8
/// hexadecimal digits (ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
/// rdevmajor, rdevminor, namesize, check). Shared by the initramfs and rpm payload readers.
#include <cstdint>

namespace ofsck::read {

/// Decodes the 13 fields of the header at `h` (at least 110 bytes) into `out`. Returns -1, or
/// the offset inside the header of the first byte that is not a hexadecimal digit (its field
/// is (offset - 6) / 8).
inline int decode_newc_fields(const char* h, uint32_t out[13]) {
  for (int i = 0; i < 13; ++i) {
    uint32_t v = 0;
    for (int j = 0; j < 8; ++j) {
      const char c = h[6 + i * 8 + j];
      const int x = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (x < 0) return 6 + i * 8 + j;
      v = (v << 4) | static_cast<uint32_t>(x);
    }
    out[i] = v;
  }
  return -1;
}

}  // namespace ofsck::read
