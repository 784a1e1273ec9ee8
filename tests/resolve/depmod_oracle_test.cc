// Differential test: ofsck's modules.dep against the real kmod 30 `depmod -n`, byte for byte,
// on the real Debian trees and on small generated roots covering every rule of
// kernel-semantics.md §1. Small roots live on tmpfs (/dev/shm), whose readdir() returns
// entries in reverse creation order, so tie outcomes are deterministic.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "read/text/depmod_conf.hpp"
#include "read/text/symvers.hpp"
#include "resolve/resolve.hpp"
#include "testdata.hpp"

namespace fs = std::filesystem;
using namespace ofsck;

namespace {

constexpr const char* kDepmod = "/sbin/depmod";

/// The modules.dep part of `depmod -n` output. With -n depmod skips the .bin indexes, so
/// modules.dep is followed directly by modules.alias and its header line.
std::string cut_modules_dep(const std::string& all) {
  static const std::string kHeader = "# Aliases extracted from modules themselves.\n";
  if (all.starts_with(kHeader)) return {};
  size_t p = all.find("\n" + kHeader);
  return p == std::string::npos ? all : all.substr(0, p + 1);
}

std::string depmod_modules_dep(const std::string& root, const std::string& kver,
                               std::string* stderr_text = nullptr) {
  std::string err_file = root + ".depmod.err";
  std::string cmd = std::string(kDepmod) + " -b '" + root + "' -C '" + root +
                    "/etc/depmod.d' -n '" + kver + "' 2>'" + err_file + "'";
  std::string out = testdata::run(cmd);
  if (stderr_text) {
    std::ifstream in(err_file);
    *stderr_text = std::string(std::istreambuf_iterator<char>(in), {});
  }
  unlink(err_file.c_str());
  return cut_modules_dep(out);
}

Result<resolve::Resolution> ofsck_resolve(const std::string& root, const std::string& kver,
                                          const std::string& symvers = {}) {
  read::DepmodLoadOptions lo;
  lo.root = root;
  lo.paths = {"/etc/depmod.d"};  // what `depmod -C <root>/etc/depmod.d` reads
  lo.kver = kver;
  resolve::ResolveInput in;
  in.root = root;
  in.kver = kver;
  in.config = read::load_depmod_config(lo);
  in.reroot_externals = false;  // depmod -b does not re-root externals
  if (!symvers.empty()) {
    Result<read::ParsedSymvers> sv_or = read::read_symvers_file(symvers);
    if (!sv_or) return tl::unexpected(sv_or.error());
    in.symvers = std::move(sv_or->symvers);
  }
  return resolve::resolve_tree(in);
}

/// First differing line, for readable failures.
std::string first_diff(const std::string& a, const std::string& b) {
  size_t i = 0, line = 1;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') ++line;
    ++i;
  }
  auto line_at = [](const std::string& s, size_t pos) {
    size_t st = s.rfind('\n', pos == 0 ? 0 : pos - 1);
    st = st == std::string::npos ? 0 : st + 1;
    if (pos < st) st = pos;
    size_t en = s.find('\n', pos);
    return s.substr(st, en == std::string::npos ? std::string::npos : en - st);
  };
  return "line " + std::to_string(line) + ":\n  depmod: " + line_at(a, i) +
         "\n  ofsck:  " + line_at(b, i);
}

/// The -e/-E warning lines of `depmod -b root -e -E symvers -n`, in output order.
std::string depmod_warnings(const std::string& root, const std::string& kver,
                            const std::string& symvers) {
  std::string cmd = std::string(kDepmod) + " -b '" + root + "' -C '" + root +
                    "/etc/depmod.d' -e -E '" + symvers + "' -n '" + kver + "' 2>&1 >/dev/null";
  std::string all = testdata::run(cmd), out;
  size_t p = 0;
  while (p < all.size()) {
    size_t e = all.find('\n', p);
    std::string line = all.substr(p, e == std::string::npos ? std::string::npos : e - p);
    if (line.find(" needs unknown symbol ") != std::string::npos ||
        line.find(" disagrees about version of symbol ") != std::string::npos)
      out += line + "\n";
    p = e == std::string::npos ? all.size() : e + 1;
  }
  return out;
}

