// report/explain: the text of `ofsck explain` from plain values (the CLI goldens cover a tree
// with and without a package database; these cover the other branches).
#include "report/explain.hpp"

#include <gtest/gtest.h>

namespace ofsck::report {
namespace {

TEST(ExplainText, BuiltInTieFailedDependencyNoDatabase) {
  Explanation e;
  e.module = "mlx5_ib";
  e.file = "/lib/modules/k/updates/mlx5_ib.ko";
  Explanation::Selection s;
  s.candidates = {{"updates/mlx5_ib.ko", ""}, {"extra/mlx5_ib.ko", ""}};
  s.losses.push_back({"extra/mlx5_ib.ko", "lost to updates/mlx5_ib.ko: read first", {}, ""});
  s.tie = true;
  e.selections.push_back(s);
  e.load_order = {"ib_core", "mlx5_ib"};
  check::ModuleResult mr;
  mr.name = "mlx5_ib";
  mr.loads = false;
  mr.errno_name = "ENOENT";
  mr.failed_dependency = "ib_core";
  mr.taints = "OE";
  mr.kernel_messages.push_back({"mlx5_ib: loading out-of-tree module taints kernel.", true, {}});
  e.verdicts.push_back(mr);
  EXPECT_EQ(render_explain_text(e),
            "module mlx5_ib\n"
            "  file: /lib/modules/k/updates/mlx5_ib.ko\n"
            "  package: unknown (the root has no dpkg or RPM database)\n"
            "  candidates (2):\n"
            "    updates/mlx5_ib.ko\n"
            "    extra/mlx5_ib.ko\n"
            "  lost: extra/mlx5_ib.ko — lost to updates/mlx5_ib.ko: read first\n"
            "    decided by: depmod's built-in search order (no configuration line)\n"
            "  note: the winner depends on directory read order (tie)\n"
            "  load order (modprobe): ib_core mlx5_ib\n"
            "  verdict: FAILS (ENOENT): dependency ib_core fails\n"
            "  taints: OE\n"
            "  kernel: mlx5_ib: loading out-of-tree module taints kernel.  [once per boot]\n");
}

TEST(ExplainText, EveryKindOfBindingAndEscapedFields) {
  Explanation e;
  e.module = "x\x1b[2J";
  e.file = "/m/x.ko";
  e.have_package_db = true;
  e.package = std::string(kNotOwned);
  Explanation::Selection s;
  s.candidates = {{"x.ko", std::string(kNotOwned)}, {"y/x.ko", "vendor_1.0"}};
  s.losses.push_back({"y/x.ko", "lost", SourceRef{"/etc/depmod.d/a.conf", 3}, "conf\\pkg"});
  e.selections.push_back(s);
  e.load_order = {"x\x1b[2J"};
  e.verdicts.push_back({});
  e.verdicts.back().name = "x";
  e.linkage = Explanation::Linkage{"unsigned", {}};
  e.linkage->imports = {{"a", "vmlinux", 1u, 1u},
                        {"b", "dep", 1u, 2u},
                        {"c", "dep", 1u, std::nullopt},
                        {"d", "vmlinux", std::nullopt, 5u},
                        {"e\x7f", "", std::nullopt, std::nullopt}};
  EXPECT_EQ(render_explain_text(e), "module x\\x1b[2J\n"
                                    "  file: /m/x.ko\n"
                                    "  package: not owned by any package\n"
                                    "  candidates (2):\n"
                                    "    x.ko (not owned by any package)\n"
                                    "    y/x.ko (package vendor_1.0)\n"
                                    "  lost: y/x.ko — lost\n"
                                    "    decided by: /etc/depmod.d/a.conf:3 (package conf\\\\pkg)\n"
                                    "  load order (modprobe): x\\x1b[2J\n"
                                    "  verdict: loads\n"
                                    "  signature: unsigned\n"
                                    "  imports:\n"
                                    "    a -> vmlinux (CRC ok)\n"
                                    "    b -> dep (CRC MISMATCH)\n"
                                    "    c -> dep (no provider CRC)\n"
                                    "    d -> vmlinux (no __versions entry)\n"
                                    "    e\\x7f -> (none) (no __versions entry)\n");
}

// Issue 10: options with their sources and checks, install/remove, blacklist, softdeps; the text
// escapes what the inspected system wrote.
TEST(ExplainText, ModprobeConfig) {
  Explanation e;
  e.module = "dummy";
  e.file = "/lib/modules/k/kernel/drivers/net/dummy.ko";
  e.load_order = {"dummy"};
  Explanation::Config& c = e.config;
  c.option_string = "numdummies=2 numdummies=x\x1b";
  c.options.push_back(
      {"numdummies", "2", "int", true, "overridden", "", {"/etc/modprobe.d/a.conf", 1}});
  c.options.push_back({"numdummies",
                       "x\x1b",
                       "int",
                       true,
                       "rejected",
                       "'x' is not a int (kstrtoint); the load fails (EINVAL)",
                       {"(kernel command line)", 0}});
  c.install.push_back({"/bin/true", {"/etc/modprobe.d/b.conf", 3}});
  c.blacklist.push_back({"/etc/modprobe.d/bl.conf", 2});
  c.blacklist_effect = "blacklist applies only to alias lookups";
  c.softdeps.push_back({{"a"}, {"b"}, {"/etc/modprobe.d/s.conf", 1}, true});
  c.weakdeps.push_back({{"w"}, {}, {"/etc/modprobe.d/s.conf", 2}, false});
  const std::string out = render_explain_text(e);
  EXPECT_NE(out.find("  options (modprobe passes \"numdummies=2 numdummies=x\\x1b\"):\n"
                     "    numdummies=2  [int, overridden]  /etc/modprobe.d/a.conf:1\n"
                     "    numdummies=x\\x1b  [int, rejected]  (kernel command line): 'x' is not a "
                     "int (kstrtoint); the load fails (EINVAL)\n"
                     "  install: /bin/true  (/etc/modprobe.d/b.conf:3)  [modprobe runs this "
                     "instead of inserting the module]\n"
                     "  blacklist: /etc/modprobe.d/bl.conf:2\n"
                     "    blacklist applies only to alias lookups\n"
                     "  softdep: pre: a post: b  (/etc/modprobe.d/s.conf:1)  [used]\n"
                     "  weakdep: w  (/etc/modprobe.d/s.conf:2)  [never loaded by modprobe]\n"),
            std::string::npos)
      << out;
  const std::string json = render_explain_json(e);
  EXPECT_NE(json.find("\"option_string\""), std::string::npos);
  EXPECT_NE(json.find("\"status\": \"rejected\""), std::string::npos) << json;
  // Nothing configured: no section (the output of modules without options is unchanged).
  Explanation plain;
  plain.module = "dummy";
  EXPECT_EQ(render_explain_text(plain).find("options"), std::string::npos);
}

}  // namespace
}  // namespace ofsck::report
