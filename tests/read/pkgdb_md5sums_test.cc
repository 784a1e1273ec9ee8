// dpkg info/<pkg>.md5sums (read/pkgdb/md5sums.hpp), and /proc/modules with /sys parameters
// (read/text/proc_modules.hpp): parsers of bytes from the inspected system.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "read/pkgdb/md5sums.hpp"
#include "read/text/proc_modules.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace fs = std::filesystem;

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Md5Sums, ParsesDhMd5sumsLines) {
  auto m =
      parse_md5sums("0123456789ABCDEF0123456789abcdef  lib/modules/6.1.0-47-amd64/kernel/a b.ko\n\n"
                    "d41d8cd98f00b204e9800998ecf8427e *usr/share/doc/x/copyright\n"
                    "00000000000000000000000000000000  ./etc/x",
                    "x.md5sums");
  ASSERT_TRUE(m) << to_string(m.error());
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ(m->at("/lib/modules/6.1.0-47-amd64/kernel/a b.ko"),
            "0123456789abcdef0123456789abcdef");  // lowercase; spaces kept in the path
  EXPECT_EQ(m->at("/usr/share/doc/x/copyright"), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_TRUE(m->count("/etc/x"));
}

TEST(Md5Sums, MalformedLineFailsNamingFileAndLine) {
  for (const char* bad :
       {"0123  lib/x\n", "0123456789abcdef0123456789abcdeg  lib/x\n",
        "0123456789abcdef0123456789abcdef lib/x\n", "0123456789abcdef0123456789abcdef  \n"}) {
    auto m =
        parse_md5sums(std::string("d41d8cd98f00b204e9800998ecf8427e  ok\n") + bad, "p.md5sums");
    ASSERT_FALSE(m) << bad;
    EXPECT_EQ(m.error().where.path, "p.md5sums");
    EXPECT_EQ(m.error().where.line, 2u);
  }
}

TEST(Md5Sums, LoadsArchQualifiedThenPlainName) {
  std::string root = testdata::make_temp_dir("md5sums");
  put(root + "/var/lib/dpkg/info/a:amd64.md5sums", "d41d8cd98f00b204e9800998ecf8427e  lib/a\n");
  put(root + "/var/lib/dpkg/info/b.md5sums", "d41d8cd98f00b204e9800998ecf8427e  lib/b\n");
  model::Package a{model::Package::Format::kDpkg, "a", "1", "amd64", "installed"};
  model::Package b{model::Package::Format::kDpkg, "b", "1", "amd64", "installed"};
  model::Package c{model::Package::Format::kDpkg, "c", "1", "", "installed"};
  model::Package evil{model::Package::Format::kDpkg, "../../x", "1", "", "installed"};
  EXPECT_TRUE(load_dpkg_md5sums(root, a)->count("/lib/a"));
  EXPECT_TRUE(load_dpkg_md5sums(root, b)->count("/lib/b"));
  auto none = load_dpkg_md5sums(root, c);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(load_dpkg_md5sums(root, evil));
  fs::remove_all(root);
}

TEST(ProcModules, ParsesKernelLines) {
  auto m = parse_proc_modules("ib_core 450560 8 ib_ipoib,ib_umad, Live 0x0000000000000000\n"
                              "mlx5_core 2076672 1 mlx5_ib, Live 0x0000000000000000 (OE)\n"
                              "dummy 16384 0 - Loading 0x0000000000000000\n",
                              "/proc/modules");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[1].name, "mlx5_core");
  EXPECT_EQ((*m)[2].state, "Loading");
  auto bad = parse_proc_modules("ib_core 450560 8 -\nx y 1 - Live 0\n", "/proc/modules");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.line, 1u);
  EXPECT_FALSE(parse_proc_modules("../x 1 0 - Live 0\n", "/proc/modules"));
}

TEST(ProcModules, ReadsParametersFromDirsStandingInForProcAndSys) {
  std::string d = testdata::make_temp_dir("live");
  put(d + "/proc/modules", "dummy 16384 0 - Live 0x0\nib_core 450560 0 - Live 0x0\n");
  put(d + "/sys/module/dummy/parameters/numdummies", "1\n");
  put(d + "/sys/module/dummy/parameters/flag", "Y\n");
  auto l = read_loaded_modules(LiveDirs{d + "/proc", d + "/sys"});
  ASSERT_TRUE(l) << to_string(l.error());
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].name, "dummy");
  ASSERT_EQ((*l)[0].params.size(), 2u);
  EXPECT_EQ((*l)[0].params[0], (std::pair<std::string, std::string>{"flag", "Y"}));
  EXPECT_EQ((*l)[0].params[1].second, "1");
  EXPECT_TRUE((*l)[1].params.empty());  // no parameters directory
  EXPECT_FALSE(read_loaded_modules(LiveDirs{d + "/none", d + "/sys"}));
  fs::remove_all(d);
}

// This machine's real /sys: every module directory with readable parameters reads back what
// the kernel shows (a /proc/modules listing them stands in when /proc has none, as here).
TEST(ProcModules, RealSysModuleParameters) {
  if (!fs::exists("/sys/module")) GTEST_SKIP() << "no /sys/module";
  std::string d = testdata::make_temp_dir("realsys");
  std::string list;
  std::string expect_name, expect_param, expect_value;
  for (const auto& m : fs::directory_iterator("/sys/module")) {
    if (!fs::exists(m.path() / "parameters")) continue;
    list += m.path().filename().string() + " 0 0 - Live 0x0\n";
    for (const auto& p : fs::directory_iterator(m.path() / "parameters")) {
      std::ifstream f(p.path());
      std::string v;
      if (expect_name.empty() && f && std::getline(f, v)) {
        expect_name = m.path().filename().string();
        expect_param = p.path().filename().string();
        expect_value = v;
      }
    }
  }
  if (expect_name.empty()) GTEST_SKIP() << "no readable parameter in /sys/module";
  put(d + "/modules", list);
  auto l = read_loaded_modules(LiveDirs{d, "/sys"});
  ASSERT_TRUE(l) << to_string(l.error());
  bool found = false;
  for (const auto& m : *l) {
    for (const auto& [k, v] : m.params) {
      if (m.name == expect_name && k == expect_param) found = v == expect_value;
    }
  }
  EXPECT_TRUE(found) << expect_name << "/" << expect_param;
  if (fs::exists("/proc/modules")) {
    EXPECT_TRUE(read_loaded_modules(LiveDirs{}));
  }
  fs::remove_all(d);
}

TEST(FuzzCorpus, Md5sumsCorpusReplays) {
  for (const auto& e : fs::directory_iterator(testdata::source_dir() + "/fuzz/corpus/md5sums")) {
    std::ifstream f(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    (void)parse_md5sums(text, "x");
    (void)parse_proc_modules(text, "x");
  }
}

}  // namespace
}  // namespace ofsck::read
