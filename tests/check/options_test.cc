// Module options end to end on small real roots: kmod's option string against the real modprobe
// (`--show-depends` prints "insmod PATH OPTIONS"), the kernel's verdict on option values
// (OFS601), a parameter set twice (OFS602).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "check/alias_options.hpp"
#include "check/check_tree.hpp"
#include "check/effective_options.hpp"
#include "check/modprobe_closure.hpp"
#include "check/rules.hpp"
#include "modprobe_root.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace fs = std::filesystem;
namespace td = testdata;

Node prepare_root(const std::string& root, const std::string& kver) {
  NodeSpec spec;
  spec.root = root;
  spec.kver = kver;
  ReadSettings rs;
  rs.skip_kernel_image = true;
  rs.threads = 2;
  rs.modprobe_indexes = true;
  auto p = prepare(spec, rs);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return std::move(*p);
}

/// modprobe's config dirs under `root`, in kmod's precedence order (kmod 30..34 share these).
std::string config_args(const std::string& root) {
  std::string a;
  for (const char* d : {"/etc/modprobe.d", "/run/modprobe.d", "/lib/modprobe.d"})
    a += " -C " + root + d;
  return a;
}

/// The real modprobe's option string for each module it would insert for `name`, by module file
/// name ("insmod PATH OPTIONS").
std::map<std::string, std::string> real_options(const std::string& root, const std::string& kver,
                                                const std::string& name) {
  int st = 0;
  const std::string out = td::run("modprobe" + config_args(root) + " -d " + root + " -S " + kver +
                                      " --show-depends " + name + " 2>/dev/null",
                                  &st);
  EXPECT_EQ(st, 0) << out;
  std::map<std::string, std::string> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("insmod ")) continue;
    const size_t sp = line.find(' ', 7);
    const std::string path = line.substr(7, sp - 7);
    std::string base = path.substr(path.rfind('/') + 1);
    v[model::module_name_from_filename(base)] = sp == std::string::npos ? "" : line.substr(sp + 1);
  }
  return v;
}

bool has(const CheckResult& r, std::string_view rule, const std::string& subject) {
  for (const auto& f : r.findings)
    if (f.rule == rule && f.subject == subject) return true;
  return false;
}

const Finding* find(const CheckResult& r, std::string_view rule) {
  for (const auto& f : r.findings)
    if (f.rule == rule) return &f;
  return nullptr;
}

const std::vector<std::string> kNvme = {"kernel/drivers/net/dummy.ko",
                                        "kernel/drivers/nvme/host/nvme.ko",
                                        "kernel/drivers/nvme/host/nvme-core.ko",
                                        "kernel/block/t10-pi.ko",
                                        "kernel/lib/crc64-rocksoft.ko",
                                        "kernel/lib/crc64.ko",
                                        "kernel/lib/crc-t10dif.ko",
                                        "kernel/crypto/crct10dif_common.ko"};

// kmod's precedence: files sorted by name across /etc, /run, /lib; a name in /etc shadows the
// same name in /lib; a line's tabs become blanks; lines join with one blank. The real modprobe's
// "insmod PATH OPTIONS" must equal modprobe_option_string() byte for byte, for the module and
// for each dependency it inserts.
TEST(Options, OracleOptionStringsByteForByte) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string root = make_root_with(
      td::kOld61, kNvme,
      {{"etc/modprobe.d/a.conf",
        "options dummy numdummies=2\noptions nvme_core max_retries=3\tmultipath=N\n"},
       {"lib/modprobe.d/a.conf", "options dummy numdummies=9\n"},  // shadowed by /etc/a.conf
       {"lib/modprobe.d/b.conf",
        "options dummy  numdummies=4   \n# c\noptions nvme quirks=\"x y\"\n"},
       {"run/modprobe.d/0.conf", "options nvme-core   io_timeout=30\n"},
       {"etc/modprobe.d/c.conf",
        "options nvme_core admin_timeout=60\noptions  nvme_core \\\n  shutdown_timeout=5\n"}});
  Node p = prepare_root(root, td::kOld61);
  for (const std::string name : {"dummy", "nvme"}) {
    auto real = real_options(root, td::kOld61, name);
    ASSERT_FALSE(real.empty()) << name;
    for (const auto& [mod, opts] : real) {
      std::string ours = modprobe_option_string(p.modprobe_config, p.cmdline, mod);
      if (!ours.empty()) ours += ' ';  // module_options_concat()
      EXPECT_EQ(ours, opts) << "modprobe --show-depends " << name << ": " << mod;
    }
  }
  EXPECT_EQ(modprobe_option_string(p.modprobe_config, p.cmdline, "dummy"),
            "numdummies=2  numdummies=4   ");  // strtok_r() eats one blank after the name
  // The words as the kernel cuts them, each with its file:line.
  auto eff = effective_options(p, "nvme_core");
  ASSERT_EQ(eff.size(), 5u);
  EXPECT_EQ(eff[0].param, "io_timeout");
  EXPECT_EQ(eff[0].where.path, "/run/modprobe.d/0.conf");  // as the node sees it
  EXPECT_EQ(eff[2].param, "multipath");
  EXPECT_EQ(eff[2].where.line, 2);
  EXPECT_EQ(eff[4].param, "shutdown_timeout");
  EXPECT_EQ(eff[4].where.path, "/etc/modprobe.d/c.conf");
  fs::remove_all(root);
}