std::string ofsck_warnings(const resolve::Resolution& r) {
  std::string out;
  for (const resolve::DepWarning& w : r.warnings) out += w.kmod_message + "\n";
  return out;
}

void compare_full_tree(const std::string& kver) {
  std::string root = testdata::tree(kver);
  std::string expected = depmod_modules_dep(root, kver);
  ASSERT_FALSE(expected.empty());
  auto t0 = std::chrono::steady_clock::now();
  Result<resolve::Resolution> r_or = ofsck_resolve(root, kver);
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(r_or) << to_string(r_or.error());
  std::string got = resolve::render_modules_dep(*r_or);
  EXPECT_TRUE(got == expected) << first_diff(expected, got);
  size_t read_errors = 0;
  for (const auto& m : r_or->modules) read_errors += m.read_error.has_value();
  EXPECT_EQ(read_errors, 0u);
  std::cerr << "[ resolve " << kver << ": " << r_or->modules.size() << " modules in "
            << std::chrono::duration<double>(t1 - t0).count() << " s ]\n";
}

TEST(DepmodOracle, FullTree61) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(testdata::kOld61));
  compare_full_tree(testdata::kOld61);
}

TEST(DepmodOracle, FullTree61WarningsWithOwnSymvers) {
  OFSCK_REQUIRE_DATA(testdata::symvers(testdata::kOld61));
  std::string root = testdata::tree(testdata::kOld61);
  std::string expected =
      depmod_warnings(root, testdata::kOld61, testdata::symvers(testdata::kOld61));
  Result<resolve::Resolution> r_or =
      ofsck_resolve(root, testdata::kOld61, testdata::symvers(testdata::kOld61));
  ASSERT_TRUE(r_or) << to_string(r_or.error());
  EXPECT_EQ(ofsck_warnings(*r_or), expected);
  EXPECT_TRUE(expected.empty());  // the pristine Debian tree is clean
}

TEST(DepmodOracle, FullTree612Xz) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(testdata::k612));
  compare_full_tree(testdata::k612);
}

// ---- small generated roots -------------------------------------------------------------

constexpr const char* kKver = "6.1.0-47-amd64";

/// In-tree modules copied into every small root (a leaf, and the IB provider/consumer chain).
const std::vector<std::string> kBase = {
    "kernel/drivers/input/misc/pcspkr.ko",
    "kernel/fs/configfs/configfs.ko",
    "kernel/net/psample/psample.ko",
    "kernel/drivers/pci/controller/pci-hyperv-intf.ko",
    "kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko",
    "kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko",
    "kernel/drivers/infiniband/core/ib_core.ko",
    "kernel/drivers/infiniband/core/ib_cm.ko",
    "kernel/drivers/infiniband/core/iw_cm.ko",
    "kernel/drivers/infiniband/core/rdma_cm.ko",
    "kernel/drivers/infiniband/core/ib_uverbs.ko",
    "kernel/drivers/infiniband/core/rdma_ucm.ko",
    "kernel/drivers/infiniband/hw/mlx5/mlx5_ib.ko",
};

enum class OrderFile { kReal, kAbsent, kCorrupt };

struct Case {
  std::string name;
  std::vector<std::pair<std::string, std::string>> conf;  ///< etc/depmod.d/<file>, content
  /// {dest, source}: dest relative to the module dir; "/..." = relative to the root;
  /// "EXT1/..." / "EXT2/..." = inside external dirs outside the root. Source = a base relpath
  /// (by module file name, e.g. "ib_core.ko"), optionally with .xz/.zst/.gz appended.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::pair<std::string, std::string>> links;  ///< {dest, symlink target}
  OrderFile order = OrderFile::kReal;
  std::function<void(const resolve::Resolution&)> check;
};

