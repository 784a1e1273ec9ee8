#include "read/cache.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "read/parallel.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::vector<std::string> some_modules(const std::string& md, size_t n) {
  std::string out =
      testdata::run("find '" + md + "/kernel' -name '*.ko*' | sort | head -n " + std::to_string(n));
  std::vector<std::string> v;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t e = out.find('\n', pos);
    v.push_back(out.substr(pos, e - pos));
    pos = e + 1;
  }
  return v;
}

TEST(ModuleCacheSerialization, RoundTripsEveryRealModuleOfTwoTrees) {
  for (const char* k : {testdata::kOld61, testdata::k612}) {
    const std::string md = testdata::module_dir(k);
    OFSCK_REQUIRE_DATA(md);
    auto paths = some_modules(md, 100000);
    ReadOptions o;
    o.signed_digest = true;
    auto mods = read_modules_parallel(paths, o);
    size_t n = 0;
    for (const auto& m : mods) {
      ASSERT_TRUE(m);
      std::string a = serialize_module(*m);
      model::ModuleFile back;
      ASSERT_TRUE(deserialize_module(a, back)) << m->path;
      ASSERT_EQ(serialize_module(back), a) << m->path;
      ++n;
    }
    EXPECT_GT(n, 4000u) << k;
  }
}

TEST(ModuleCacheSerialization, TruncatedRecordsAreRejected) {
  const std::string md = testdata::module_dir(testdata::kOld61);
  OFSCK_REQUIRE_DATA(md);
  auto m = read_modules_parallel(some_modules(md, 1), {});
  ASSERT_TRUE(m[0]);
  std::string a = serialize_module(*m[0]);
  model::ModuleFile back;
  for (size_t cut = 0; cut < a.size(); cut += 7)
    EXPECT_FALSE(deserialize_module(std::string_view(a).substr(0, cut), back)) << cut;
}

TEST(ModuleCache, HitsMissesChangedFilesAndCorruptCache) {
  const std::string md = testdata::module_dir(testdata::kOld61);
  OFSCK_REQUIRE_DATA(md);
  const std::string dir = testdata::make_temp_dir("cache");
  const std::string files = testdata::make_temp_dir("cachefiles");
  auto src = some_modules(md, 20);
  std::vector<std::string> paths;
  for (const auto& s : src) {
    std::string d = files + "/" + s.substr(s.rfind('/') + 1);
    testdata::run("cp '" + s + "' '" + d + "'");
    paths.push_back(d);
  }
  auto reader = [](const std::vector<std::string>& p) { return read_modules_parallel(p, {}); };
  {
    ModuleCache c(dir, files);
    auto r = c.read(paths, {}, reader);
    EXPECT_EQ(c.misses(), 20u);
    EXPECT_EQ(c.hits(), 0u);
  }
  {
    ModuleCache c(dir, files);
    auto r = c.read(paths, {}, reader);
    EXPECT_EQ(c.hits(), 20u);
    for (size_t i = 0; i < r.size(); ++i) {
      ASSERT_TRUE(r[i]);
      auto fresh = read_module(paths[i]);
      ASSERT_TRUE(fresh);
      EXPECT_EQ(serialize_module(*r[i]), serialize_module(*fresh));
    }
  }
  // A replaced file (new inode, same size) is read again.
  testdata::run("cp '" + paths[0] + "' '" + paths[0] + ".new' && mv '" + paths[0] + ".new' '" +
                paths[0] + "'");
  {
    ModuleCache c(dir, files);
    c.read(paths, {}, reader);
    EXPECT_EQ(c.misses(), 1u);
  }
  // Asking for digests that were not computed is a miss.
  {
    ModuleCache c(dir, files);
    ReadOptions o;
    o.signed_digest = true;
    c.read(paths, o, reader);
    EXPECT_EQ(c.misses(), 20u);
  }
  // A corrupt cache file is ignored and rebuilt.
  testdata::run("for f in '" + dir +
                "'/modules-*.bin; do head -c 100 \"$f\" > \"$f.x\"; "
                "printf garbage >> \"$f.x\"; mv \"$f.x\" \"$f\"; done");
  {
    ModuleCache c(dir, files);
    auto r = c.read(paths, {}, reader);
    for (const auto& m : r) EXPECT_TRUE(m);
    EXPECT_GE(c.misses(), 19u);
  }
  testdata::run("rm -rf '" + dir + "' '" + files + "'");
}

TEST(ImageExportsCache, SecondReadComesFromTheCacheAndACorruptFileIsReread) {
  const std::string img =
      testdata::tree(testdata::k612) + "/boot/vmlinuz-" + std::string(testdata::k612);
  OFSCK_REQUIRE_DATA(img);
  const std::string dir = testdata::make_temp_dir("image-exports-cache");
  auto first = cached_image_exports(dir, img, 612);
  ASSERT_TRUE(first) << to_string(first.error());
  const std::string file = testdata::run("ls " + dir + "/image-exports-*.bin | tr -d '\\n'");
  ASSERT_FALSE(file.empty());
  auto second = cached_image_exports(dir, img, 612);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->symvers.entries.size(), first->symvers.entries.size());
  for (size_t i = 0; i < first->symvers.entries.size(); ++i) {
    const auto& a = first->symvers.entries[i];
    const auto& b = second->symvers.entries[i];
    ASSERT_TRUE(a.name == b.name && a.crc == b.crc && a.export_type == b.export_type &&
                a.ns == b.ns && b.module == "vmlinux")
        << a.name;
  }
  EXPECT_EQ(second->layout, first->layout);
  EXPECT_EQ(second->has_crcs, first->has_crcs);
  {  // a truncated cache file is ignored and rewritten
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f << "OFSCKC";
  }
  auto third = cached_image_exports(dir, img, 612);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->symvers.entries.size(), first->symvers.entries.size());
  testdata::run("rm -rf '" + dir + "'");
}

}  // namespace
}  // namespace ofsck::read
