#include <gtest/gtest.h>

#include "read/text/config_files.hpp"
#include "text_test_util.hpp"

namespace ofsck::read {
namespace {

using text_test::TempRoot;
using text_test::write_file;

std::vector<std::string> names(const CollectedConfig& c) {
  std::vector<std::string> out;
  for (const auto& f : c.files) out.push_back(f.display_path);
  return out;
}

TEST(ConfigFiles, DefaultDirsByVersion) {
  EXPECT_EQ(default_config_dirs(ConfigFlavor::kDepmod, 30),
            (std::vector<std::string>{"/etc/depmod.d", "/run/depmod.d", "/usr/local/lib/depmod.d",
                                      "/lib/depmod.d"}));
  // kmod 31 still has no DISTCONFDIR: commit 8463809 first shipped in kmod 32.
  EXPECT_EQ(default_config_dirs(ConfigFlavor::kModprobe, 31),
            (std::vector<std::string>{"/etc/modprobe.d", "/run/modprobe.d",
                                      "/usr/local/lib/modprobe.d", "/lib/modprobe.d"}));
  EXPECT_EQ(default_config_dirs(ConfigFlavor::kModprobe, 32),
            (std::vector<std::string>{"/etc/modprobe.d", "/run/modprobe.d",
                                      "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d",
                                      "/lib/modprobe.d"}));
}

TEST(ConfigFiles, SortedByBasenameFirstDirWinsShadowRecorded) {
  TempRoot r;
  write_file(r.path, "lib/depmod.d/z.conf", "");
  write_file(r.path, "lib/depmod.d/a.conf", "");
  write_file(r.path, "etc/depmod.d/m.conf", "");
  write_file(r.path, "etc/depmod.d/z.conf", "");
  write_file(r.path, "usr/local/lib/depmod.d/z.conf", "");
  write_file(r.path, "run/depmod.d/B.conf", "");  // strcmp: uppercase before lowercase
  auto dirs = default_config_dirs(ConfigFlavor::kDepmod);
  auto c = collect_config_files(r.path, dirs, {});
  EXPECT_EQ(names(c), (std::vector<std::string>{"/run/depmod.d/B.conf", "/lib/depmod.d/a.conf",
                                                "/etc/depmod.d/m.conf", "/etc/depmod.d/z.conf"}));
  EXPECT_EQ(c.files[3].shadowed,
            (std::vector<std::string>{"/usr/local/lib/depmod.d/z.conf", "/lib/depmod.d/z.conf"}));
  EXPECT_EQ(c.files[3].path, r.path + "/etc/depmod.d/z.conf");
  EXPECT_TRUE(c.problems.empty());
}

TEST(ConfigFiles, FilterRules) {
  TempRoot r;
  write_file(r.path, "etc/depmod.d/.hidden.conf", "");
  write_file(r.path, "etc/depmod.d/.conf", "");  // 5 chars and a dotfile
  write_file(r.path, "etc/depmod.d/x.conf", "");
  write_file(r.path, "etc/depmod.d/x.conf.bak", "");
  write_file(r.path, "etc/depmod.d/README", "");
  write_file(r.path, "etc/depmod.d/old.alias", "");
  write_file(r.path, "etc/depmod.d/sub.conf/inner.conf", "");
  std::vector<std::string> dirs = {"/etc/depmod.d"};
  auto c = collect_config_files(r.path, dirs, {});
  EXPECT_EQ(names(c), std::vector<std::string>{"/etc/depmod.d/x.conf"});
  int dir_problems = 0, ignored = 0;
  for (const auto& p : c.problems) {
    if (p.kind == "dir-in-confdir") {
      ++dir_problems;
      EXPECT_EQ(p.kmod_message,
                "Directories inside directories are not supported: /etc/depmod.d/sub.conf");
    }
    if (p.kind == "ignored-file") ++ignored;
  }
  EXPECT_EQ(dir_problems, 1);
  EXPECT_EQ(ignored, 5);
}

TEST(ConfigFiles, ModprobeV30AcceptsAliasFiles) {
  TempRoot r;
  write_file(r.path, "etc/modprobe.d/old.alias", "");
  write_file(r.path, "etc/modprobe.d/x.conf", "");
  std::vector<std::string> dirs = {"/etc/modprobe.d"};
  CollectOptions o;
  o.flavor = ConfigFlavor::kModprobe;
  EXPECT_EQ(collect_config_files(r.path, dirs, o).files.size(), 2u);
  o.kmod_version = 33;
  EXPECT_EQ(collect_config_files(r.path, dirs, o).files.size(), 1u);
}

TEST(ConfigFiles, ExplicitFilesAndDirsAndMissing) {
  TempRoot r;
  write_file(r.path, "a/x.conf", "");
  write_file(r.path, "b/x.conf", "");
  write_file(r.path, "b/noext", "");
  std::vector<std::string> paths = {"/missing", "/b/noext", "/a/x.conf", "/b"};
  auto c = collect_config_files(r.path, paths, {});
  // an explicitly named file needs no ".conf"; /b/x.conf is shadowed by /a/x.conf
  EXPECT_EQ(names(c), (std::vector<std::string>{"/b/noext", "/a/x.conf"}));
  EXPECT_EQ(c.files[1].shadowed, std::vector<std::string>{"/b/x.conf"});
}

TEST(ConfigFiles, ModulesSoftdepMergedByBasename) {
  TempRoot r;
  write_file(r.path, "lib/modules/6.1/modules.softdep", "softdep a pre: b\n");
  write_file(r.path, "etc/modprobe.d/aaa.conf", "");
  write_file(r.path, "etc/modprobe.d/zzz.conf", "");
  CollectOptions o;
  o.flavor = ConfigFlavor::kModprobe;
  o.module_dir = "/lib/modules/6.1";
  auto dirs = default_config_dirs(ConfigFlavor::kModprobe);
  auto c = collect_config_files(r.path, dirs, o);
  EXPECT_EQ(names(c), (std::vector<std::string>{"/etc/modprobe.d/aaa.conf",
                                                "/lib/modules/6.1/modules.softdep",
                                                "/etc/modprobe.d/zzz.conf"}));
  o.module_dir = "/lib/modules/absent";
  EXPECT_EQ(collect_config_files(r.path, dirs, o).files.size(), 2u);
}

}  // namespace
}  // namespace ofsck::read
