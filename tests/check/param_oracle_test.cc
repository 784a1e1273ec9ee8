// The real kernel as the judge of option values: e1000e is loaded under QEMU
// (scripts/qemu-oracle.sh, options after a TAB in the list) with values param_array() rejects
// and one it takes, and each boot's kernel lines must be exactly the ones
// check_param_value() predicts from the module's own parmtype and __param maximum.
#include <gtest/gtest.h>

#include <fstream>

#include "check/oracle_util.hpp"
#include "check/param_value.hpp"
#include "read/module_reader.hpp"

namespace ofsck::scn {
namespace {

using namespace oracle;

/// What the kernel prints for `opts` ("PARAM=VALUE") given to `m`: nothing when accepted.
std::vector<std::string> predicted(const model::ModuleFile& m, const std::string& kver,
                                   const std::string& opt) {
  const std::string param = opt.substr(0, opt.find('=')), value = opt.substr(opt.find('=') + 1);
  const int v = read::kernel_version_from_vermagic(kver);
  auto r = check::check_param_value(m.info.name, param, check::declared_type(m.info, param), value,
                                    {v / 100, v % 100}, check::array_max(m, param));
  std::vector<std::string> out;
  if (!r) return out;
  if (!r->array_message.empty()) out.push_back(r->array_message);
  out.push_back(r->kernel_message);
  return out;
}

void judge_kernel(const std::string& kver, const std::string& tree) {
  const std::string path =
      td::run("find '" + td::module_dir(kver) + "' -name 'e1000e.ko*' | head -1 | tr -d '\\n'");
  auto m = read::read_module(path);
  ASSERT_TRUE(m) << path;
  ASSERT_TRUE(check::array_max(*m, "IntMode").known);
  std::string v33 = "1";
  for (int i = 1; i < 33; ++i) v33 += ",1";
  const std::vector<std::string> opts = {"IntMode=1,x", "IntMode=" + v33 + ",2", "TxIntDelay=,1",
                                         "IntMode=" + v33 + ",x", "IntMode=" + v33};
  const std::string list = td::make_temp_dir("param-oracle") + "/list";
  {
    std::ofstream l(list);
    for (const auto& o : opts) l << path << '\t' << o << '\n';
  }
  int st = 0;
  const std::string out = boot_once_more(kver, tree, list, "", &st);
  ASSERT_EQ(st, 0) << out << read_file(list + ".err");
  const std::vector<Block> blocks = parse_oracle(out);
  ASSERT_EQ(blocks.size(), opts.size()) << out;
  for (size_t i = 0; i < opts.size(); ++i) {
    std::vector<std::string> lines;  // the loader's lines, not e1000e's own init banner
    for (const auto& l : blocks[i].lines)
      if (l.find("Intel(R) PRO/1000") == std::string::npos &&
          l.find("Copyright") == std::string::npos)
        lines.push_back(l);
    const std::vector<std::string> want = predicted(*m, kver, opts[i]);
    EXPECT_EQ(lines, want) << kver << ": " << opts[i].substr(0, 40);
    EXPECT_EQ(blocks[i].rc, want.empty() ? 0 : 22) << kver << ": " << opts[i].substr(0, 40);
  }
  std::printf("[oracle] %s: %zu e1000e loads judged, IntMode max %u\n", kver.c_str(), opts.size(),
              check::array_max(*m, "IntMode").max);
}

TEST(ParamOracle, ArrayValuesAsTheBootedKernelJudgesThem) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  if (!have_qemu()) {
    if (getenv("OFSCK_ALLOW_MISSING_TESTDATA")) GTEST_SKIP() << "no qemu-system-x86_64";
    FAIL() << "qemu-system-x86_64 missing (scripts/install-deps.sh)";
  }
  judge_kernel(td::kOld61, td::tree(td::kOld61));
  if (!td::k7().empty()) judge_kernel(td::k7(), td::tree(td::k7()));
}

}  // namespace
}  // namespace ofsck::scn
