// Dependency cycles (issue 7, 2.e) against the real kmod 30 depmod: its "Cycle detected" lines,
// their order, its summary line and its exit status, for `ofsck depmod` and for the findings
// of the resolution. The roots hold real Debian 6.1 modules; a cycle is made by renaming one
// import of a module (in .strtab and __versions, same length) to an export of another, the
// way kmod's testsuite builds its mod-loop-* modules from source.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "read/text/depmod_conf.hpp"
#include "resolve/deps.hpp"
#include "resolve/resolve.hpp"
#include "testdata.hpp"

namespace fs = std::filesystem;
using namespace ofsck;

namespace {

using testdata::slurp;

constexpr const char* kKver = "6.1.0-47-amd64";

const std::vector<std::string> kModules = {
    "kernel/net/psample/psample.ko",
    "kernel/fs/configfs/configfs.ko",
    "kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko",
    "kernel/drivers/infiniband/core/ib_core.ko",
    "kernel/drivers/infiniband/core/ib_uverbs.ko",
    "kernel/drivers/input/misc/pcspkr.ko",
};

/// {module file name, imported symbol, new name (an export of another module)}.
struct Rename {
  std::string module, from, to;
};

/// Replaces every NUL-delimited occurrence of `from` by `to` (same length): the import's
/// .strtab name and its __versions name (whose CRC's high bytes are zero on x86_64).
int rename_symbol(std::string& bytes, const std::string& from, const std::string& to) {
  EXPECT_EQ(from.size(), to.size());
  const std::string needle = std::string(1, '\0') + from + '\0';
  int n = 0;
  for (size_t p = bytes.find(needle); p != std::string::npos; p = bytes.find(needle, p + 1)) {
    bytes.replace(p + 1, to.size(), to);
    ++n;
  }
  return n;
}

std::string build_root(const std::string& name, const std::vector<Rename>& renames) {
  std::string src = testdata::module_dir(kKver);
  std::string root = testdata::make_temp_dir("cycle-" + name);
  std::string mdir = root + "/lib/modules/" + kKver;
  std::string order;
  for (const std::string& rel : kModules) {
    std::string bytes = slurp(src + "/" + rel);
    for (const Rename& r : renames) {
      if (fs::path(rel).filename() == r.module) {
        EXPECT_GE(rename_symbol(bytes, r.from, r.to), 1) << r.module << " " << r.from;
      }
    }
    fs::create_directories(fs::path(mdir + "/" + rel).parent_path());
    std::ofstream(mdir + "/" + rel, std::ios::binary) << bytes;
    order += rel + "\n";
  }
  std::ofstream(mdir + "/modules.order") << order;
  fs::create_directories(root + "/etc/depmod.d");
  return root;
}

/// The "depmod: ERROR:" lines of `depmod -b root -n`, and its exit status.
std::pair<std::string, int> depmod_errors(const std::string& root) {
  int status = 0;
  std::string all = testdata::run("/sbin/depmod -b '" + root + "' -C '" + root +
                                      "/etc/depmod.d' -n " + kKver + " 2>&1 >/dev/null",
                                  &status);
  std::string out;
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("depmod: ERROR:")) out += line + "\n";
  return {out, status};
}

resolve::Resolution resolve_root(const std::string& root) {
  read::DepmodLoadOptions lo;
  lo.root = root;
  lo.paths = {"/etc/depmod.d"};
  lo.kver = kKver;
  resolve::ResolveInput in;
  in.root = root;
  in.kver = kKver;
  in.config = read::load_depmod_config(lo);
  in.reroot_externals = false;
  Result<resolve::Resolution> r = resolve::resolve_tree(in);
  EXPECT_TRUE(r) << to_string(r.error());
  return r ? std::move(*r) : resolve::Resolution{};
}

struct CycleCase {
  std::string name;
  std::vector<Rename> renames;
  int cycles;  ///< "Cycle detected" lines depmod prints
};

std::vector<CycleCase> cycle_cases() {
  return {
      // Two separate two-module cycles: the lines come in depmod's root order.
      {"two_pairs",
       {{"psample.ko", "nla_put_64bit", "__ib_alloc_pd"},
        {"ib_core.ko", "__flush_workqueue", "psample_group_get"},
        {"mlxfw.ko", "__dynamic_dev_dbg", "config_group_init"},
        {"configfs.ko", "always_delete_dentry", "mlxfw_firmware_flash"}},
       2},
      // One three-module cycle.
      {"triangle",
       {{"configfs.ko", "always_delete_dentry", "rdma_replace_ah_attr"},
        {"psample.ko", "genl_register_family", "configfs_depend_item"},
        {"ib_core.ko", "__flush_workqueue", "psample_group_get"}},
       1},
      // A cycle with a module behind it (psample also needs ib_core, which is in no cycle but
      // keeps its users), and ib_uverbs in front of it.
      {"branch_after_loop",
       {{"psample.ko", "genl_register_family", "configfs_depend_item"},
        {"configfs.ko", "__dynamic_pr_debug", "psample_group_take"},
        {"psample.ko", "nla_put_64bit", "__ib_alloc_pd"}},
       1},
  };
}