// OFS601: a value that is not the declared type fails the load with parse_args()'s error; the
// modules that need it fail with it (OFS208).
TEST(Options, InvalidValueFailsTheLoad) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string root =
      make_root(td::kOld61, kNvme,
                "options dummy numdummies=two\noptions nvme_core max_retries=300 multipath=on\n");
  EvalOptions o;
  o.only = {"dummy", "nvme"};
  CheckResult r = evaluate(prepare_root(root, td::kOld61), o);
  const Finding* f = find(r, kParamInvalidValue);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->subject, "dummy");
  ASSERT_FALSE(f->where.empty());
  EXPECT_EQ(f->where[0].line, 1);
  ASSERT_EQ(f->kernel_messages.size(), 1u);
  EXPECT_EQ(f->kernel_messages[0], "dummy: `two' invalid for parameter `numdummies'");
  EXPECT_TRUE(has(r, kParamInvalidValue, "nvme_core"));
  EXPECT_TRUE(has(r, kDependencyFailed, "nvme_core"));
  for (const auto& m : r.modules) {
    if (m.name == "dummy") {
      EXPECT_FALSE(m.loads);
      EXPECT_EQ(m.errno_name, "EINVAL");
    }
    if (m.name == "nvme_core") {
      EXPECT_EQ(m.errno_name, "ERANGE");  // byte: 300 > 255
    }
    if (m.name == "nvme") {
      EXPECT_EQ(m.failed_dependency, "nvme_core");
    }
  }
  fs::remove_all(root);
}

// OFS602: the same parameter twice with different values; the last in kernel order wins. The
// same value twice says nothing.
TEST(Options, SetTwiceLastWins) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string root =
      make_root_with(td::kOld61, {"kernel/drivers/net/dummy.ko"},
                     {{"etc/modprobe.d/a.conf", "options dummy numdummies=2\n"},
                      {"etc/modprobe.d/b.conf", "options dummy numdummies=3\n"},
                      {"etc/modprobe.d/c.conf", "options dummy numdummies=3\n"}});
  EvalOptions o;
  o.only = {"dummy"};
  CheckResult r = evaluate(prepare_root(root, td::kOld61), o);
  int n = 0;
  for (const auto& f : r.findings) {
    if (f.rule != kParamSetTwice) continue;
    ++n;
    EXPECT_NE(f.message.find("the kernel keeps the last: 3 (/etc/modprobe.d/c.conf:1)"),
              std::string::npos)
        << f.message;
    EXPECT_EQ(f.where.size(), 3u);
  }
  EXPECT_EQ(n, 1);
  fs::remove_all(root);
}

