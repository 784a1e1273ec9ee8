// `ofsck --version`: the version, the build's features and the generations it models, the
// latter from model/generations.hpp (not a copy).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "model/generations.hpp"
#include "testdata.hpp"

namespace ofsck {
namespace {

TEST(Version, VersionFeaturesAndGenerations) {
  int rc = -1;
  std::string out = testdata::run(testdata::ofsck_bin() + " --version", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out.rfind("ofsck 0.", 0), 0u) << out;
  for (const char* feature : {"liblzma", "libzstd", "zlib", "liblz4", "lzo2", "libbz2", "OpenSSL",
                              "librpm", "dpkg", "libarchive", "libkmod"})
    EXPECT_NE(out.find(feature), std::string::npos) << feature;
  std::string models =
      fmt::format("models: Linux kernels {}.{} .. {}.x, kmod {} .. {}\n",
                  model::kOldestKernel.major, model::kOldestKernel.minor, model::kNewestKernelMajor,
                  model::kOldestKmod, model::kNewestKmod);
  EXPECT_NE(out.find(models), std::string::npos) << out;
  EXPECT_NE(out.find("kernels 3.10 .. 7.x, kmod 30 .. 34"), std::string::npos) << out;
  // Versions the build found: no unsubstituted or empty CMake variable.
  EXPECT_EQ(out.find('@'), std::string::npos) << out;
  EXPECT_EQ(out.find("  ("), std::string::npos) << out;
  EXPECT_EQ(out.find(" )"), std::string::npos) << out;
}

}  // namespace
}  // namespace ofsck
