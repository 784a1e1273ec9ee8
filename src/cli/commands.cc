// `ofsck check`, `ofsck depmod` and `ofsck rules`.
#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "check/rules.hpp"
#include "cli/exit_status.hpp"
#include "report/escape.hpp"
#include "report/render.hpp"
#include "resolve/deps.hpp"
#include "scenario/prove_hints.hpp"
#include "util/timing.hpp"

namespace ofsck::cli {

namespace {

/// True for an --only value that can only be a module file: module names are file names with
/// the suffix cut at the first '.', so they hold no '/' and never end in ".ko".
bool names_module_file(std::string_view v) {
  return v.find('/') != std::string_view::npos || v.ends_with(".ko") || v.ends_with(".ko.xz") ||
         v.ends_with(".ko.zst") || v.ends_with(".ko.gz");
}

/// CLI11 gives every word after `--only` to it (it takes several values), files included: move
/// those to the positional files, keeping their order.
void split_only_files(std::vector<std::string>& only, std::vector<std::string>& files) {
  std::vector<std::string> names;
  for (auto& v : only) {
    if (v.empty()) continue;  // "--only a,,b"
    (names_module_file(v) ? files : names).push_back(std::move(v));
  }
  only = std::move(names);
}

/// One note on stderr when the kernel checked by default is not the running one: the check is
/// about the next boot, and the administrator may have expected `uname -r`.
void note_kernel_choice(const check::BootKernel& b) {
  if (b.source == "option" || b.running.empty() || b.running == b.release) return;
  std::fprintf(stderr, "ofsck: note: kernel %s (%s); --kernel chooses another\n",
               report::escape(b.release).c_str(), report::escape(b.reason).c_str());
}

}  // namespace

void check_options(CLI::App* sub, Args& a) {
  sub->add_option("--only", a.common.node.eo.only,
                  "Limit verdicts to what `modprobe MOD...` would load (closure with "
                  "softdeps). Names are separated by spaces or commas (--only ib_core,mlx5_ib). "
                  "A value with a '/' or ending in .ko, .ko.xz, .ko.zst or .ko.gz is a module "
                  "file, not a name, so `--only ib_core ./x.ko` and `./x.ko --only ib_core` "
                  "are the same")
      ->delimiter(',');
  sub->add_flag("--all-kernels", a.all_kernels,
                "Check every installed kernel (every module tree of the root), newest first, "
                "with one verdict line each; exit 1 when any fails");
  sub->add_option("files", a.common.node.spec.files,
                  "Module files to judge as `insmod FILE` after modprobe loaded their "
                  "dependencies from the tree (a FILE given right after --only needs a '/' "
                  "or a .ko suffix, see --only)");
  check_output_options(sub, a);
}

int run_check(Args& a) {
  const auto started = std::chrono::steady_clock::now();
  CommonOptions& c = a.common;
  scenario::NodeInputs& in = c.node;
  split_only_files(in.eo.only, in.spec.files);
  if (int rc = check_outputs_usage(a)) return rc;
  if (a.all_kernels) return run_all_kernels(a);
  finish_options(c);
  in.rs.modprobe_indexes = !in.eo.only.empty();
  auto p = check::prepare(in.spec, in.rs);
  if (!p) return report_error(p.error());
  if (c.node.spec.files.empty() && empty_tree_status(*p) != kExitOk) return kExitInput;
  a.prepared = std::move(*p);
  note_kernel_choice(a.prepared->kernel_choice);
  a.result = check::evaluate(*a.prepared, in.eo);
  // Hints that propose a configuration change are proven on the node first (in memory).
  scenario::prove_hints(*a.prepared, in.eo, a.result.findings);
  // The process ends with _Exit() (cli/app.cc): save what was verified before that.
  if (a.prepared->verified_signatures) a.prepared->verified_signatures->save();
  if (int rc = apply_suppression(c, a.result)) return rc;
  PhaseTimer timer;
  if (int rc = write_check_outputs(a, started)) return rc;
  timer.lap("report");
  if (given_files_status(a.result) != kExitOk) return kExitInput;
  return exit_for(a.result.findings);
}

namespace {

/// Every line of `text` through report::escape(), newlines kept.
std::string escape_lines(std::string_view text) {
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    out += report::escape(text.substr(pos, nl - pos));
    if (nl < text.size()) out += '\n';
    pos = nl + 1;
  }
  return out;
}

}  // namespace

void depmod_options(CLI::App* sub, Args& a) {
  sub->add_option("--root,-b", a.common.node.spec.root, "Root of the system (like depmod -b)")
      ->default_val("/");
  sub->add_flag("--literal-externals", a.literal_externals,
                "Use `external` directories literally, not under --root (what depmod -b does)");
  sub->add_option("kernel", a.common.node.spec.kver, "Kernel release");
}

int run_depmod(Args& a) {
  scenario::NodeInputs& in = a.common.node;
  in.rs.verify_content = false;
  in.spec.trust.clear();
  in.rs.literal_externals = a.literal_externals;
  in.rs.skip_kernel_image = true;
  in.rs.evaluation_reads = false;  // the tree is resolved, never evaluated
  in.rs.packages = false;
  auto p = check::prepare(in.spec, in.rs);
  if (!p) return report_error(p.error());
  const resolve::Resolution& r = p->resolution;
  if (resolve::has_dependency_cycle(r)) {
    // depmod_calculate_dependencies() fails: depmod prints its cycle report, writes nothing
    // and exits 1 (EXIT_FAILURE).
    for (const std::string& m : r.cycle_messages)
      std::fprintf(stderr, "depmod: ERROR: %s\n", report::escape(m).c_str());
    if (r.cycle_messages.empty() || !r.cycle_messages.back().starts_with("Found "))
      std::fprintf(stderr, "ofsck: depmod's cycle report would not finish on this tree\n");
    return kExitFindings;
  }
  std::string out = resolve::render_modules_dep(r);
  // Byte for byte what depmod writes into a pipe or file; on a terminal, escaped.
  if (isatty(STDOUT_FILENO)) out = escape_lines(out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int run_rules(Args&) {
  for (const auto& r : check::rule_catalogue())
    std::printf("%s  %-8s %-26s %s\n", std::string(r.id).c_str(),
                std::string(check::severity_name(r.severity)).c_str(), std::string(r.name).c_str(),
                std::string(r.summary).c_str());
  return kExitOk;
}

}  // namespace ofsck::cli