// OFS603/OFS604 against the real modprobe: `install dummy /bin/true` replaces the insertion
// ("install /bin/true" in --show-depends); `blacklist nvme_core` does not stop `modprobe nvme`
// from inserting it as a hard dependency (kmod filters only the alias-resolved module).
TEST(Options, InstallCommandAndBlacklistBypassed) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string root =
      make_root(td::kOld61, kNvme, "install dummy /bin/true\nblacklist nvme_core\n");
  int st = 0;
  const std::string args = config_args(root) + " -d " + root + " -S " + td::kOld61;
  EXPECT_NE(td::run("modprobe" + args + " --show-depends dummy", &st).find("install /bin/true"),
            std::string::npos);
  EXPECT_TRUE(real_options(root, td::kOld61, "nvme").count("nvme_core"));
  EvalOptions o;
  o.only = {"dummy", "nvme"};
  CheckResult r = evaluate(prepare_root(root, td::kOld61), o);
  const Finding* f = find(r, kInstallCommand);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->subject, "dummy");
  EXPECT_NE(f->message.find("the module is never loaded"), std::string::npos) << f->message;
  f = find(r, kBlacklistBypassed);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->subject, "nvme_core");
  EXPECT_NE(f->message.find("hard dependency of 1 module (nvme)"), std::string::npos) << f->message;
  fs::remove_all(root);
}

// OFS601 for an array given more values than its kparam_array max, which only __param holds:
// e1000e's E1000_PARAM() arrays are int X[E1000_MAX_NIC + 1], 33 elements
// (drivers/net/ethernet/intel/e1000e/param.c). 33 values load, 34 fail with param_array()'s
// line, then parse_args()'s showing the first element (the rest was cut at the commas).
TEST(Options, ArrayTooManyValues) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  std::string v33 = "1";
  for (int i = 1; i < 33; ++i) v33 += ",1";
  const std::string root =
      make_root(td::kOld61, {"kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko"},
                "options e1000e TxIntDelay=" + v33 + " IntMode=" + v33 + ",2\n");
  EvalOptions o;
  o.only = {"e1000e"};
  CheckResult r = evaluate(prepare_root(root, td::kOld61), o);
  const Finding* f = find(r, kParamInvalidValue);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->subject, "e1000e");
  EXPECT_NE(f->message.find("option IntMode="), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("34 values (comma-separated) but the array takes at most 33"),
            std::string::npos)
      << f->message;
  ASSERT_EQ(f->kernel_messages.size(), 2u);
  EXPECT_EQ(f->kernel_messages[0], "IntMode: can only take 33 arguments");
  EXPECT_EQ(f->kernel_messages[1], "e1000e: `1' invalid for parameter `IntMode'");
  size_t n = 0;
  for (const auto& g : r.findings) n += g.rule == kParamInvalidValue;
  EXPECT_EQ(n, 1u);  // TxIntDelay's 33 values fit
  int st = 0;
  const std::string text = td::run(td::ofsck_bin() + " explain --no-cache --root " + root +
                                       " --kernel " + td::kOld61 + " e1000e 2>&1",
                                   &st);
  EXPECT_EQ(st, 1) << text;
  EXPECT_NE(text.find("[array of int, applied]  /etc/modprobe.d/test.conf:1: 33 values, at most "
                      "33\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[array of int, rejected]  /etc/modprobe.d/test.conf:1: 34 values"),
            std::string::npos)
      << text;
  fs::remove_all(root);
}

