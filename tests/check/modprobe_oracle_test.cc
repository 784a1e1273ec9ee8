// What `modprobe NAME` inserts, ofsck against the real modprobe: the machine's kmod 30 and, when
// scripts/fetch-kmod.sh has fetched it, Debian sid's kmod 34. Each root holds a few real
// modules of a cached Debian kernel, its modules.builtin[.modinfo] and a modprobe.d file; the
// real depmod writes the indexes, then both sides answer `--show-depends NAME`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "check/check_tree.hpp"
#include "check/modprobe_closure.hpp"
#include "check/rules.hpp"
#include "modprobe_root.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace fs = std::filesystem;
namespace td = testdata;

/// kmod 34's modprobe from scripts/fetch-kmod.sh, "" when not fetched.
std::string kmod34_modprobe() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(td::cache_dir() + "/kmod", ec))
    if (e.path().filename().string().rfind("34", 0) == 0 && fs::exists(e.path() / "modprobe"))
      return (e.path() / "modprobe").string();
  return {};
}

/// `--show-depends` lines as "insmod NAME" / "builtin NAME" / "install CMD", each once, in first
/// order; a failing lookup is "FATAL".
std::vector<std::string> real(const std::string& modprobe, const std::string& root,
                              const std::string& kver, const std::string& name) {
  int st = 0;
  std::string out = td::run(modprobe + " -C " + root + "/etc/modprobe.d -d " + root + " -S " +
                                kver + " --show-depends " + name + " 2>/dev/null",
                            &st);
  std::vector<std::string> v;
  if (st != 0) return {"FATAL"};
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::string item;
    if (line.rfind("install ", 0) == 0) {
      item = line;  // "install CMD OPTIONS": the tests set no options
      while (item.ends_with(" ")) item.pop_back();
    } else if (line.rfind("insmod ", 0) == 0) {
      std::string path = line.substr(7, line.find(' ', 7) - 7);
      item = "insmod " + model::module_name_from_filename(path.substr(path.rfind('/') + 1));
    } else if (line.rfind("builtin ", 0) == 0) {
      item = line;
    } else {
      continue;
    }
    if (std::find(v.begin(), v.end(), item) == v.end()) v.push_back(item);
  }
  return v;
}

std::vector<std::string> ours(const ModprobeView& view, const Node& p, const std::string& name) {
  ModprobeTarget t = modprobe_target(view, p, name);
  if (t.probe.lookup.hits.empty()) return {"FATAL"};
  std::vector<std::string> v;
  for (const auto& s : t.probe.steps) {
    if (!s.install.empty()) v.push_back("install " + s.install);
    else if (s.builtin) v.push_back("builtin " + s.module);
    else if (s.exists) v.push_back("insmod " + s.module);
  }
  return v;
}

/// Node `kver` of `root`, read for name lookups (no kernel image).
Node prepare_root(const std::string& root, const std::string& kver, unsigned threads = 2) {
  NodeSpec spec;
  spec.root = root;
  spec.kver = kver;
  ReadSettings rs;
  rs.skip_kernel_image = true;
  rs.threads = threads;
  rs.modprobe_indexes = true;
  auto p = prepare(spec, rs);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return std::move(*p);
}

void compare(const std::string& root, const std::string& kver,
             const std::vector<std::string>& names) {
  Node p = prepare_root(root, kver);
  ModprobeView view(p);
  std::vector<std::string> tools = {"modprobe"};
  if (std::string k34 = kmod34_modprobe(); !k34.empty()) tools.push_back(k34);
  else std::cerr << "note: kmod 34 not fetched (scripts/fetch-kmod.sh): kmod 30 only\n";
  for (const std::string& tool : tools)
    for (const std::string& n : names)
      EXPECT_EQ(ours(view, p, n), real(tool, root, kver, n)) << tool << " --show-depends " << n;
}

bool has_rule(const CheckResult& r, std::string_view rule) {
  for (const auto& f : r.findings)
    if (f.rule == rule) return true;
  return false;
}

// Debian's 7.x tree: ksmbd carries five softdep= lines (only the first counts), jbd2's
// `pre: crypto-crc32c` is an alias, ext4 reaches jbd2's softdep through its dependency.
TEST(ModprobeOracle, K7SoftdepsAliasesBuiltins) {
  const std::string k = td::k7();
  OFSCK_REQUIRE_DATA(k.empty() ? std::string("<no 7.x tree>") : td::module_dir(k));
  std::string root = make_root(
      k,
      {"kernel/fs/smb/server/ksmbd.ko", "kernel/fs/smb/common/smb_compress.ko",
       "kernel/fs/nls/nls_ucs2_utils.ko", "kernel/lib/crypto/libarc4.ko", "kernel/crypto/gcm.ko",
       "kernel/crypto/ccm.ko", "kernel/fs/jbd2/jbd2.ko", "kernel/crypto/crc32c-cryptoapi.ko",
       "kernel/fs/ext4/ext4.ko", "kernel/lib/crc/crc16.ko", "kernel/fs/mbcache.ko"},
      // 2.c: an alias named like a real module wins; two config softdep lines: first only.
      "alias ccm gcm\nalias libarc4 no_such_target\n"
      "softdep ext4 pre: ccm\nsoftdep ext4 post: gcm\n");
  std::string first_builtin;
  {
    std::ifstream in(td::module_dir(k) + "/modules.builtin");
    std::getline(in, first_builtin);
    first_builtin =
        model::module_name_from_filename(first_builtin.substr(first_builtin.rfind('/') + 1));
  }
  compare(root, k,
          {"ksmbd", "jbd2", "ext4", "ccm", "crypto-crc32c", "gcm", first_builtin, "no_such_module",
           "libarc4"});
  fs::remove_all(root);
}

