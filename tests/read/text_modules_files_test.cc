#include <gtest/gtest.h>

#include <filesystem>

#include "read/text/modules_dep.hpp"
#include "read/text/modules_files.hpp"
#include "read/text/text_util.hpp"
#include "text_test_util.hpp"

namespace ofsck::read {
namespace {

using text_test::TempRoot;
using text_test::write_file;

TEST(ModulesOrder, EntriesAndTotal) {
  auto o = parse_modules_order("kernel/a.ko\n\nkernel/b.ko\nkernel/a.ko\n", "/lib/modules/k");
  EXPECT_FALSE(o.corrupted);
  ASSERT_EQ(o.entries.size(), 4u);
  EXPECT_EQ(o.entries[0].relpath, "kernel/a.ko");
  EXPECT_EQ(o.entries[1].relpath, "");
  EXPECT_EQ(o.entries[3].idx, 4u);
  EXPECT_EQ(o.total, 5u);
}

TEST(ModulesOrder, LastLineWithoutNewlineIsCorrupted) {
  auto o = parse_modules_order("kernel/a.ko\nkernel/b.ko", "/lib/modules/k");
  EXPECT_TRUE(o.corrupted);
  EXPECT_EQ(o.corrupted_line, 2u);
  EXPECT_TRUE(o.entries.empty());  // depmod sorts nothing
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].kmod_message,
            "/lib/modules/k/modules.order:2 corrupted line misses '\\n'");
}

TEST(ModulesOrder, LongLineAndNulAreCorrupted) {
  EXPECT_TRUE(parse_modules_order(std::string(5000, 'a') + "\n", "/m").corrupted);
  EXPECT_FALSE(parse_modules_order(std::string(4094, 'a') + "\n", "/m").corrupted);
  EXPECT_TRUE(parse_modules_order(std::string("ab\0c\n", 5), "/m").corrupted);
  auto z = parse_modules_order(std::string("\0x\nk.ko\n", 8), "/m");
  EXPECT_FALSE(z.corrupted);
  ASSERT_EQ(z.entries.size(), 1u);
  EXPECT_EQ(z.entries[0].idx, 2u);
}

TEST(ModulesOrder, RealDebianFile) {
  std::string p = testdata::module_dir(testdata::kOld61) + "/modules.order";
  OFSCK_REQUIRE_DATA(p);
  auto d = read_text_file(p);
  ASSERT_TRUE(d);
  auto o = parse_modules_order(*d, "/lib/modules/6.1.0-47-amd64");
  EXPECT_FALSE(o.corrupted);
  EXPECT_EQ(o.entries.size(), 4022u);
  EXPECT_EQ(o.entries[0].relpath, "kernel/arch/x86/events/amd/power.ko");
}

TEST(ModulesBuiltin, LinesMustStartWithALetter) {
  auto b = parse_modules_builtin("kernel/fs/ext4/ext4.ko\n/abs/x.ko\n\nkernel/a-b.c.ko\n1x.ko\n",
                                 "/lib/modules/k/modules.builtin");
  ASSERT_EQ(b.modules.size(), 2u);
  EXPECT_EQ(b.modules[0].name, "ext4");
  EXPECT_EQ(b.modules[1].name, "a_b");
  EXPECT_EQ(b.modules[1].line, 4u);
  ASSERT_EQ(b.problems.size(), 3u);
  EXPECT_EQ(b.problems[0].kmod_message, "Invalid modules.builtin line: /abs/x.ko\n");
}

TEST(ModulesBuiltin, RealDebianFiles) {
  std::string dir = testdata::module_dir(testdata::kOld61);
  OFSCK_REQUIRE_DATA(dir + "/modules.builtin");
  auto b = parse_modules_builtin(*read_text_file(dir + "/modules.builtin"), "b");
  EXPECT_EQ(b.modules.size(), 186u);
  EXPECT_TRUE(b.problems.empty());
  auto m = parse_modules_builtin_modinfo(*read_text_file(dir + "/modules.builtin.modinfo"), "m");
  EXPECT_TRUE(m.problems.empty());
  ASSERT_FALSE(m.records.empty());
  EXPECT_EQ(m.records[0].module, "amd_uncore");
  EXPECT_EQ(m.records[0].key, "license");
  EXPECT_EQ(m.records[0].value, "GPL v2");
}

