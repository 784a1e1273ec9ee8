// Replays fuzz/corpus/module_reader/ (and named crash regressions in it) through
// read_module_bytes() in the default ASan/UBSan suite, as bloaty's fuzz_driver.cc does.
#include <gtest/gtest.h>

#include <filesystem>

#include "read/buffer.hpp"
#include "read/module_reader.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

TEST(FuzzCorpus, ModuleReaderCorpusReplays) {
  std::string dir = testdata::source_dir() + "/fuzz/corpus/module_reader";
  size_t n = 0, ok = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    Result<Buffer> b = read_file_buffer(e.path().string());
    ASSERT_TRUE(b);
    ReadOptions o;
    o.max_decompressed = 16 << 20;
    o.signed_digest = true;
    Result<model::ModuleFile> m = read_module_bytes(b->span(), e.path().string(), o);
    ++n;
    if (m) ++ok;
  }
  EXPECT_GE(n, 10u);
  EXPECT_GE(ok, 10u);  // the seed fixtures all parse
}

}  // namespace
}  // namespace ofsck::read
