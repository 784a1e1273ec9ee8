// The stock Debian 7.x tree (testdata::k7(), package layout usr/lib/modules/KVER): built without
// CONFIG_MODVERSIONS and exporting ~330 symbols in "module:" namespaces. Issue 7: ofsck predicted
// 15 stock modules failing with OFS206 and printed "kernel tainted"/"no versions" lines for every
// module; the real kernel loads them all.
#include <gtest/gtest.h>

#include <string>

#include "check/check_tree.hpp"
#include "check/rules.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace td = ::ofsck::testdata;

/// Node `kver` of root `r` with no command line (the host's /proc/cmdline is not read).
NodeSpec root_spec(const std::string& r, const std::string& kver) {
  NodeSpec s;
  s.root = r;
  s.kver = kver;
  s.cmdline = "";
  return s;
}

/// The stock tree with no command line, through one parse of the ~4,000 modules per test
/// process (ASan makes it slow).
Result<Node> prepare_k7(const std::string& kver) {
  static const std::string cache = td::make_temp_dir("k7-cache");
  ReadSettings rs;
  rs.cache_dir = cache;
  return prepare(root_spec(td::tree(kver), kver), rs);
}

#define REQUIRE_K7(kver)                                                    \
  const std::string kver = td::k7();                                        \
  if (kver.empty()) {                                                       \
    OFSCK_REQUIRE_DATA(td::cache_dir() + "/trees/7.x-amd64 (no 7.x tree)"); \
  }

TEST(K7Check, KernelFactsSayNoModversionsAndWhy) {
  REQUIRE_K7(kver);
  auto p = prepare_k7(kver);
  ASSERT_TRUE(p) << p.error().message;
  const auto& k = p->kernel;
  EXPECT_FALSE(k.modversions);
  EXPECT_FALSE(k.modversions_source.path.empty());
  EXPECT_EQ(k.modversions_source.evidence, "CONFIG_MODVERSIONS is not set");
  EXPECT_TRUE(k.namespaces.module_namespaces);
  EXPECT_EQ(k.elf.machine, 62);  // EM_X86_64, from an in-tree module
  EXPECT_EQ(k.vermagic.find("modversions"), std::string::npos) << k.vermagic;
  bool said = false;
  for (const auto& f : p->input_findings)
    if (f.rule == kKernelFacts)
      said = f.message.find("CONFIG_MODVERSIONS is not set") != std::string::npos;
  EXPECT_TRUE(said) << "the check says which evidence decided modversions";
}

TEST(K7Check, StockTreeLoadsWithoutTaintSpam) {
  REQUIRE_K7(kver);
  auto p = prepare_k7(kver);
  ASSERT_TRUE(p) << p.error().message;
  CheckResult r = evaluate(*p, {});
  size_t fails = 0;
  std::string failed;
  for (const auto& m : r.modules) {
    if (!m.loads) {
      ++fails;
      if (failed.size() < 2000) failed += m.name + "(" + m.errno_name + ") ";
    }
    for (const auto& l : m.kernel_messages) {
      EXPECT_EQ(l.text.find("kernel tainted"), std::string::npos) << m.name << ": " << l.text;
      EXPECT_EQ(l.text.find("no symbol version"), std::string::npos) << m.name << ": " << l.text;
    }
  }
  EXPECT_GT(r.modules.size(), 3000u);
  EXPECT_EQ(fails, 0u) << failed;
  for (const char* want : {"kvm", "kvm_amd", "kvm_intel", "btrfs", "autofs4", "ccp", "ccp_crypto",
                           "cxl_pci", "dax_hmem", "amdtee"}) {
    bool found = false;
    for (const auto& m : r.modules)
      if (m.name == want) {
        found = true;
        EXPECT_TRUE(m.loads) << want;
      }
    EXPECT_TRUE(found) << want;
  }
  for (const auto& f : r.findings) {
    EXPECT_NE(f.rule, kNamespace) << f.subject << ": " << f.message;
    EXPECT_NE(f.rule, kNoSymbolVersion) << f.subject;
    EXPECT_NE(f.rule, kExportVersions) << f.subject;
  }
}

}  // namespace
}  // namespace ofsck::check