// Issue 7 item 2.d: `check --only` of a built-in module is a note, not OFS305; a name that is
// nowhere stays OFS305, and without modules.builtin the kernel's built-in is named.
TEST(ModprobeOracle, K7CheckOnlyBuiltin) {
  const std::string k = td::k7();
  OFSCK_REQUIRE_DATA(k.empty() ? std::string("<no 7.x tree>") : td::module_dir(k));
  std::string root = make_root(k, {"kernel/crypto/gcm.ko"}, "");
  std::string builtin;
  {
    std::ifstream in(td::module_dir(k) + "/modules.builtin");
    std::getline(in, builtin);
    builtin = model::module_name_from_filename(builtin.substr(builtin.rfind('/') + 1));
  }
  EvalOptions o;
  o.only = {builtin};
  CheckResult r = evaluate(prepare_root(root, k, 0), o);
  EXPECT_FALSE(has_rule(r, kModuleNotFound));
  EXPECT_TRUE(has_rule(r, kBuiltinModule));
  // 1.6: linux-modules alone ships no modules.builtin: depmod writes an empty index and
  // modprobe fails "not found"; ofsck says so and names the kernel's built-in.
  fs::remove(root + "/lib/modules/" + k + "/modules.builtin");
  td::run("depmod -b " + root + " " + k);
  int st = 0;
  td::run("modprobe -d " + root + " -S " + k + " --show-depends " + builtin + " 2>&1", &st);
  EXPECT_NE(st, 0) << "the real modprobe finds no built-in without modules.builtin";
  CheckResult r2 = evaluate(prepare_root(root, k, 0), o);
  ASSERT_TRUE(has_rule(r2, kModuleNotFound));
  bool named = false;
  for (const auto& f : r2.findings)
    for (const auto& n : f.notes) named |= n.find("modules.builtin.modinfo") != std::string::npos;
  EXPECT_TRUE(named);
  fs::remove_all(root);
}

// Issue 7 item 2.a on Debian 6.1: `softdep libcrc32c pre: crc32c` (modinfo) loads crc32c_intel
// and crc32c_generic, whose alias is crc32c; `check --only libcrc32c` gives them verdicts.
TEST(ModprobeOracle, Libcrc32cSoftdepThroughAlias61) {
  const std::string k = td::kOld61;
  OFSCK_REQUIRE_DATA(td::module_dir(k));
  std::string root = make_root(k,
                               {"kernel/lib/libcrc32c.ko", "kernel/crypto/crc32c_generic.ko",
                                "kernel/arch/x86/crypto/crc32c-intel.ko"},
                               "");
  compare(root, k, {"libcrc32c", "crc32c", "unix"});
  const Node p = prepare_root(root, k, 0);
  EvalOptions o;
  o.only = {"libcrc32c"};
  CheckResult r = evaluate(p, o);
  std::vector<std::string> got;
  for (const auto& m : r.modules) got.push_back(m.name);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"crc32c_generic", "crc32c_intel", "libcrc32c"}));
  // 2.d: Debian 6.1 has unix in modules.builtin: `modprobe unix` succeeds.
  o.only = {"unix"};
  CheckResult u = evaluate(p, o);
  EXPECT_FALSE(has_rule(u, kModuleNotFound));
  EXPECT_TRUE(has_rule(u, kBuiltinModule));
  fs::remove_all(root);
}

// Issue 9: modprobe.d `install` lines replace the insert of every module of the probe list
// that they match (fnmatch), dependencies included, except a module whose softdep line names
// modules (kmod sets ->ignorecmd); a name found only in an install line runs it. The real
// modprobe prints "install CMD" for each (kmod 30 and 34).
TEST(ModprobeOracle, InstallCommands61) {
  const std::string k = td::kNew61;
  OFSCK_REQUIRE_DATA(td::module_dir(k));
  std::string root = make_root(
      k,
      {"kernel/drivers/infiniband/hw/mlx5/mlx5_ib.ko",
       "kernel/drivers/infiniband/core/ib_uverbs.ko", "kernel/drivers/infiniband/core/ib_core.ko",
       "kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko",
       "kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko",
       "kernel/drivers/pci/controller/pci-hyperv-intf.ko", "kernel/net/psample/psample.ko",
       "kernel/drivers/net/dummy.ko", "kernel/drivers/input/misc/pcspkr.ko"},
      "install dummy /bin/true\n"
      "install ib_u* /bin/echo uverbs\n"
      "install pcspkr /bin/false\nsoftdep pcspkr pre: dummy\n"
      "install fakemod /bin/true\n");
  compare(root, k, {"dummy", "mlx5_ib", "ib_uverbs", "pcspkr", "fakemod", "ib_core"});
  fs::remove_all(root);
}

}  // namespace
}  // namespace ofsck::check
