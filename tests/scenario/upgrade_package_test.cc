// `ofsck upgrade --to KERNEL-PACKAGE…` with Debian's real linux-image-6.1.0-56-amd64-unsigned and
// linux-headers-6.1.0-56-amd64 packages, laid over a root that holds only 6.1.0-47-amd64, must
// give the verdicts `upgrade --to 6.1.0-56-amd64` gives on a root where that kernel is
// installed, show the root's paths (never the overlay's) and change nothing on the root. Both
// roots carry the same vendor modules: ofs_core and ofs_consumer built against 6.1.0-47 and
// installed with dpkg from a package acme-ofs (owned), ofs_leaf built against 6.1.0-56 and
// copied by hand (unowned), which the kABI roll-up groups per package.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "pkg_fixture.hpp"
#include "testdata.hpp"

namespace td = ofsck::testdata;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Outcome {
  int status = -1;
  std::string out, err;
  json doc;
};

std::string newest_deb(const std::string& prefix) {
  std::string p = td::run(
      fmt::format("ls {}/debs/{}_*.deb 2>/dev/null | sort -V | tail -1", td::cache_dir(), prefix));
  while (!p.empty() && p.back() == '\n') p.pop_back();
  return p;
}

/// A listing of every path under `dir` with size, mtime and link target.
std::string snapshot(const std::string& dir) {
  return td::run(fmt::format("cd {} && find . -printf '%p %s %T@ %l\\n' | sort", dir));
}

class UpgradePackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!ofsck::pkgfix::have_tools()) return;
    for (const char* k : {td::kOld61, td::kNew61})
      if (!td::exists(td::module_dir(k)) || !td::exists(td::symvers(k)) ||
          !td::exists(td::test_modules(k) + "/unsigned/ofs_leaf.ko"))
        return;
    if (newest_deb(image_pkg()).empty() || newest_deb(headers_pkg()).empty()) return;
    // Hard links need the cache's file system, hence a temp dir inside it.
    std::string tmpl = td::cache_dir() + "/tmp-upgrade-pkg-XXXXXX";
    if (!mkdtemp(tmpl.data())) return;
    work_ = new std::string(tmpl);
    std::string deb = ofsck::pkgfix::build_deb(
        *work_, "acme-ofs", "1.0",
        {{fmt::format("/lib/modules/{}/extra/ofs_core.ko", td::kOld61),
          td::test_modules(td::kOld61) + "/unsigned/ofs_core.ko", ""},
         {fmt::format("/lib/modules/{}/extra/ofs_consumer.ko", td::kOld61),
          td::test_modules(td::kOld61) + "/unsigned/ofs_consumer.ko", ""}});
    for (const char* name : {"installed", "packages"}) {
      std::string r = *work_ + "/" + name;
      for (const char* k : {td::kOld61, td::kNew61}) {
        if (std::string(name) == "packages" && std::string(k) == td::kNew61) continue;
        td::run(fmt::format("mkdir -p {0}/lib/modules {0}/boot {0}/usr/src/linux-headers-{1} && "
                            "cp -al {2}/lib/modules/{1} {0}/lib/modules/ && cp -al {2}/boot/. "
                            "{0}/boot/ && ln {3} {0}/usr/src/linux-headers-{1}/Module.symvers",
                            r, k, td::tree(k), td::symvers(k)));
      }
      ofsck::pkgfix::dpkg_install(r, deb);
      td::run(fmt::format("cp {}/unsigned/ofs_leaf.ko {}/lib/modules/{}/extra/",
                          td::test_modules(td::kNew61), r, td::kOld61));
    }
    std::ofstream(*work_ + "/kabi.list") << "[rhel9_x86_64_stablelist]\n\t_printk\n";
    td::run(fmt::format("mkdir -p {}/tmp", *work_));
  }
  static void TearDownTestSuite() {
    if (work_) td::run("rm -rf " + *work_);
    delete work_;
    work_ = nullptr;
  }
  void SetUp() override {
    if (!ofsck::pkgfix::have_tools()) GTEST_SKIP() << "dpkg-deb/rpmbuild not installed";
    OFSCK_REQUIRE_DATA(td::test_modules(td::kOld61) + "/unsigned/ofs_core.ko");
    OFSCK_REQUIRE_DATA(td::test_modules(td::kNew61) + "/unsigned/ofs_leaf.ko");
    OFSCK_REQUIRE_DATA(td::module_dir(td::kNew61));
    OFSCK_REQUIRE_DATA(newest_deb(image_pkg()));
    OFSCK_REQUIRE_DATA(newest_deb(headers_pkg()));
    ASSERT_NE(work_, nullptr);
  }

  static std::string image_pkg() { return fmt::format("linux-image-{}-unsigned", td::kNew61); }
  static std::string headers_pkg() { return fmt::format("linux-headers-{}", td::kNew61); }
  static std::string installed() { return *work_ + "/installed"; }
  static std::string packages() { return *work_ + "/packages"; }
  static std::string tmp() { return *work_ + "/tmp"; }
  static std::string kabi() { return *work_ + "/kabi.list"; }

  /// `ofsck upgrade` on `root` with the overlay under tmp(); JSON unless `args` says otherwise.
  static Outcome upgrade(const std::string& root, const std::string& args, bool as_json = true) {
    Outcome r;
    std::string err = *work_ + "/stderr";
    r.out = td::run(fmt::format("TMPDIR={} {} upgrade -q --root {} --cache-dir {}/cache {} {} 2>{}",
                                tmp(), td::ofsck_bin(), root, *work_,
                                as_json ? "--format json" : "", args, err),
                    &r.status);
    std::ifstream e(err);
    r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
    if (as_json) r.doc = json::parse(r.out, nullptr, false);
    return r;
  }

  static std::string* work_;
};

