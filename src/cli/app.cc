// The command table (kmod tools/kmod.c, ninja kTools): every subcommand is {name, help, setup}.
#include "cli/app.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/doc_outputs.hpp"
#include "cli/exit_status.hpp"
#include "cli/version.hpp"

namespace ofsck::cli {

namespace {

constexpr const char* kDescription =
    "ofsck - predict, before reboot, whether kernel modules will load\n\n"
    "ofsck models a node offline: which file wins for every module name (exactly as kmod's\n"
    "depmod decides), which provider each imported symbol binds to, and whether CRCs,\n"
    "vermagic, licences, namespaces and signatures pass the kernel's own checks. Findings\n"
    "print like compiler diagnostics; --format json gives the same for automation.\n";

constexpr const char* kFooter =
    "\nEXIT STATUS\n"
    "  0  no error-level finding\n"
    "  1  error-level findings (some module will not load, or its selection is broken)\n"
    "  2  usage error (bad option, several kernels and no --kernel)\n"
    "  3  input that cannot be checked (no module tree or an empty one, a missing FILE,\n"
    "     an unreadable --symvers)\n"
    " 70  internal error\n"
    "  `ofsck COMMAND --help` says what each status means for that command.\n";

/// The end of every help text: examples and where the documentation is.
constexpr const char* kExamples =
    "\nEXAMPLES\n"
    "  ofsck check                              # this node, the kernel that boots next\n"
    "  ofsck check --all-kernels                # every installed kernel, one line each\n"
    "  ofsck check --root /srv/images/compute   # an image tree (the kernel it boots next)\n"
    "  ofsck check --kernel 6.1.0-47-amd64 --cmdline 'module.sig_enforce=1'\n"
    "  ofsck check --only mlx5_ib ib_ipoib      # what `modprobe mlx5_ib ib_ipoib` would do\n"
    "  ofsck check vendor/hfi1.ko               # will this file load on that kernel?\n"
    "  ofsck check --only ib_core,ib_ipoib vendor/hfi1.ko  # names and files, in any order\n"
    "  ofsck explain ib_core                    # why this file, and what it binds to\n"
    "  ofsck depmod --root R KVER               # modules.dep exactly as depmod writes it\n"
    "\nSee docs/ for the JSON schema, rule ids and the exactness notes.\n";

/// Ends the process with `rc` while the command's model is still alive: freeing a whole tree's
/// model (hundreds of thousands of strings) costs ~10% of a `check`, for nothing. Sanitizer
/// builds return normally so that destructors and leak checking still run.
int exit_keeping_state(int rc) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(rc);
#endif
  return rc;
}

}  // namespace

/// The command table, in the order `ofsck --help` lists the subcommands.
constexpr Command kCommands[] = {
    {"check",
     "Predict, for every module (or the given files), which file wins, whether it loads, and "
     "what the kernel will print",
     add_common_options, check_options, run_check},
    {"explain",
     "Why this file wins for MODULE, its load order, what each import binds to, and every other "
     "candidate",
     add_common_options, explain_options, run_explain},
    {"depmod", "Print modules.dep exactly as kmod's depmod would write it for the root and kernel",
     nullptr, depmod_options, run_depmod},
    {"modinfo",
     "Show what ofsck reads from module files (modinfo, imports with CRCs, exports with "
     "GPL/namespace/CRC, signature)",
     nullptr, modinfo_options, run_modinfo},
    {"rules", "List every rule id with its severity and summary", nullptr, nullptr, run_rules},
    {"image",
     "Inspect an initramfs: list its modules, firmware and configs; check that needed modules "
     "are in it with their dependencies and load; compare it with the disk",
     add_common_options, image_options, run_image},
    {"upgrade",
     "Before a kernel update: for every module not built with the current kernel (updates/, "
     "extra/, weak-updates/, externals), say whether it loads on the target kernel as is, would "
     "load if linked into its weak-updates/, or must be rebuilt (against which headers)",
     add_common_options, upgrade_options, run_upgrade},
    {"whatif",
     "Check the root as it would be after installing packages (.deb, .rpm, a directory) and "
     "removing installed ones, without changing anything; print the findings the change "
     "introduces and fixes, and the modules whose verdict changes",
     add_common_options, whatif_options, run_whatif},
    {"snapshot",
     "Write the node's driver stack as one versioned JSON document (kernel, verdicts, package "
     "digests, modules that differ from their package, effective options, what runs now), or "
     "its one-line --summary, for fleets (clush, pdsh, Ansible)",
     add_common_options, snapshot_options, run_snapshot},
    {"fleet",
     "Read node snapshots (files, a directory, or - for a stream such as clush output): fold "
     "nodes with identical stacks into node sets, and list what drifts between them per module: "
     "winning file, package, effective options, findings, kernel, kmod",
     nullptr, fleet_options, run_fleet},
};

int run(int argc, char** argv) {
  CLI::App app{kDescription, "ofsck"};
  app.footer(std::string(kFooter) + kExamples);
  app.require_subcommand(0, 1);
  std::string version_flag = version_text();
  version_flag.pop_back();  // CLI11 adds the newline
  app.set_version_flag("--version", version_flag);
  Args args;  // lives until the process ends (exit_keeping_state)
  std::vector<CLI::App*> subs;
  for (const Command& c : kCommands) {
    subs.push_back(app.add_subcommand(c.name, c.help));
    subs.back()->footer(std::string(exit_status_help(c.name)) + kExamples);
    if (c.shared_options) c.shared_options(subs.back(), args.common);
    if (c.options) c.options(subs.back(), args);
  }
  if (auto rc = write_requested_docs(app, argc, argv)) return *rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  for (size_t i = 0; i < subs.size(); ++i) {
    if (!subs[i]->parsed()) continue;
    if (kCommands[i].shared_options)
      if (int rc = load_config(args.common)) return rc;  // ofsck.conf, --ignore, --baseline
    return exit_keeping_state(kCommands[i].run(args));
  }
  std::fputs(app.help().c_str(), stdout);
  return kExitUsage;
}

}  // namespace ofsck::cli