// Options written for an alias name (kmod_module_get_options(): streq against mod->alias): the
// real modprobe's "insmod PATH OPTIONS" for each name must equal modprobe_option_string() with
// the alias check::alias_options() says kmod sets, byte for byte. A config alias sets
// mod->alias to its own pattern, so `options net-pat1` never reaches e1000e through
// `alias net-pat* e1000e`; a modules.alias lookup sets it to the name asked for.
TEST(Options, OptionsForAnAliasName) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string modalias = "pci:v00008086d00005511sv00001234sd00005678bc02sc00i00";
  const std::string root =
      make_root(td::kOld61, {"kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko"},
                "alias eth0 e1000e\nalias net-pat* e1000e\noptions eth0 IntMode=1\n"
                "options net-pat1 IntMode=2\noptions e1000e TxIntDelay=5\noptions " +
                    modalias + " IntMode=0\noptions eth0 RxIntDelay=7\n");
  Node p = prepare_root(root, td::kOld61);
  const ModprobeView view(p);
  const auto aliases = alias_options(view, p.modprobe_config, p.cmdline, "e1000e");
  ASSERT_EQ(aliases.size(), 3u);
  EXPECT_EQ(aliases[0].name, "eth0");
  EXPECT_TRUE(aliases[0].reaches);
  EXPECT_EQ(aliases[0].text, "IntMode=1 RxIntDelay=7");
  ASSERT_EQ(aliases[0].lines.size(), 2u);
  EXPECT_EQ(aliases[0].lines[1].line, 7);
  EXPECT_EQ(aliases[1].name, "net_pat1");
  EXPECT_FALSE(aliases[1].reaches);
  EXPECT_EQ(aliases[1].mod_alias, "net_pat*");
  EXPECT_EQ(aliases[2].name, modalias);
  EXPECT_TRUE(aliases[2].reaches);
  EXPECT_EQ(aliases[2].via, resolve::LookupSource::kModuleAlias);
  struct Case {
    std::string asked, mod_alias;
  };
  for (const Case& c : {Case{"eth0", "eth0"}, Case{"net-pat1", "net_pat*"},
                        Case{modalias, modalias}, Case{"e1000e", ""}}) {
    const auto real = real_options(root, td::kOld61, c.asked);
    ASSERT_EQ(real.count("e1000e"), 1u) << c.asked;
    EXPECT_EQ(real.at("e1000e"),
              modprobe_option_string(p.modprobe_config, p.cmdline, "e1000e", c.mod_alias) + " ")
        << c.asked;
  }
  int st = 0;
  const std::string text = td::run(td::ofsck_bin() + " explain --no-cache --root " + root +
                                       " --kernel " + td::kOld61 + " e1000e 2>&1",
                                   &st);
  EXPECT_NE(text.find("  options for alias eth0: \"IntMode=1 RxIntDelay=7\"  "
                      "(/etc/modprobe.d/test.conf:3, /etc/modprobe.d/test.conf:7)  [`modprobe "
                      "eth0` finds e1000e through `alias eth0 e1000e` "
                      "(/etc/modprobe.d/test.conf:1): passed only then"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  options for alias net_pat1: \"IntMode=2\"  (/etc/modprobe.d/test.conf:4)"
                      "  [never passed: "),
            std::string::npos)
      << text;
  fs::remove_all(root);
}

/// ofsck's parsed modprobe.d records as `modprobe -c` prints them (tools/modprobe.c show_config():
/// blacklist, install, remove, alias, options, softdep[, weakdep] in parse order; a softdep's
/// value is kmod's softdep_to_char(): "pre: " and the names, then "post: " and the names with
/// no blank before it).
std::vector<std::string> ofsck_show_config(const model::ModprobeConfig& c, bool weakdep) {
  std::vector<std::string> out;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  };
  for (const auto& b : c.blacklist) out.push_back("blacklist " + b.modname);
  for (const auto& i : c.install) out.push_back("install " + i.modname + " " + i.command);
  for (const auto& r : c.remove) out.push_back("remove " + r.modname + " " + r.command);
  for (const auto& a : c.aliases) out.push_back("alias " + a.pattern + " " + a.modname);
  for (const auto& o : c.options) out.push_back("options " + o.modname + " " + o.options);
  for (const auto& d : c.softdeps)
    out.push_back("softdep " + d.modname + " " + (d.pre.empty() ? "" : "pre: " + join(d.pre)) +
                  (d.post.empty() ? "" : "post: " + join(d.post)));
  if (weakdep)
    for (const auto& w : c.weakdeps) out.push_back("weakdep " + w.modname + " " + join(w.deps));
  return out;
}