std::string* UpgradePackageTest::work_ = nullptr;

const json* module(const json& doc, const std::string& name) {
  for (const auto& m : doc["modules"])
    if (m["name"] == name) return &m;
  return nullptr;
}

/// Findings with the root's path replaced by <root>: comparable across the two roots.
std::multiset<std::string> findings(const json& doc, const std::string& root) {
  std::multiset<std::string> out;
  for (const auto& f : doc["findings"]) {
    std::string s = f.dump();
    for (size_t p; (p = s.find(root)) != std::string::npos;) s.replace(p, root.size(), "<root>");
    out.insert(s);
  }
  return out;
}

TEST_F(UpgradePackageTest, PackagesGiveSameVerdictsAsInstalledKernel) {
  std::string img = newest_deb(image_pkg()), hdr = newest_deb(headers_pkg());
  Outcome inst = upgrade(installed(), fmt::format("--kernel {} --to {} --kabi-list {}", td::kOld61,
                                                  td::kNew61, kabi()));
  ASSERT_FALSE(inst.doc.is_discarded()) << inst.out << inst.err;
  std::string before = snapshot(packages());
  Outcome pkg =
      upgrade(packages(), fmt::format("--to {} --to {} --kabi-list {}", img, hdr, kabi()));
  ASSERT_FALSE(pkg.doc.is_discarded()) << pkg.out << pkg.err;
  EXPECT_EQ(snapshot(packages()), before) << "upgrade --to PKG changed the inspected root";
  EXPECT_TRUE(fs::is_empty(tmp())) << "the overlay was left behind";
  EXPECT_EQ(pkg.out.find(tmp()), std::string::npos) << "overlay path in the report:\n" << pkg.out;

  EXPECT_EQ(pkg.status, 1) << pkg.err;
  EXPECT_EQ(pkg.status, inst.status);
  EXPECT_EQ(pkg.doc["inputs"]["root"], packages());
  EXPECT_EQ(pkg.doc["inputs"]["from"], td::kOld61);  // the root's only kernel
  EXPECT_EQ(pkg.doc["inputs"]["to"], td::kNew61);    // the one the packages bring
  EXPECT_EQ(pkg.doc["inputs"]["to_packages"], json::array({img, hdr}));
  EXPECT_EQ(inst.doc["inputs"]["to_packages"], json::array());
  EXPECT_EQ(pkg.doc["inputs"]["kabi_list"], kabi());

  // Same per-module verdicts, reasons, kernel messages, symbols and packages.
  ASSERT_EQ(pkg.doc["modules"].size(), 3u) << pkg.doc.dump(2);
  EXPECT_EQ(pkg.doc["modules"], inst.doc["modules"]) << pkg.doc["modules"].dump(2) << "\nvs\n"
                                                     << inst.doc["modules"].dump(2);
  const json* core = module(pkg.doc, "ofs_core");
  ASSERT_NE(core, nullptr);
  EXPECT_EQ((*core)["package"], "acme-ofs_1.0");
  EXPECT_EQ((*core)["verdict_if_linked"], "fails");
  EXPECT_EQ((*core)["needs_rebuild"], true);
  EXPECT_EQ((*core)["rebuild_headers"], fmt::format("linux-headers-{}", td::kNew61));
  const json* leaf = module(pkg.doc, "ofs_leaf");
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ((*leaf)["package"], "no package");
  EXPECT_EQ((*leaf)["verdict_as_is"], "absent");
  EXPECT_EQ((*leaf)["verdict_if_linked"], "loads");
  EXPECT_EQ((*leaf)["needs_rebuild"], false);

  EXPECT_EQ(findings(pkg.doc, packages()), findings(inst.doc, installed()));
  EXPECT_EQ(pkg.doc["kabi_by_package"], inst.doc["kabi_by_package"]);
  EXPECT_EQ(pkg.doc["summary"], inst.doc["summary"]);
}

