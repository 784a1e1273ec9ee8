// Finding::fields: the structured facts behind each message (docs/json-schema.md, "Structured
// fields"), filled by the rules on real modules.
#include <gtest/gtest.h>

#include "check/check_tree.hpp"
#include "check/rules.hpp"
#include "scenario/scenario_util.hpp"

namespace ofsck::scn {
namespace {

/// The value of `key` in f.fields ("" when absent) and how often it is set.
std::string field(const check::Finding& f, const std::string& key, size_t* count = nullptr) {
  std::string v;
  size_t n = 0;
  for (const auto& [k, val] : f.fields)
    if (k == key && n++ == 0) v = val;
  if (count) *count = n;
  return v;
}

const check::Finding* find(const check::CheckResult& r, std::string_view rule,
                           const std::string& subject) {
  for (const auto& f : r.findings)
    if (f.rule == rule && f.subject == subject) return &f;
  return nullptr;
}

check::CheckResult check_root(const Root& r, std::vector<std::string> files = {}) {
  check::NodeSpec spec;
  spec.root = r.path();
  spec.kver = r.kver();
  spec.files = std::move(files);
  check::ReadSettings rs;
  rs.verify_content = false;
  auto p = check::prepare(spec, rs);
  EXPECT_TRUE(p.has_value());
  return p ? check::evaluate(*p, check::EvalOptions{}) : check::CheckResult{};
}

// ofs_core v2 in updates/ beats the v1 that ofs_consumer was built against: OFS203 names the
// symbol, both CRCs, the provider that binds and the file it was built against; OFS208 names
// the failing dependency and what it stops.
TEST(FindingFields, CrcMismatchAndDependents) {
  OFSCK_REQUIRE_SCN(td::kNew61);
  Root r(td::kNew61);
  r.add_test("unsigned/ofs_core-v2/ofs_core.ko", "updates/ofs_core.ko");
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r.depmod();
  check::CheckResult res = check_root(r);
  const check::Finding* f = find(res, check::kCrcMismatch, "ofs_consumer");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(field(*f, "module"), "ofs_consumer");
  EXPECT_EQ(field(*f, "errno"), "EINVAL");
  EXPECT_FALSE(field(*f, "symbol").empty());
  EXPECT_NE(f->message.find("symbol " + field(*f, "symbol")), std::string::npos) << f->message;
  const std::string want = field(*f, "expected_crc"), got = field(*f, "found_crc");
  ASSERT_EQ(want.size(), 10u);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_NE(want, got);
  EXPECT_NE(f->message.find("expects CRC " + want), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("has " + got), std::string::npos) << f->message;
  EXPECT_EQ(field(*f, "provider"), "ofs_core");
  EXPECT_EQ(field(*f, "provider_file"), r.mod_dir() + "/updates/ofs_core.ko");
  EXPECT_EQ(field(*f, "built_against_file"), r.mod_dir() + "/extra/ofs_core.ko");
}

// A module of another ABI (6.1.0-47's dummy on 6.1.0-56) given as a FILE: OFS201 carries
// module_layout with both CRCs, as the message prints them.
TEST(FindingFields, ModuleLayout) {
  OFSCK_REQUIRE_SCN(td::kNew61);
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  Root r(td::kNew61);
  r.depmod();
  const std::string file = td::module_dir(td::kOld61) + "/kernel/drivers/net/dummy.ko";
  check::CheckResult res = check_root(r, {file});
  const check::Finding* f = find(res, check::kModuleLayout, file);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(field(*f, "module"), "dummy");
  EXPECT_EQ(field(*f, "symbol"), "module_layout");
  EXPECT_EQ(field(*f, "errno"), "ENOEXEC");
  EXPECT_NE(f->message.find("module_layout CRC " + field(*f, "expected_crc") +
                            " differs from this kernel's " + field(*f, "found_crc")),
            std::string::npos)
      << f->message;
  ASSERT_EQ(res.modules.size(), 2u);  // pcspkr and the given file
  for (const auto& m : res.modules) EXPECT_EQ(m.given, m.file == file) << m.file;
}

// OFS216 names the module and the parameter.
TEST(FindingFields, UnknownParameter) {
  OFSCK_REQUIRE_SCN(td::kNew61);
  Root r(td::kNew61);
  r.write("etc/modprobe.d/p.conf", "options pcspkr bogus=1\n");
  r.depmod();
  check::CheckResult res = check_root(r);
  const check::Finding* f = find(res, check::kUnknownParameter, "pcspkr");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(field(*f, "module"), "pcspkr");
  EXPECT_EQ(field(*f, "param"), "bogus");
}

}  // namespace
}  // namespace ofsck::scn
