#pragma once
/// The subcommands, one table of {name, help, options, run} (kmod tools/kmod.c, ninja kTools),
/// and the helpers they share.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "check/check_tree.hpp"
#include "cli/options.hpp"
#include "read/text/proc_modules.hpp"
#include "scenario/image.hpp"
#include "scenario/upgrade.hpp"
#include "scenario/whatif.hpp"

namespace ofsck::cli {

inline constexpr int kExitOk = 0, kExitFindings = 1, kExitUsage = 2, kExitInput = 3;

/// snapshot --node, -o, --summary, --proc, --sys (check takes --proc and --sys too).
struct SnapshotArgs {
  std::string node, output, proc, sys;
  bool summary = false;
};

/// Everything the command line sets, one plain struct filled by CLI11; the chosen command uses
/// `common` and its own part.
struct Args {
  CommonOptions common;
  std::string module;                   ///< explain MODULE
  std::vector<std::string> files;       ///< modinfo FILE...
  bool literal_externals = false;       ///< depmod --literal-externals
  bool all_kernels = false;             ///< check --all-kernels
  check::ImageOptions image;            ///< image INITRAMFS --need --ib-root
  check::UpgradeOptions upgrade;        ///< upgrade --kabi-list
  std::vector<std::string> upgrade_to;  ///< upgrade --to values: releases and package files
  check::WhatifOptions whatif;          ///< whatif --install --remove
  std::string output;                   ///< check -o FILE, fleet -o FILE
  std::string state_file;               ///< check --state-file=PATH (empty: the default)
  bool state_file_given = false;        ///< check --state-file
  SnapshotArgs snapshot;                ///< snapshot --node -o --summary
  // What `check` computed, kept until the process ends: see cli::run() (no teardown of the
  // whole-tree model).
  std::optional<check::Node> prepared;
  check::CheckResult result;
};

/// One subcommand: its name and one-line help, the shared options it takes (registered first),
/// its own options, and what runs when it is chosen (returns the exit code).
struct Command {
  const char* name;
  const char* help;
  void (*shared_options)(CLI::App* sub, CommonOptions& c);  ///< add_common_options or none
  void (*options)(CLI::App* sub, Args& a);
  int (*run)(Args& a);
};

// The table is in app.cc. check, depmod and rules live in commands.cc, the others in
// <name>_command.cc.

// The options each command registers after the shared ones.
void check_options(CLI::App* sub, Args& a);    ///< --only MOD..., FILE...
void explain_options(CLI::App* sub, Args& a);  ///< MODULE
void depmod_options(CLI::App* sub, Args& a);   ///< --root/-b, --literal-externals, KVER
void modinfo_options(CLI::App* sub, Args& a);  ///< FILE..., --format
void image_options(CLI::App* sub, Args& a);    ///< INITRAMFS, --need MOD..., --ib-root
void upgrade_options(CLI::App* sub, Args& a);  ///< --to KVER|PKG..., --kabi-list
void whatif_options(CLI::App* sub, Args& a);   ///< --install PKG..., --remove NAME...
/// check's -o FILE, --state-file [PATH] and --format prom (check_outputs.cc).
void check_output_options(CLI::App* sub, Args& a);
/// kExitUsage, after the message, for -o/--format prom/--state-file with options they exclude.
int check_outputs_usage(const Args& a);
/// check's report (text, json or prom) to stdout or -o FILE, then the state file when asked;
/// `started` times the check for prom. 0, or the exit status of the error it printed.
int write_check_outputs(Args& a, std::chrono::steady_clock::time_point started);
void snapshot_options(CLI::App* sub, Args& a);  ///< --node, -o FILE, --summary, --proc, --sys
void fleet_options(CLI::App* sub, Args& a);     ///< SNAPSHOT...|DIR|- (in `files`), --format
/// --proc DIR and --sys DIR (snapshot, and check for --format prom's running drift).
void live_dir_options(CLI::App* sub, SnapshotArgs& s);
/// Where the running system is read from: --proc/--sys, else /proc and /sys for the root "/";
/// nullopt when the root is not the running system.
std::optional<read::LiveDirs> live_dirs(const Args& a);
/// --format gains "prom" (check, fleet): the shared text/json validator is replaced.
void allow_prom_format(CLI::Option* format, const char* description);

// What each command runs once chosen; the process exit code.
/// `check`: every verdict and finding of the node (or of the given files).
int run_check(Args& a);
/// `check --all-kernels`: one verdict line per installed kernel (all_kernels_command.cc).
int run_all_kernels(Args& a);
/// `explain`: why MODULE's file wins, its load order, verdict and bindings (report/explain).
int run_explain(Args& a);
/// `depmod`: modules.dep as kmod's depmod writes it.
int run_depmod(Args& a);
/// `modinfo`: what is read from module files (report/modinfo).
int run_modinfo(Args& a);
/// `rules`: the rule catalogue.
int run_rules(Args& a);
/// `image`: an initramfs against the modules the boot needs and against the disk.
int run_image(Args& a);
/// `upgrade`: the out-of-tree modules on a target kernel.
int run_upgrade(Args& a);
/// `whatif`: what installing and removing packages would change.
int run_whatif(Args& a);
/// `snapshot`: the node's driver stack as a versioned JSON document (or its summary line).
int run_snapshot(Args& a);
/// `fleet`: node snapshots folded into groups, and the drift between them.
int run_fleet(Args& a);

/// Prints a prepare() error; its exit code (usage 2, else unreadable input 3).
int report_error(const Error& e);
/// Prints "ofsck: error: MESSAGE" for a usage error the options allow; kExitUsage.
int usage_error(const char* message);
/// Writes a rendered report (text or JSON) to stdout through report::terminal_safe(): no byte
/// that could drive a terminal, other than the report's own newlines and colours, gets out.
void write_text(std::string_view out);
/// kExitFindings when some finding is an error, else kExitOk.
int exit_for(const std::vector<check::Finding>& findings);
/// True when `path` names an existing regular file.
bool is_regular_file(const std::string& path);

/// `r` as JSON (--format json) or as text (--color, --verbose), through write_text().
template <class Report>
void print_report(const CommonOptions& c, const Report& r, std::string (*json)(const Report&),
                  std::string (*text)(const Report&, const report::TextOptions&)) {
  write_text(c.format == "json" ? json(r) : text(r, text_options(c)));
}

}  // namespace ofsck::cli