TEST(DepmodCycles, LinesOrderAndExitStatusMatchDepmod) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver) + "/" + kModules[0]);
  for (const CycleCase& c : cycle_cases()) {
    SCOPED_TRACE(c.name);
    std::string root = build_root(c.name, c.renames);
    auto [expected, depmod_status] = depmod_errors(root);
    int cycle_lines = 0;
    for (size_t p = 0; (p = expected.find("Cycle detected: ", p)) != std::string::npos; ++p)
      ++cycle_lines;
    EXPECT_EQ(cycle_lines, c.cycles) << expected;

    // The resolution: the same lines, and one dependency-cycle problem per cycle, each
    // naming its cycle exactly as depmod does.
    resolve::Resolution r = resolve_root(root);
    EXPECT_TRUE(resolve::has_dependency_cycle(r));
    std::string ours, problem_lines;
    for (const std::string& m : r.cycle_messages) ours += "depmod: ERROR: " + m + "\n";
    EXPECT_EQ(ours, expected);
    for (const resolve::Problem& p : r.problems)
      if (p.kind == resolve::ProblemKind::kDependencyCycle) {
        problem_lines += p.kmod_message + "\n";
        EXPECT_TRUE(p.message.find(p.subject + " -> ") != std::string::npos) << p.message;
        EXPECT_FALSE(p.where.path.empty());
      }
    std::string expected_cycles;
    std::istringstream in(expected);
    for (std::string line; std::getline(in, line);)
      if (line.find("Cycle detected") != std::string::npos) expected_cycles += line + "\n";
    EXPECT_EQ(problem_lines, expected_cycles);
    EXPECT_EQ(resolve::render_modules_dep(r), "");

    // `ofsck depmod`: nothing on stdout, depmod's lines on stderr, exit status 1.
    int status = 0;
    std::string cli = testdata::run(testdata::ofsck_bin() + " depmod --literal-externals --root '" +
                                        root + "' " + kKver + " 2>&1",
                                    &status);
    EXPECT_EQ(cli, expected);
    EXPECT_EQ(status, 1);
    EXPECT_EQ(depmod_status, 1);

    // `ofsck check` names each cycle as depmod does.
    std::string check =
        testdata::run(testdata::ofsck_bin() + " check --root '" + root + "' " + kKver + " 2>&1");
    std::istringstream lines(expected_cycles);
    for (std::string line; std::getline(lines, line);)
      EXPECT_NE(check.find(line.substr(std::string("depmod: ERROR: ").size())), std::string::npos)
          << line << "\n"
          << check;
    fs::remove_all(root);
  }
}

// A cycle reachable from a root that is not on it: depmod_report_cycles_from_root() only stops
// a walk when it comes back to its root, so kmod 30 walks ib_core's second cycle forever (the
// real depmod is still running after 5 s). ofsck stops, says so, and exits 1.
TEST(DepmodCycles, ReportThatNeverEndsInDepmodStopsInOfsck) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver) + "/" + kModules[0]);
  std::string root =
      build_root("endless", {{"psample.ko", "nla_put_64bit", "__ib_alloc_pd"},
                             {"ib_core.ko", "__flush_workqueue", "psample_group_get"},
                             {"mlxfw.ko", "__dynamic_dev_dbg", "config_group_init"},
                             {"configfs.ko", "always_delete_dentry", "mlxfw_firmware_flash"},
                             {"ib_core.ko", "__cpu_online_mask", "config_group_init"}});
  int status = 0;
  testdata::run("ulimit -v 1000000; timeout 5 /sbin/depmod -b '" + root + "' -C '" + root +
                    "/etc/depmod.d' -n " + kKver + " >/dev/null 2>'" + root + "/depmod.err'",
                &status);
  const std::string err = testdata::run("tail -c 300 '" + root + "/depmod.err'");
  // depmod never finishes its report: it is still walking at 5 s (timeout(1)'s 124), or, on an
  // idle machine, its walk has used up the 1 GB address space first and it dies of that.
  EXPECT_TRUE(status == 124 || status != 0) << status << ": " << err;
  EXPECT_TRUE(status == 124 || err.find("Cycle detected") != std::string::npos) << err;
  resolve::Resolution r = resolve_root(root);
  EXPECT_TRUE(resolve::has_dependency_cycle(r));
  bool gave_up = false;
  for (const resolve::Problem& p : r.problems)
    gave_up |= p.kind == resolve::ProblemKind::kDependencyCycle &&
               p.message.find("would not terminate") != std::string::npos;
  EXPECT_TRUE(gave_up);
  std::string cli = testdata::run(testdata::ofsck_bin() + " depmod --literal-externals --root '" +
                                      root + "' " + kKver + " 2>&1",
                                  &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(cli.find("would not finish"), std::string::npos) << cli;
  fs::remove_all(root);
}

}  // namespace