TEST(ModulesBuiltinModinfo, Records) {
  std::string data("a.alias=pci:v*\0b.parm=x:y=z\0bad\0.k=v\0c.k=", 41);
  auto m = parse_modules_builtin_modinfo(data, "f");
  ASSERT_EQ(m.records.size(), 3u);
  EXPECT_EQ(m.records[1].module, "b");
  EXPECT_EQ(m.records[1].key, "parm");
  EXPECT_EQ(m.records[1].value, "x:y=z");
  EXPECT_EQ(m.records[2].value, "");
  ASSERT_EQ(m.problems.size(), 3u);  // "bad", ".k=v", unterminated tail
  EXPECT_EQ(m.problems[0].where.offset, 28u);
}

TEST(ModulesDep, TextFormat) {
  auto d = parse_modules_dep("kernel/a/x-y.ko.xz: kernel/b.ko kernel/c.ko\n"
                             "kernel/b.ko:\n"
                             "garbage\n"
                             "updates/b.ko:\n",
                             "/lib/modules/k/modules.dep");
  ASSERT_EQ(d.modules.size(), 2u);
  EXPECT_EQ(d.modules.at("x_y").deps, (std::vector<std::string>{"kernel/b.ko", "kernel/c.ko"}));
  EXPECT_EQ(d.modules.at("b").path, "kernel/b.ko");
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[0].where.line, 3u);
  EXPECT_EQ(d.problems[1].kind, "duplicate-module");
}

class ModulesDepBin : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = testdata::module_dir(testdata::kOld61);
    if (!testdata::exists("/usr/sbin/depmod") && !testdata::exists("/sbin/depmod"))
      GTEST_SKIP() << "depmod not installed";
  }
  std::string build_tree() {
    const std::string kver = testdata::kOld61;
    std::string md = root_.path + "/lib/modules/" + kver;
    for (const char* rel :
         {"kernel/drivers/infiniband/core/ib_core.ko",
          "kernel/drivers/infiniband/core/ib_uverbs.ko",
          "kernel/drivers/infiniband/core/ib_umad.ko", "kernel/drivers/net/mii.ko"}) {
      std::filesystem::create_directories(std::filesystem::path(md + "/" + rel).parent_path());
      std::filesystem::copy_file(src_ + "/" + rel, md + "/" + rel);
    }
    int st = 0;
    testdata::run("depmod -b " + root_.path + " " + kver + " 2>&1", &st);
    EXPECT_EQ(st, 0);
    return md;
  }
  std::string src_;
  TempRoot root_;
};

TEST_F(ModulesDepBin, ReadsRealIndexAndMatchesText) {
  OFSCK_REQUIRE_DATA(src_ + "/kernel/drivers/infiniband/core/ib_core.ko");
  std::string md = build_tree();
  auto bin = read_modules_dep_bin(md);
  ASSERT_TRUE(bin) << to_string(bin.error());
  EXPECT_TRUE(bin->problems.empty());
  ASSERT_EQ(bin->modules.size(), 4u);
  const DepEntry& uv = bin->modules.at("ib_uverbs");
  EXPECT_EQ(uv.path, "kernel/drivers/infiniband/core/ib_uverbs.ko");
  EXPECT_EQ(uv.deps, std::vector<std::string>{"kernel/drivers/infiniband/core/ib_core.ko"});
  EXPECT_TRUE(bin->modules.at("mii").deps.empty());
  auto text = parse_modules_dep(*read_text_file(md + "/modules.dep"), "modules.dep");
  ASSERT_EQ(text.modules.size(), 4u);
  for (const auto& [name, e] : text.modules) {
    EXPECT_EQ(bin->modules.at(name).path, e.path);
    EXPECT_EQ(bin->modules.at(name).deps, e.deps);
  }
}

