/// Replays fuzz/corpus/<parser>/* through the same entry points as the libFuzzer targets
/// (fuzz/*_fuzz.cc), so every crash that became a corpus file stays a regression test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "read/text/bls.hpp"
#include "read/text/depmod_conf.hpp"
#include "read/text/grub.hpp"
#include "read/text/kcmdline.hpp"
#include "read/text/modprobe_conf.hpp"
#include "read/text/modules_dep.hpp"
#include "read/text/modules_files.hpp"
#include "read/text/ofsck_conf.hpp"
#include "read/text/symvers.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::vector<std::pair<std::string, std::string>> corpus(const std::string& parser) {
  std::vector<std::pair<std::string, std::string>> out;
  std::filesystem::path dir =
      std::filesystem::path(testdata::source_dir()) / "fuzz/corpus" / parser;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.emplace_back(e.path().filename().string(), ss.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FuzzCorpus, DepmodConf) {
  auto files = corpus("depmod_conf");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    model::ConfigFile f;
    f.path = f.display_path = "/etc/depmod.d/fuzz.conf";
    model::DepmodConfig cfg;
    parse_depmod_conf(data, f, "6.1.0-47-amd64", cfg);
  }
}

TEST(FuzzCorpus, ModprobeConf) {
  auto files = corpus("modprobe_conf");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    model::ConfigFile f;
    f.path = f.display_path = "/etc/modprobe.d/fuzz.conf";
    model::ModprobeConfig a, b;
    parse_modprobe_conf(data, f, a, 30);
    parse_modprobe_conf(data, f, b, 33);
    (void)parse_kernel_cmdline(data);
  }
}

TEST(FuzzCorpus, Symvers) {
  auto files = corpus("symvers");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    (void)parse_symvers(data, "Module.symvers");
    std::vector<model::ConfigProblem> problems;
    (void)depmod_symvers_view(data, "Module.symvers", &problems);
    auto m = parse_system_map(data, "System.map");
    if (name == "debian-placeholder.map") {
      EXPECT_FALSE(m);
    }
  }
}

TEST(FuzzCorpus, ModulesFiles) {
  auto files = corpus("modules_files");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    (void)parse_modules_order(data, "/lib/modules/k");
    (void)parse_modules_builtin(data, "modules.builtin");
    (void)parse_modules_builtin_modinfo(data, "modules.builtin.modinfo");
    (void)parse_modules_dep(data, "modules.dep");
    Result<void> v = validate_kmod_index(data, "modules.dep.bin");
    if (name.starts_with("index-")) {
      EXPECT_FALSE(v);  // regression inputs that would hang or overflow libkmod 30
    }
    if (name == "modules.dep.bin") {
      EXPECT_TRUE(v);
    }
  }
}

TEST(FuzzCorpus, Grub) {
  auto files = corpus("grub");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    auto env = parse_grubenv(data, "grubenv");
    GrubConfig cfg = parse_grub_cfg(data);
    std::string path;
    (void)select_grub_entry(cfg.menu, parse_default_grub(data).value_or("0"), &path);
    if (name.starts_with("grubenv")) {
      EXPECT_TRUE(env);
    }
  }
}

TEST(FuzzCorpus, Bls) {
  auto files = corpus("bls");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    auto e = parse_bls_entry(data, name, name);
    std::vector<BlsEntry> v;
    if (e) v.push_back(std::move(*e));
    sort_bls_entries(v);
    if (auto d = parse_loader_conf_default(data)) (void)match_loader_default(v, *d);
  }
}

TEST(FuzzCorpus, OfsckConf) {
  auto files = corpus("ofsck_conf");
  ASSERT_FALSE(files.empty());
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    auto c = parse_ofsck_conf(data, "/etc/ofsck/ofsck.conf");
    EXPECT_EQ(bool(c), name == "all_keys.conf");
  }
}

}  // namespace
}  // namespace ofsck::read