TEST_F(UpgradePackageTest, KabiRollUpPerOwningPackage) {
  Outcome r = upgrade(installed(), fmt::format("--kernel {} --to {} --kabi-list {}", td::kOld61,
                                               td::kNew61, kabi()));
  ASSERT_FALSE(r.doc.is_discarded()) << r.out << r.err;
  // _printk is on the list; ofs_consumer's ofs_core_* imports come from a module of its own set.
  json want = json::parse(R"([
    {"package": "acme-ofs_1.0", "modules": ["ofs_consumer", "ofs_core"],
     "symbols": [{"symbol": "__fentry__", "modules": ["ofs_consumer", "ofs_core"]},
                 {"symbol": "__stack_chk_fail", "modules": ["ofs_consumer"]},
                 {"symbol": "__x86_return_thunk", "modules": ["ofs_consumer", "ofs_core"]}]},
    {"package": "unowned", "modules": ["ofs_leaf"],
     "symbols": [{"symbol": "__fentry__", "modules": ["ofs_leaf"]},
                 {"symbol": "__x86_return_thunk", "modules": ["ofs_leaf"]}]}])");
  EXPECT_EQ(r.doc["kabi_by_package"], want) << r.doc["kabi_by_package"].dump(2);
  // The roll-up is the union of the per-module risks.
  std::map<std::string, std::set<std::string>> per_pkg;
  for (const auto& m : r.doc["modules"])
    for (const auto& s : m["kabi_risks"])
      per_pkg[m["package"] == "no package" ? "unowned" : m["package"].get<std::string>()].insert(
          s.get<std::string>());
  for (const auto& p : r.doc["kabi_by_package"]) {
    std::set<std::string> syms;
    for (const auto& s : p["symbols"]) syms.insert(s["symbol"].get<std::string>());
    EXPECT_EQ(syms, per_pkg[p["package"].get<std::string>()]) << p["package"];
  }

  Outcome text =
      upgrade(installed(),
              fmt::format("--kernel {} --to {} --kabi-list {}", td::kOld61, td::kNew61, kabi()),
              false);
  EXPECT_NE(text.out.find(fmt::format("kABI risk by package (imports not on {}):", kabi())),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  acme-ofs_1.0: 3 symbol(s) in 2 module(s): ofs_consumer, ofs_core\n"
                          "    __fentry__: ofs_consumer, ofs_core\n"
                          "    __stack_chk_fail: ofs_consumer\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  unowned: 2 symbol(s) in 1 module(s): ofs_leaf\n"), std::string::npos)
      << text.out;

  // Without a list there is no roll-up (null), and no text block.
  Outcome none = upgrade(installed(), fmt::format("--kernel {} --to {}", td::kOld61, td::kNew61));
  ASSERT_FALSE(none.doc.is_discarded()) << none.out << none.err;
  EXPECT_TRUE(none.doc["kabi_by_package"].is_null());
}