// The merged modprobe.d configuration against `modprobe -c` (kmod 30, and kmod 34.2 with
// weakdep): files across /etc, /run and /lib sorted by name, /etc shadowing /lib's file of the
// same name, '-' made '_' in names, tabs made blanks, continuation lines joined. The lines
// modprobe prints from the host's own /proc/cmdline ("options random trust_cpu=1") are not the
// root's and are dropped.
TEST(Options, MergedConfigAsModprobeShowsIt) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  std::vector<std::pair<std::string, std::string>> files = {
      {"etc/modprobe.d/a.conf",
       "options dummy numdummies=2\nalias net-foo dummy\nblacklist pcspkr\n"
       "install bar /bin/true\nremove bar /bin/echo  removed\n"
       "softdep dummy pre: crc32c post: crc64\nsoftdep baz pre: a b\nsoftdep qux post: c\n"
       "weakdep dummy crc64 crc32c\n"},
      {"lib/modprobe.d/a.conf", "options dummy numdummies=9\n"},
      {"lib/modprobe.d/b.conf", "options dummy\tfoo=1\t bar=\"x y\"\n# note\n\n"},
      {"run/modprobe.d/c.conf", "alias eth9 dummy\nblacklist foo-bar\noptions dummy a=1 \\\n"
                                "  b=2\ninstall dummy-x /sbin/modprobe --ignore-install dummy\n"}};
  std::set<std::string> host;  // options lines kmod makes of the host's kernel command line
  {
    std::istringstream in(td::slurp("/proc/cmdline"));
    for (std::string w; in >> w && w != "--";) {
      const size_t dot = w.find('.'), eq = w.find('=');
      if (dot != std::string::npos && (eq == std::string::npos || dot < eq))
        host.insert("options " + w.substr(0, dot) + " " + w.substr(dot + 1));
    }
  }
  struct Kmod {
    std::string bin;
    bool weakdep;
  };
  const std::string k34 = td::cache_dir() + "/kmod/34.2-2+b2/modprobe";
  for (const Kmod& k : {Kmod{"modprobe", false}, Kmod{k34, true}}) {
    if (k.bin != "modprobe" && !td::exists(k.bin)) continue;
    if (k.weakdep)  // the root runs kmod 34.2: ofsck reads weakdep lines (kmod 33+)
      files.push_back(
          {"usr/bin/kmod", td::slurp(td::cache_dir() + "/kmod/34.2-2+b2/root/usr/bin/kmod")});
    const std::string root = make_root_with(td::kOld61, {"kernel/drivers/net/dummy.ko"}, files);
    Node p = prepare_root(root, td::kOld61);
    int st = 0;
    const std::string out =
        td::run(k.bin + config_args(root) + " -d " + root + " -S " + td::kOld61 + " -c 2>/dev/null",
                &st);
    ASSERT_EQ(st, 0) << k.bin;
    std::vector<std::string> real;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line) && !line.starts_with("# End of configuration");)
      if (!line.empty() && !host.count(line) && !line.starts_with("options modprobe "))
        real.push_back(line);
    const auto mine = ofsck_show_config(p.modprobe_config, k.weakdep);
    EXPECT_EQ(mine, real) << k.bin << "\n" << out.substr(0, 2000);
    EXPECT_EQ(real.size(), k.weakdep ? 14u : 13u) << k.bin;
    fs::remove_all(root);
  }
}

// `ofsck explain` shows the options with their sources and verdicts, in text and JSON; the
// kernel command line's <mod>.<param>= comes last (kmod_config_parse_kcmdline()).
TEST(Options, ExplainShowsOptions) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string root = make_root_with(
      td::kOld61, kNvme,
      {{"etc/modprobe.d/a.conf", "options nvme_core max_retries=3 multipath=maybe\n"},
       {"etc/modprobe.d/b.conf",
        "options nvme_core max_retries=4 bogus=1\nsoftdep nvme_core pre: crc64\n"}});
  int st = 0;
  const std::string cmd = td::ofsck_bin() + " explain --no-cache --root " + root + " --kernel " +
                          td::kOld61 + " --cmdline nvme_core.max_retries=5 nvme_core";
  const std::string text = td::run(cmd + " 2>&1", &st);
  EXPECT_EQ(st, 1) << text;  // multipath=maybe fails the load
  EXPECT_NE(text.find("  options (modprobe passes \"max_retries=3 multipath=maybe max_retries=4 "
                      "bogus=1 max_retries=5\"):\n"
                      "    max_retries=3  [byte, overridden]  /etc/modprobe.d/a.conf:1\n"
                      "    multipath=maybe  [bool, rejected]  /etc/modprobe.d/a.conf:1: 'maybe' "
                      "is not a boolean (kstrtobool: y/Y/1/n/N/0 or on/off, by the first "
                      "characters); the load fails (EINVAL)\n"
                      "    max_retries=4  [byte, overridden]  /etc/modprobe.d/b.conf:1\n"
                      "    bogus=1  [unknown]  /etc/modprobe.d/b.conf:1: \"nvme_core: unknown "
                      "parameter 'bogus' ignored\"\n"
                      "    max_retries=5  [byte, applied]  (kernel command line)\n"
                      "  softdep: pre: crc64  (/etc/modprobe.d/b.conf:2)  [used]\n"),
            std::string::npos)
      << text;
  const std::string json = td::run(cmd + " --format json 2>&1", &st);
  EXPECT_NE(json.find("\"status\": \"rejected\""), std::string::npos) << json;
  fs::remove_all(root);
}

}  // namespace
}  // namespace ofsck::check