class SmallRoots : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string src = testdata::module_dir(kKver);
    if (!testdata::exists(src)) return;
    shm_ = "/dev/shm/ofsck-oracle-" + std::to_string(getpid());
    fs::create_directories(shm_ + "/src");
    for (const std::string& rel : kBase) {
      std::string base = fs::path(rel).filename();
      fs::copy_file(src + "/" + rel, shm_ + "/src/" + base);
    }
    std::string p = shm_ + "/src/pcspkr.ko";
    testdata::run("xz -kc '" + p + "' > '" + p + ".xz'; zstd -qc '" + p + "' > '" + p +
                  ".zst'; gzip -kc '" + p + "' > '" + p + ".gz'");
    std::ifstream in(src + "/modules.order");
    for (std::string line; std::getline(in, line);)
      if (std::find(kBase.begin(), kBase.end(), line) != kBase.end()) order_ += line + "\n";
  }
  static void TearDownTestSuite() {
    if (!shm_.empty() && !getenv("OFSCK_KEEP_ORACLE_ROOTS")) fs::remove_all(shm_);
  }

  static std::string source(const std::string& key) {
    std::string base = key;
    std::string ext;
    for (const char* e : {".xz", ".zst", ".gz"})
      if (base.ends_with(e)) {
        ext = e;
        base.resize(base.size() - ext.size());
      }
    return shm_ + "/src/" + base + ext;
  }

  void run_case(const Case& c) {
    SCOPED_TRACE(c.name);
    std::string root = build_root(c);
    std::string err;
    std::string expected = depmod_modules_dep(root, kKver, &err);
    Result<resolve::Resolution> r_or = ofsck_resolve(root, kKver);
    ASSERT_TRUE(r_or) << to_string(r_or.error());
    std::string got = resolve::render_modules_dep(*r_or);
    EXPECT_TRUE(got == expected) << first_diff(expected, got) << "\n--- depmod stderr:\n"
                                 << err << "--- depmod:\n"
                                 << expected << "--- ofsck:\n"
                                 << got;
    ++compared_;
    if (c.check) c.check(*r_or);
  }

  static std::string build_root(const Case& c) {
    std::string root = shm_ + "/" + c.name;
    std::string mdir = root + "/lib/modules/" + kKver;
    auto dest_path = [&](const std::string& d) {
      if (d.starts_with("/")) return root + d;
      if (d.starts_with("EXT1/") || d.starts_with("EXT2/"))
        return root + "-ext" + d.substr(3, 1) + "/" + d.substr(5);
      return mdir + "/" + d;
    };
    fs::create_directories(mdir);
    fs::create_directories(root + "/etc/depmod.d");
    for (const std::string& rel : kBase) {
      fs::create_directories(fs::path(mdir + "/" + rel).parent_path());
      fs::copy_file(source(fs::path(rel).filename()), mdir + "/" + rel);
    }
    for (const auto& [dest, src] : c.files) {
      std::string d = dest_path(dest);
      fs::create_directories(fs::path(d).parent_path());
      fs::copy_file(source(src), d);
    }
    for (const auto& [dest, target] : c.links) {
      std::string d = dest_path(dest);
      fs::create_directories(fs::path(d).parent_path());
      fs::create_symlink(target, d);
    }
    if (c.order != OrderFile::kAbsent) {
      std::string text = order_;
      if (c.order == OrderFile::kCorrupt) text.pop_back();
      std::ofstream(mdir + "/modules.order") << text;
    }
    for (auto [file, text] : c.conf) {
      for (size_t p; (p = text.find("@EXT1@")) != std::string::npos;)
        text.replace(p, 6, root + "-ext1");
      for (size_t p; (p = text.find("@EXT2@")) != std::string::npos;)
        text.replace(p, 6, root + "-ext2");
      std::ofstream(root + "/etc/depmod.d/" + file) << text;
    }
    return root;
  }

  static std::string shm_;
  static std::string order_;
  static int compared_;
};
std::string SmallRoots::shm_;
std::string SmallRoots::order_;
int SmallRoots::compared_ = 0;

