#include "util/version_compare.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testdata.hpp"

namespace ofsck {
namespace {

int sign(int v) { return (v > 0) - (v < 0); }

/// dpkg --compare-versions as the oracle: -1, 0 or 1.
int dpkg_says(const std::string& a, const std::string& b) {
  int st = 0;
  testdata::run("dpkg --compare-versions '" + a + "' lt '" + b + "'", &st);
  if (st == 0) return -1;
  testdata::run("dpkg --compare-versions '" + a + "' eq '" + b + "'", &st);
  return st == 0 ? 0 : 1;
}

TEST(DpkgVersionCompare, AgreesWithDpkgOnKernelReleases) {
  if (testdata::run("command -v dpkg").empty()) GTEST_SKIP() << "no dpkg";
  const std::vector<std::string> v = {
      "6.1.0-47-amd64",
      "6.1.0-56-amd64",
      "6.1.0-56-cloud-amd64",
      "6.12.117+deb12-amd64",
      "7.2.13+deb14-amd64",
      "6.1.0-9-amd64",
      "6.1.0-10-amd64",
      "5.10.0-28-amd64",
      "6.1.0-56-rt-amd64",
      "4.18.0-513.el8.x86_64",
      "4.18.0-553.5.1.el8_10.x86_64",
      "5.14.0-427.13.1.el9_4.x86_64",
      "6.1.0~rc1-amd64",
      "6.1.0-amd64",
      "1:5.0-1",
      "6.1.0+a-1",
      "6.1.0.a-1",
      "6.1.0-00047-amd64",
      "6.01.0-47-amd64",
      "6.1-1~bpo",
  };
  for (const auto& a : v)
    for (const auto& b : v)
      EXPECT_EQ(sign(dpkg_version_compare(a, b)), dpkg_says(a, b)) << a << " vs " << b;
}

TEST(DpkgVersionCompare, NumericNotLexical) {
  EXPECT_GT(dpkg_version_compare("6.1.0-56-amd64", "6.1.0-47-amd64"), 0);
  EXPECT_GT(dpkg_version_compare("6.1.0-10-amd64", "6.1.0-9-amd64"), 0);
  EXPECT_GT(dpkg_version_compare("6.12.117+deb12-amd64", "6.1.0-56-amd64"), 0);
  EXPECT_LT(dpkg_version_compare("6.1.0~rc1", "6.1.0"), 0);
  EXPECT_EQ(dpkg_version_compare("6.01", "6.1"), 0);
  EXPECT_EQ(dpkg_version_compare("", ""), 0);
}

}  // namespace
}  // namespace ofsck
