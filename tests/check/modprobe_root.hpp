#pragma once
// A small real root for modprobe oracles: real modules of a cached Debian kernel, its
// modules.builtin files, modprobe.d files, and the indexes the real depmod writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "testdata.hpp"

namespace ofsck::check {

/// A root with the given modules (relative to the module dir, compressed suffix optional) of
/// kernel `kver`, its modules.builtin files, `files` (root-relative path, content) written, and
/// the indexes the real depmod writes.
inline std::string make_root_with(const std::string& kver, const std::vector<std::string>& rels,
                                  const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  namespace td = testdata;
  std::string root = td::make_temp_dir("modprobe-oracle");
  std::string src = td::module_dir(kver), dst = root + "/lib/modules/" + kver;
  fs::create_directories(dst);
  for (const std::string& rel : rels) {
    bool found = false;
    for (const char* suf : {"", ".xz", ".zst", ".gz"}) {
      if (!fs::exists(src + "/" + rel + suf)) continue;
      fs::create_directories(fs::path(dst + "/" + rel).parent_path());
      fs::copy_file(src + "/" + rel + suf, dst + "/" + rel + suf);
      found = true;
      break;
    }
    EXPECT_TRUE(found) << rel << " not in " << src;
  }
  for (const char* f : {"modules.builtin", "modules.builtin.modinfo", "modules.order"})
    if (fs::exists(src + "/" + f)) fs::copy_file(src + "/" + f, dst + "/" + f);
  fs::create_directories(root + "/etc/modprobe.d");
  for (const auto& [rel, text] : files) {
    fs::create_directories(fs::path(root + "/" + rel).parent_path());
    std::ofstream(root + "/" + rel) << text;
  }
  int st = 0;
  td::run("depmod -b " + root + " " + kver + " 2>&1", &st);
  EXPECT_EQ(st, 0);
  return root;
}

/// The same with `conf` as etc/modprobe.d/test.conf.
inline std::string make_root(const std::string& kver, const std::vector<std::string>& rels,
                             const std::string& conf) {
  return make_root_with(kver, rels, {{"etc/modprobe.d/test.conf", conf}});
}

}  // namespace ofsck::check