// Issue 9: the image package alone (no linux-headers) gives the verdicts of the installed
// kernel with its headers: vmlinux's exports are read from the new image, so the 6.1.0-47
// modules fail at module_layout and _printk is exported.
TEST_F(UpgradePackageTest, ImagePackageWithoutHeadersUsesTheImagesExports) {
  std::string img = newest_deb(image_pkg());
  Outcome inst = upgrade(installed(), fmt::format("--kernel {} --to {}", td::kOld61, td::kNew61));
  ASSERT_FALSE(inst.doc.is_discarded()) << inst.out << inst.err;
  Outcome pkg = upgrade(packages(), "--to " + img);
  ASSERT_FALSE(pkg.doc.is_discarded()) << pkg.out << pkg.err;
  EXPECT_EQ(pkg.status, 1) << pkg.err;
  ASSERT_EQ(pkg.doc["modules"].size(), 3u) << pkg.doc.dump(2);
  EXPECT_EQ(pkg.doc["modules"], inst.doc["modules"]) << pkg.doc["modules"].dump(2) << "\nvs\n"
                                                     << inst.doc["modules"].dump(2);
  const std::string all = pkg.doc.dump();
  EXPECT_NE(all.find("module_layout"), std::string::npos) << pkg.doc.dump(2);
  EXPECT_EQ(all.find("OFS301"), std::string::npos) << "no-kernel-exports with the image at hand";
  for (const auto& m : pkg.doc["modules"])
    for (const auto& s : m.value("failing_symbols", json::array()))
      EXPECT_NE(s.get<std::string>().rfind("_printk", 0), 0u) << m.dump(2);
}

TEST_F(UpgradePackageTest, PackagesWithoutOneKernelAreUsageErrors) {
  std::string before = snapshot(packages());
  // A package with no kernel in it: exit 2, naming it.
  std::string doc_deb =
      ofsck::pkgfix::build_deb(*work_, "acme-doc", "1.0",
                               {{"/usr/share/doc/acme-doc/README", "", "hello\n"}});
  Outcome r = upgrade(packages(), "--to " + doc_deb);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(doc_deb + ": carries no kernel"), std::string::npos) << r.err;

  // Debian's headers package alone: it touches the release but brings no module tree.
  std::string hdr = newest_deb(headers_pkg());
  r = upgrade(packages(), "--to " + hdr);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(fmt::format("ships files for {} but no module tree", td::kNew61)),
            std::string::npos)
      << r.err;

  // Two kernels in the packages: ambiguous unless one more --to names the release.
  std::string two = ofsck::pkgfix::build_deb(*work_, "acme-two-kernels", "1.0",
                                             {{"/lib/modules/9.9.9-a/modules.order", "", ""},
                                              {"/lib/modules/9.9.9-b/modules.order", "", ""}});
  r = upgrade(packages(), "--to " + two);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("bring several kernels (9.9.9-a, 9.9.9-b); name the target with one more "
                       "--to KVER"),
            std::string::npos)
      << r.err;
  r = upgrade(packages(), fmt::format("--to {} --to 9.9.9-c", two));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--to 9.9.9-c: no module tree for it"), std::string::npos) << r.err;
  // Two releases.
  r = upgrade(packages(), fmt::format("--to {} --to {}", td::kNew61, td::kOld61));
  EXPECT_EQ(r.status, 2) << r.err;

  // An unreadable package is input that cannot be read: exit 3, naming the file.
  std::string cut = *work_ + "/cut.deb";
  td::run(fmt::format("head -c 3000 {} > {}", hdr, cut));
  r = upgrade(packages(), "--to " + cut);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(cut), std::string::npos) << r.err;
  r = upgrade(packages(), "--to " + *work_ + "/missing.rpm");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("missing.rpm"), std::string::npos) << r.err;

  EXPECT_EQ(snapshot(packages()), before);
  EXPECT_TRUE(fs::is_empty(tmp()));
}

}  // namespace
