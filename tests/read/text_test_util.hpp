#pragma once
/// Helpers shared by the tests/read/text_*_test.cc files.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testdata.hpp"

namespace ofsck::text_test {

/// Writes `content` to root/rel, creating parent directories.
inline void write_file(const std::string& root, const std::string& rel,
                       const std::string& content) {
  std::filesystem::path p = std::filesystem::path(root) / rel.substr(rel[0] == '/' ? 1 : 0);
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

/// A temp dir removed at scope exit.
struct TempRoot {
  std::string path = testdata::make_temp_dir("text");
  ~TempRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace ofsck::text_test