/// The winning relpath for a module name.
std::string winner(const resolve::Resolution& r, const std::string& name) {
  auto it = r.module_by_name.find(name);
  if (it == r.module_by_name.end()) return "<none>";
  return r.modules[it->second].dep_path;
}
bool has_problem(const resolve::Resolution& r, resolve::ProblemKind k) {
  return std::any_of(r.problems.begin(), r.problems.end(),
                     [&](const resolve::Problem& p) { return p.kind == k; });
}
const resolve::Selection* selection(const resolve::Resolution& r, const std::string& name) {
  for (const resolve::Selection& s : r.selections)
    if (s.name == name) return &s;
  return nullptr;
}

using PK = resolve::ProblemKind;

std::vector<Case> cases() {
  const std::string rhel = "search updates extra built-in weak-updates\n";
  std::vector<Case> v;
  v.push_back(
      {"default_updates",
       {},
       {{"updates/pcspkr.ko", "pcspkr.ko"}},
       {},
       OrderFile::kReal,
       [](const resolve::Resolution& r) { EXPECT_EQ(winner(r, "pcspkr"), "updates/pcspkr.ko"); }});
  v.push_back({"default_extra_tie_builtin",
               {},
               {{"extra/pcspkr.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 const resolve::Selection* s = selection(r, "pcspkr");
                 ASSERT_TRUE(s);
                 EXPECT_TRUE(s->tie);
                 EXPECT_EQ(s->tied.size(), 2u);
               }});
  v.push_back({"search_extra_builtin",
               {{"a.conf", "search extra built-in\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "extra/ib_core.ko");
                 EXPECT_FALSE(selection(r, "ib_core")->tie);
               }});
  v.push_back({"search_builtin_extra",
               {{"a.conf", "search built-in extra\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "kernel/drivers/infiniband/core/ib_core.ko");
               }});
  v.push_back({"two_search_files",
               {{"a.conf", "search extra\n"}, {"b.conf", "search built-in\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"two_search_lines_reversed",
               {{"a.conf", "search built-in\nsearch extra\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"override_exact_dir",
               {{"a.conf", "override ib_core * extra/sub\n"}},
               {{"extra/sub/ib_core.ko", "ib_core.ko"}, {"updates/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "extra/sub/ib_core.ko");
               }});
  v.push_back({"override_subdir_no_match",
               {{"a.conf", "override ib_core * extra\n"}},
               {{"extra/sub/ib_core.ko", "ib_core.ko"}, {"updates/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "updates/ib_core.ko");
                 EXPECT_TRUE(has_problem(r, PK::kOverrideMatchesNoFile));
               }});
  v.push_back({"override_underscore_vs_dash",
               {{"a.conf", "search built-in\noverride pci_hyperv_intf * extra\n"}},
               {{"extra/pci-hyperv-intf.ko", "pci-hyperv-intf.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"override_dash_matches",
               {{"a.conf", "search built-in\noverride pci-hyperv-intf * extra\n"}},
               {{"extra/pci-hyperv-intf.ko", "pci-hyperv-intf.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "pci_hyperv_intf"), "extra/pci-hyperv-intf.ko");
               }});
  v.push_back(
      {"zz01_weak_then_zz02_extra",
       {{"zz01.conf", "override ib_core * weak-updates\n"},
        {"zz02.conf", "override ib_core * extra\n"}},
       {{"weak-updates/ib_core.ko", "ib_core.ko"}, {"extra/ib_core.ko", "ib_core.ko"}},
       {},
       OrderFile::kReal,
       [](const resolve::Resolution& r) { EXPECT_EQ(winner(r, "ib_core"), "extra/ib_core.ko"); }});
  v.push_back({"zz01_extra_then_zz02_weak",
               {{"zz01.conf", "override ib_core * extra\n"},
                {"zz02.conf", "override ib_core * weak-updates\n"}},
               {{"weak-updates/ib_core.ko", "ib_core.ko"}, {"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "weak-updates/ib_core.ko");
               }});
  v.push_back(
      {"override_kver_regex_match",
       {{"a.conf", "override ib_core 6\\.1\\..*-amd64 extra\n"}},
       {{"extra/ib_core.ko", "ib_core.ko"}, {"updates/ib_core.ko", "ib_core.ko"}},
       {},
       OrderFile::kReal,
       [](const resolve::Resolution& r) { EXPECT_EQ(winner(r, "ib_core"), "extra/ib_core.ko"); }});
  v.push_back({"override_kver_regex_mismatch",
               {{"a.conf", "override ib_core ^5\\.10 extra\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}, {"updates/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "updates/ib_core.ko");
                 EXPECT_TRUE(has_problem(r, PK::kOverrideKverMismatch));
               }});
  v.push_back({"external_in_search",
               {{"a.conf", "search external built-in\nexternal * @EXT1@\n"}},
               {{"EXT1/ib_core.ko", "ib_core.ko"}, {"EXT1/sub/pcspkr.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"external_not_in_search",
               {{"a.conf", "search updates built-in\nexternal * @EXT1@\n"}},
               {{"EXT1/ib_core.ko", "ib_core.ko"}, {"EXT1/rdma-test.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "kernel/drivers/infiniband/core/ib_core.ko");
                 EXPECT_TRUE(winner(r, "rdma_test").starts_with("/"));
               }});
  v.push_back({"external_after_builtin",
               {{"a.conf", "search built-in external\nexternal 6.1.* @EXT1@\n"}},
               {{"EXT1/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"two_externals",
               {{"a.conf", "search external built-in\nexternal * @EXT1@\nexternal * @EXT2@\n"}},
               {{"EXT1/ib_core.ko", "ib_core.ko"},
                {"EXT2/ib_core.ko", "ib_core.ko"},
                {"EXT2/pcspkr.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"external_kver_mismatch_and_override_ignored",
               {{"a.conf", "search external built-in\nexternal 5.10 @EXT1@\n"
                           "external * @EXT2@\noverride ib_core * EXT\n"}},
               {{"EXT1/ib_core.ko", "ib_core.ko"}, {"EXT2/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"exclude",
               {{"a.conf", "search extra built-in\nexclude extra misc\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}, {"updates/misc/ib_uverbs.ko", "ib_uverbs.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) { EXPECT_EQ(winner(r, "pcspkr"), "<none>"); }});
  v.push_back({"exclude_file_name",
               {{"a.conf", "exclude pcspkr.ko\n"}},
               {{"updates/pcspkr.ko.xz", "pcspkr.ko.xz"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "pcspkr"), "updates/pcspkr.ko.xz");
               }});
  v.push_back({"ko_xz_zst_in_updates",
               {},
               {{"updates/x/pcspkr.ko", "pcspkr.ko"},
                {"updates/x/pcspkr.ko.xz", "pcspkr.ko.xz"},
                {"updates/x/pcspkr.ko.zst", "pcspkr.ko.zst"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) { EXPECT_TRUE(selection(r, "pcspkr")->tie); }});
  v.push_back({"ko_xz_zst_in_builtin_dir",
               {{"a.conf", "search built-in\n"}},
               {{"kernel/x2/pcspkr.ko.xz", "pcspkr.ko.xz"},
                {"kernel/x2/pcspkr.ko", "pcspkr.ko"},
                {"kernel/x2/pcspkr.ko.zst", "pcspkr.ko.zst"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"ties_at_builtin",
               {{"a.conf", "search built-in\n"}},
               {{"aaa/pcspkr.ko", "pcspkr.ko"},
                {"third/pcspkr.ko", "pcspkr.ko"},
                {"mmm/pcspkr.ko", "pcspkr.ko"},
                {"zzz/pcspkr.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "pcspkr"), "zzz/pcspkr.ko");
                 EXPECT_EQ(selection(r, "pcspkr")->tied.size(), 5u);
               }});
  v.push_back({"rhel_weak_updates_loses",
               {{"dist.conf", rhel}},
               {{"weak-updates/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "kernel/drivers/infiniband/core/ib_core.ko");
               }});
  v.push_back({"rhel_extra_dupes_last_wins",
               {{"dist.conf", rhel}},
               {{"extra/b/pcspkr.ko", "pcspkr.ko"}, {"extra/a/pcspkr.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back(
      {"rhel_weak_dupes_first_wins",
       {{"dist.conf", rhel}},
       {{"weak-updates/b/psample.ko", "psample.ko"}, {"weak-updates/a/psample.ko", "psample.ko"}},
       {},
       OrderFile::kReal,
       {}});
  v.push_back({"rhel_weak_updates_symlinks_with_override",
               {{"dist.conf", rhel},
                {"mlnx.conf", "override ib_core * weak-updates/mlnx\n"
                              "override ib_uverbs * weak-updates/mlnx\n"}},
               {{"/lib/modules/6.0.0-old/extra/mlnx/ib_core.ko", "ib_core.ko"},
                {"/lib/modules/6.0.0-old/extra/mlnx/ib_uverbs.ko", "ib_uverbs.ko"}},
               {{"weak-updates/mlnx/ib_core.ko", "../../../6.0.0-old/extra/mlnx/ib_core.ko"},
                {"weak-updates/mlnx/ib_uverbs.ko", "../../../6.0.0-old/extra/mlnx/ib_uverbs.ko"},
                {"weak-updates/dangling.ko", "../nowhere.ko"}},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_core"), "weak-updates/mlnx/ib_core.ko");
               }});
  v.push_back(
      {"mlnx_zz01_per_module_files_seed_case",
       {{"dist.conf", rhel},
        {"zz01-mlnx-ofa_kernel-ib_core.conf",
         "override ib_core * weak-updates/mlnx-ofa_kernel/drivers/infiniband/core\n"
         "override ib_core * extra/mlnx-ofa_kernel/drivers/infiniband/core\n"},
        {"zz01-mlnx-ofa_kernel-ib_uverbs.conf",
         "override ib_uverbs * weak-updates/mlnx-ofa_kernel/drivers/infiniband/core\n"
         "override ib_uverbs * extra/mlnx-ofa_kernel/drivers/infiniband/core\n"},
        {"zz01-mlnx-ofa_kernel-mlx5_core.conf",
         "override mlx5_core * "
         "weak-updates/mlnx-ofa_kernel/drivers/net/ethernet/mellanox/mlx5/core\n"
         "override mlx5_core * extra/mlnx-ofa_kernel/drivers/net/ethernet/mellanox/mlx5/core\n"}},
       {{"extra/mlnx-ofa_kernel/drivers/infiniband/core/ib_core.ko", "ib_core.ko"},
        {"extra/mlnx-ofa_kernel/drivers/infiniband/core/ib_uverbs.ko", "ib_uverbs.ko"},
        {"weak-updates/mlnx-ofa_kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko",
         "mlx5_core.ko"}},
       {},
       OrderFile::kReal,
       [](const resolve::Resolution& r) {
         EXPECT_EQ(winner(r, "ib_core"),
                   "extra/mlnx-ofa_kernel/drivers/infiniband/core/ib_core.ko");
         int nomatch = 0;
         for (const resolve::Problem& p : r.problems)
           nomatch += p.kind == PK::kOverrideMatchesNoFile && !p.where.path.empty() && p.where.line;
         EXPECT_EQ(nomatch, 3);  // two weak-updates lines + mlx5_core's extra line
       }});
  v.push_back({"bad_lines",
               {{"a.conf", "  # indented is not a comment\nfrobnicate x\noverride ib_core *\n"
                           "external 6.1\ninclude /etc/foo\nmake_map_files\n"
                           "search extra # trailing words are entries\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"comments",
               {{"a.conf", "# search extra built-in\n#override ib_core * extra\n\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"continuation_lines",
               {{"a.conf", "search \\\nextra built-in\noverride ib_uverbs \\\n * upd\\\nates\n"}},
               {{"extra/ib_core.ko", "ib_core.ko"},
                {"updates/ib_uverbs.ko", "ib_uverbs.ko"},
                {"extra/ib_uverbs.ko", "ib_uverbs.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "ib_uverbs"), "updates/ib_uverbs.ko");
               }});
  v.push_back({"search_nested_prefix",
               {{"a.conf", "search updates/dkms extra/sub built-in\n"}},
               {{"updates/ib_core.ko", "ib_core.ko"},
                {"updates/dkms/x/ib_core.ko", "ib_core.ko"},
                {"extra/sub/deep/pcspkr.ko", "pcspkr.ko"},
                {"extra/subx/pcspkr.ko", "pcspkr.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"updates_two_dirs_last_wins",
               {},
               {{"updates/b/ib_cm.ko", "ib_cm.ko"}, {"updates/a/ib_cm.ko", "ib_cm.ko"}},
               {},
               OrderFile::kReal,
               {}});
  v.push_back({"no_modules_order",
               {{"a.conf", "search updates extra built-in\n"}},
               {{"updates/ib_core.ko", "ib_core.ko"}, {"extra/foo-bar.ko", "pcspkr.ko"}},
               {},
               OrderFile::kAbsent,
               {}});
  v.push_back({"corrupt_modules_order",
               {},
               {{"updates/ib_core.ko", "ib_core.ko"}},
               {},
               OrderFile::kCorrupt,
               [](const resolve::Resolution& r) {
                 EXPECT_TRUE(has_problem(r, PK::kModulesOrderCorrupt));
               }});
  v.push_back({"symbol_owner_last_exporter",
               {},
               {{"updates/ib_core_copy.ko", "ib_core.ko"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 auto it = r.symbols.symbols.find("ib_register_device");
                 ASSERT_NE(it, r.symbols.symbols.end());
                 EXPECT_EQ(r.modules[it->second.owner].name, "ib_core_copy");
               }});
  v.push_back({"gz_ignored",
               {},
               {{"updates/pcspkr.ko.gz", "pcspkr.ko.gz"}},
               {},
               OrderFile::kReal,
               [](const resolve::Resolution& r) {
                 EXPECT_EQ(winner(r, "pcspkr"), "kernel/drivers/input/misc/pcspkr.ko");
                 EXPECT_TRUE(has_problem(r, PK::kIgnoredCompression));
               }});
  v.push_back(
      {"override_beats_search_and_dotted_name",
       {{"a.conf", "search updates built-in\noverride ib_core * kernel/drivers/infiniband/core\n"}},
       {{"updates/ib_core.ko", "ib_core.ko"}, {"updates/psample.v2.ko", "psample.ko"}},
       {},
       OrderFile::kReal,
       [](const resolve::Resolution& r) {
         EXPECT_EQ(winner(r, "ib_core"), "kernel/drivers/infiniband/core/ib_core.ko");
       }});
  return v;
}

TEST_F(SmallRoots, WarningsMatchDepmodWithForeignSymvers) {
  OFSCK_REQUIRE_DATA(testdata::symvers(testdata::k612));
  // 6.1 modules checked against their own Module.symvers (clean) and against 6.12's (many
  // "disagrees" and "needs unknown"). The updates/ copy of ib_core becomes the owner of its
  // symbols (last exporter), so module-owned CRCs are compared too.
  Case c{"warnings_foreign_symvers", {}, {{"updates/ib_core_copy.ko", "ib_core.ko"}}, {},
         OrderFile::kReal,           {}};
  std::string root = build_root(c);
  for (const std::string& sv : {testdata::symvers(kKver), testdata::symvers(testdata::k612)}) {
    SCOPED_TRACE(sv);
    std::string expected = depmod_warnings(root, kKver, sv);
    Result<resolve::Resolution> r_or = ofsck_resolve(root, kKver, sv);
    ASSERT_TRUE(r_or) << to_string(r_or.error());
    EXPECT_EQ(ofsck_warnings(*r_or), expected);
    EXPECT_EQ(resolve::render_modules_dep(*r_or), depmod_modules_dep(root, kKver));
    if (sv == testdata::symvers(kKver)) EXPECT_TRUE(expected.empty());
    else EXPECT_GT(expected.size(), 1000u);
  }
}

TEST_F(SmallRoots, MatchDepmodByteForByte) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  std::vector<Case> all = cases();
  for (const Case& c : all) run_case(c);
  EXPECT_GE(compared_, 30);
  std::cerr << "[ compared " << compared_ << " generated depmod.d configurations ]\n";
}

}  // namespace