TEST_F(ModulesDepBin, TruncatedAndCorruptIndexesAreErrorsNotCrashes) {
  OFSCK_REQUIRE_DATA(src_ + "/kernel/drivers/infiniband/core/ib_core.ko");
  std::string md = build_tree();
  std::string good = *read_text_file(md + "/modules.dep.bin");
  ASSERT_TRUE(validate_kmod_index(good, "x"));
  std::string binpath = md + "/modules.dep.bin";
  auto with = [&](const std::string& bytes) {
    write_file("/", binpath, bytes);
    return read_modules_dep_bin(md);
  };
  for (size_t cut : {size_t{0}, size_t{5}, size_t{12}, good.size() / 2, good.size() - 1}) {
    auto r = with(good.substr(0, cut));
    EXPECT_FALSE(r) << "cut at " << cut;
    if (!r) {
      EXPECT_EQ(r.error().where.path, binpath);
    }
  }
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(with(bad_magic));
  // Flip every byte after the header, one at a time: never a crash; either an error or a dump,
  // and the walker reads exactly what libkmod dumps from every index that passes validation.
  size_t compared = 0;
  for (size_t i = 12; i < good.size(); ++i) {
    std::string c = good;
    c[i] = static_cast<char>(c[i] ^ 0xa5);
    auto r = with(c);
    auto ref = read_modules_dep_bin_libkmod(md);
    ASSERT_EQ(bool(r), bool(ref)) << "byte " << i;
    if (r && ref) {
      ++compared;
      EXPECT_EQ(r->problems.size(), ref->problems.size()) << "byte " << i;
      ASSERT_EQ(r->modules.size(), ref->modules.size()) << "byte " << i;
      for (const auto& [name, e] : ref->modules) {
        ASSERT_TRUE(r->modules.count(name)) << "byte " << i << " " << name;
        EXPECT_EQ(r->modules.at(name).path, e.path) << "byte " << i;
        EXPECT_EQ(r->modules.at(name).deps, e.deps) << "byte " << i;
      }
    }
  }
  EXPECT_GT(compared, 0u);
  std::filesystem::remove(binpath);
  auto missing = read_modules_dep_bin(md);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().where.path, binpath);
}

// Whole real trees: depmod writes the index into a scratch root whose kernel/ is a symlink to
// the cached tree (kmod 30 has no --outdir), then the walker and libkmod's dump must read the
// same 4,000+ entries.
TEST(ModulesDepBinWalker, MatchesLibkmodOnRealTrees) {
  for (const char* k : {testdata::kNew61}) {
    const std::string kver = k;
    const std::string tree = testdata::tree(kver);
    if (!testdata::exists(tree + "/lib/modules/" + kver)) {
      GTEST_SKIP() << "test data missing: " << tree;
    }
    const std::string out = testdata::make_temp_dir("depbin");
    const std::string md = out + "/lib/modules/" + kver;
    const std::string src = tree + "/lib/modules/" + kver;
    int st = 0;
    testdata::run("mkdir -p '" + md + "' && ln -s '" + src + "/kernel' '" + md +
                      "/kernel' && cp '" + src + "/modules.order' '" + src + "/modules.builtin' '" +
                      md + "/' && depmod -b '" + out + "' " + kver + " 2>&1",
                  &st);
    ASSERT_EQ(st, 0);
    auto mine = read_modules_dep_bin(md);
    auto ref = read_modules_dep_bin_libkmod(md);
    ASSERT_TRUE(mine) << to_string(mine.error());
    ASSERT_TRUE(ref) << to_string(ref.error());
    EXPECT_GT(ref->modules.size(), 4000u) << kver;
    EXPECT_TRUE(mine->problems.empty());
    ASSERT_EQ(mine->modules.size(), ref->modules.size());
    for (const auto& [name, e] : ref->modules) {
      auto it = mine->modules.find(name);
      ASSERT_NE(it, mine->modules.end()) << name;
      EXPECT_EQ(it->second.path, e.path) << name;
      EXPECT_EQ(it->second.deps, e.deps) << name;
    }
    testdata::run("rm -rf " + out);
  }
}

}  // namespace
}  // namespace ofsck::read

namespace ofsck::read {
namespace {

TEST(ModulesFiles, ProblemsCarryTheirLine) {
  // The line as read, without its newline: what report/ shows under the location.
  auto z = parse_modules_order(std::string("\0x\nk.ko\nlast", 12), "/m");
  ASSERT_EQ(z.problems.size(), 2u);
  EXPECT_EQ(z.problems[0].where.text, std::string("\0x", 2));
  EXPECT_EQ(z.problems[1].where.line, 3u);
  EXPECT_EQ(z.problems[1].where.text, "last");
  auto b = parse_modules_builtin("kernel/a.ko\n/bad.ko\n", "/m/modules.builtin");
  ASSERT_EQ(b.problems.size(), 1u);
  EXPECT_EQ(b.problems[0].where.text, "/bad.ko");
  auto d = parse_modules_dep("kernel/a.ko:\nno colon\nx/a.ko: y\n", "/m/modules.dep");
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[0].where.text, "no colon");
  EXPECT_EQ(d.problems[1].where.text, "x/a.ko: y");  // the duplicate
}

}  // namespace
}  // namespace ofsck::read