namespace ofsck::check {
namespace {

/// A root holding only some in-tree modules of the 7.x tree (no .config anywhere), and
/// optionally its Module.symvers: modversions must then come from the kernel's build products.
std::string partial_root(const std::string& kver, bool with_symvers) {
  const std::string r = td::make_temp_dir("k7-partial");
  const std::string from = td::module_dir(kver);
  const std::string to = r + "/usr/lib/modules/" + kver;
  td::run("mkdir -p " + to + "/kernel/fs/autofs && cp " + from +
          "/kernel/fs/autofs/autofs4.ko.xz " + to + "/kernel/fs/autofs/");
  if (with_symvers)
    td::run("mkdir -p " + r + "/usr/src/linux-headers-" + kver + " && cp " + td::symvers(kver) +
            " " + r + "/usr/src/linux-headers-" + kver + "/");
  return r;
}

TEST(K7Facts, ModversionsFromVermagicWithoutConfig) {
  REQUIRE_K7(kver);
  const std::string r = partial_root(kver, true);
  auto p = prepare(root_spec(r, kver), {});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->kernel.config_source.empty());
  EXPECT_FALSE(p->kernel.modversions);
  EXPECT_EQ(p->kernel.modversions_source.evidence, "its vermagic lacks \"modversions\"");
  EXPECT_NE(p->kernel.modversions_source.path.find("autofs4.ko.xz"), std::string::npos);
  // The module's own load: no taint lines, no failure.
  CheckResult res = evaluate(*p, {});
  ASSERT_EQ(res.modules.size(), 1u);
  EXPECT_TRUE(res.modules[0].loads);
  EXPECT_TRUE(res.modules[0].kernel_messages.empty());
  td::run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck::check

namespace ofsck::check {
namespace {

/// The installed layout of the same kernel: hard links of the package tree with the image and
/// config moved to /boot as the package's postinst lays them, lib -> usr/lib (merged /usr), and
/// modules.dep.bin written by the real depmod.
std::string installed_root(const std::string& kver) {
  const std::string r = td::make_temp_dir("k7-installed");
  const std::string mods = "/usr/lib/modules/" + kver;
  int st = 0;
  td::run("mkdir -p " + r + "/usr/lib/modules " + r + "/boot && cp -al " + td::module_dir(kver) +
              " " + r + "/usr/lib/modules/ && ln -s usr/lib " + r + "/lib && mv " + r + mods +
              "/vmlinuz " + r + "/boot/vmlinuz-" + kver + " && mv " + r + mods + "/config " + r +
              "/boot/config-" + kver + " && depmod -b " + r + " " + kver + " 2>&1",
          &st);
  EXPECT_EQ(st, 0);
  return r;
}

TEST(K7Check, InstalledLayoutLoadsEverythingAndFindsTheImageKey) {
  REQUIRE_K7(kver);
  const std::string r = installed_root(kver);
  auto p = prepare(root_spec(r, kver), {});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->kernel.image_path, r + "/boot/vmlinuz-" + kver);
  EXPECT_EQ(p->kernel.config_source, r + "/boot/config-" + kver);
  EXPECT_FALSE(p->kernel.modversions);
  CheckResult res = evaluate(*p, {});
  EXPECT_TRUE(res.inputs.kernel_image_read);
  EXPECT_GE(res.inputs.trusted_certificates, 1u) << "the image's build key";
  size_t fails = 0;
  for (const auto& m : res.modules) fails += !m.loads;
  EXPECT_GT(res.modules.size(), 3000u);
  EXPECT_EQ(fails, 0u);
  for (const auto& f : res.findings) {
    EXPECT_NE(f.severity, Severity::kError) << f.rule << " " << f.subject << ": " << f.message;
    EXPECT_NE(f.rule, kTrustUnknown);
    EXPECT_NE(f.rule, kUnsignedTaint) << f.subject << ": " << f.message;
  }
  td::run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck::check
