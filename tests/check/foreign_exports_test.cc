// OFS309 foreign-exports and the kernel image's exports as the fallback (issue 9): prepare() on
// the real Debian 6.1.0-56 tree with a garbage, an empty and another build's (6.1.0-47)
// Module.symvers, with its own, and without any.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "check/check_tree.hpp"
#include "check/rules.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace td = ofsck::testdata;

/// One cache for the whole file: the tree and the image are read once.
const std::string& cache() {
  static const std::string dir = td::make_temp_dir("foreign-exports-cache");
  return dir;
}

Result<Node> prepare_with(const std::string& root, const std::string& kver,
                          const std::string& symvers, bool image = true) {
  NodeSpec spec;
  spec.root = root;
  spec.kver = kver;
  spec.symvers = symvers;
  ReadSettings rs;
  rs.cache_dir = cache();
  rs.skip_kernel_image = !image;
  return prepare(spec, rs);
}

const Finding* find_rule(const Node& n, std::string_view rule) {
  for (const auto& f : n.input_findings)
    if (f.rule == rule) return &f;
  return nullptr;
}

std::string write(const std::string& name, const std::string& text) {
  const std::string p = cache() + "/" + name;
  std::ofstream(p) << text;
  return p;
}

/// The node used the image's exports, exactly as many as its Module.symvers lists.
void expect_image_exports(const Node& n, const std::string& kver) {
  EXPECT_EQ(n.kernel.exports_source, td::tree(kver) + "/boot/vmlinuz-" + kver);
  EXPECT_EQ(n.kernel.exports_kind.rfind("kernel image (PREL32", 0), 0u) << n.kernel.exports_kind;
  EXPECT_TRUE(n.kernel.have_exports);
  EXPECT_EQ(n.kernel.vmlinux.size(), kver == td::kNew61 ? 10503u : 10488u);
  EXPECT_TRUE(n.kernel.modversions);
  EXPECT_EQ(find_rule(n, kNoKernelExports), nullptr);
}

class ForeignExports : public ::testing::Test {
 protected:
  void SetUp() override {
    OFSCK_REQUIRE_DATA(td::module_dir(td::kNew61));
    OFSCK_REQUIRE_DATA(td::symvers(td::kOld61));
  }
};

TEST_F(ForeignExports, OwnSymversIsAccepted) {
  auto n = prepare_with(td::tree(td::kNew61), td::kNew61, td::symvers(td::kNew61));
  ASSERT_TRUE(n) << to_string(n.error());
  EXPECT_EQ(find_rule(*n, kForeignExports), nullptr) << find_rule(*n, kForeignExports)->message;
  EXPECT_EQ(n->kernel.exports_source, td::symvers(td::kNew61));
  EXPECT_EQ(n->kernel.exports_kind, "Module.symvers");
}

TEST_F(ForeignExports, GarbageAndEmptyFilesAreRefusedForTheImagesExports) {
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"garbage.symvers", "this is\nnot a\tModule.symvers\n\x01\x02\n"},
           {"empty.symvers", ""}}) {
    const std::string file = write(name, text);
    auto n = prepare_with(td::tree(td::kNew61), td::kNew61, file);
    ASSERT_TRUE(n) << to_string(n.error());
    const Finding* f = find_rule(*n, kForeignExports);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->message.rfind(file + " does not belong to kernel " + td::kNew61 +
                                   ": it has no valid vmlinux line (",
                               0),
              0u)
        << f->message;
    expect_image_exports(*n, td::kNew61);
  }
}

TEST_F(ForeignExports, AnotherBuildsSymversIsRefusedWithTheEvidence) {
  auto n = prepare_with(td::tree(td::kNew61), td::kNew61, td::symvers(td::kOld61));
  ASSERT_TRUE(n) << to_string(n.error());
  const Finding* f = find_rule(*n, kForeignExports);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("CRCs that its in-tree modules expect from vmlinux disagree, first: "),
            std::string::npos)
      << f->message;
  EXPECT_NE(f->message.find("expects 0x"), std::string::npos) << f->message;
  expect_image_exports(*n, td::kNew61);
}

TEST_F(ForeignExports, RefusedWithoutAnImageLeavesNothingUsable) {
  auto n = prepare_with(td::tree(td::kNew61), td::kNew61, td::symvers(td::kOld61), false);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message.find("nothing usable remains"), std::string::npos)
      << n.error().message;
}

TEST_F(ForeignExports, WithoutHeadersTheImagesExportsAreRead) {
  // The tree and /boot, but no usr/src/linux-headers-*.
  const std::string root = td::make_temp_dir("no-headers-root");
  td::run(
      fmt::format("ln -s {0}/lib {1}/lib && ln -s {0}/boot {1}/boot", td::tree(td::kOld61), root));
  auto n = prepare_with(root, td::kOld61, "");
  ASSERT_TRUE(n) << to_string(n.error());
  EXPECT_EQ(find_rule(*n, kForeignExports), nullptr);
  EXPECT_EQ(n->kernel.exports_source, root + "/boot/vmlinuz-" + td::kOld61);
  EXPECT_EQ(n->kernel.vmlinux.size(), 10488u);
  EXPECT_EQ(find_rule(*n, kNoKernelExports), nullptr);
  td::run("rm -rf '" + root + "'");
}

}  // namespace
}  // namespace ofsck::check
