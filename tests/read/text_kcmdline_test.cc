#include <gtest/gtest.h>

#include "read/text/kcmdline.hpp"

namespace ofsck::read {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(KernelCmdline, ModuleParamsAndBlacklists) {
  auto k = parse_kernel_cmdline(
      "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet mlx5-core.prof_sel=2 "
      "modprobe.blacklist=nouveau,ib-core,, module_blacklist=evil,bad foo.bar nodot=1 "
      "a.b.c=1 x.y=\"q r\" module.sig_enforce=1 lockdown=integrity\n");
  EXPECT_EQ(k.module_params, (Params{{"mlx5_core", "prof_sel=2"},
                                     {"foo", "bar"},
                                     {"x", "y=\"q r\""},
                                     {"module", "sig_enforce=1"}}));
  EXPECT_EQ(k.modprobe_blacklist,
            (std::vector<std::string>{"nouveau", "ib-core", "", ""}));  // raw, empties kept
  EXPECT_EQ(k.module_blacklist, (std::vector<std::string>{"evil", "bad"}));
  EXPECT_TRUE(k.sig_enforce);
  EXPECT_EQ(k.lockdown, "integrity");
}

TEST(KernelCmdline, GrubQuotingIsRepaired) {
  auto k =
      parse_kernel_cmdline("\"parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf\" other=1");
  EXPECT_EQ(k.module_params, (Params{{"parport", "dyndbg=\"file drivers/parport/ieee1284_ops.c "
                                                 "+mpf\""}}));
}

TEST(KernelCmdline, IllFormedQuotesAreIgnored) {
  auto k = parse_kernel_cmdline("a\"b.c=1 d.\"e=2 \"f g.h=1\" ok.p=1");
  EXPECT_EQ(k.module_params, (Params{{"ok", "p=1"}}));
}

TEST(KernelCmdline, SigEnforceForms) {
  EXPECT_TRUE(parse_kernel_cmdline("module.sig_enforce").sig_enforce);
  EXPECT_TRUE(parse_kernel_cmdline("module.sig_enforce=Y").sig_enforce);
  EXPECT_TRUE(parse_kernel_cmdline("module.sig_enforce=y").sig_enforce);
  EXPECT_TRUE(parse_kernel_cmdline("module.sig-enforce=1").sig_enforce);
  EXPECT_FALSE(parse_kernel_cmdline("module.sig_enforce=0").sig_enforce);
  // enable-only: a later =0 cannot turn it off
  EXPECT_TRUE(parse_kernel_cmdline("module.sig_enforce=1 module.sig_enforce=0").sig_enforce);
  auto bad = parse_kernel_cmdline("module.sig_enforce=maybe");
  EXPECT_FALSE(bad.sig_enforce);
  EXPECT_EQ(bad.problems.size(), 1u);
  // kmod also turns it into an option for module "module"
  EXPECT_EQ(parse_kernel_cmdline("module.sig_enforce=1").module_params,
            (Params{{"module", "sig_enforce=1"}}));
}

TEST(KernelCmdline, KernelStopsAtDoubleDashButKmodDoesNot) {
  auto k = parse_kernel_cmdline("a.b=1 -- module_blacklist=x c.d=2");
  EXPECT_TRUE(k.module_blacklist.empty());
  EXPECT_EQ(k.module_params, (Params{{"a", "b=1"}, {"c", "d=2"}}));
}

TEST(KernelCmdline, ModuleBlacklistLastWins) {
  auto k = parse_kernel_cmdline("module_blacklist=a,b module_blacklist=c");
  EXPECT_EQ(k.module_blacklist, std::vector<std::string>{"c"});
}

TEST(KernelCmdline, BadBracketModuleNameIsAProblem) {
  auto k = parse_kernel_cmdline("a]b.c=1");
  EXPECT_TRUE(k.module_params.empty());
  ASSERT_EQ(k.problems.size(), 1u);
  EXPECT_EQ(k.problems[0].kmod_message,
            "Ignoring bad option on kernel command line while parsing module name: 'a]b'");
}

TEST(KernelCmdline, TruncatedAt4095ForKmod) {
  std::string s(5000, 'x');
  s += " late.p=1";
  auto k = parse_kernel_cmdline(s);
  EXPECT_TRUE(k.module_params.empty());
  ASSERT_EQ(k.problems.size(), 1u);
  EXPECT_EQ(k.problems[0].kind, "cmdline-truncated");
}

}  // namespace
}  // namespace ofsck::read
