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

}  // namespace

void check_options(CLI::App* sub, Args& a) {
  sub->add_option("--only", a.common.check.only,
                  "Limit verdicts to what `modprobe MOD...` would load (closure with "
                  "softdeps). Names are separated by spaces or commas (--only ib_core,mlx5_ib). "
                  "A value with a '/' or ending in .ko, .ko.xz, .ko.zst or .ko.gz is a module "
                  "file, not a name, so `--only ib_core ./x.ko` and `./x.ko --only ib_core` "
                  "are the same")
      ->delimiter(',');
  sub->add_option("files", a.common.check.files,
                  "Module files to judge as `insmod FILE` after modprobe loaded their "
                  "dependencies from the tree (a FILE given right after --only needs a '/' "
                  "or a .ko suffix, see --only)");
}

int run_check(Args& a) {
  CommonOptions& c = a.common;
  finish_options(c);
  split_only_files(c.check.only, c.check.files);
  auto p = check::prepare(c.check);
  if (!p) return report_error(p.error());
  if (c.check.files.empty() && empty_tree_status(*p) != kExitOk) return kExitInput;
  a.prepared = std::move(*p);
  a.result = check::evaluate(*a.prepared, c.check);
  PhaseTimer timer;
  print_report(c, a.result, &report::render_json, &report::render_text);
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
  sub->add_option("--root,-b", a.common.check.root, "Root of the system (like depmod -b)")
      ->default_val("/");
  sub->add_flag("--literal-externals", a.literal_externals,
                "Use `external` directories literally, not under --root (what depmod -b does)");
  sub->add_option("kernel", a.common.check.kver, "Kernel release");
}

int run_depmod(Args& a) {
  check::CheckOptions& o = a.common.check;
  o.verify_content = false;
  o.trust.clear();
  o.literal_externals = a.literal_externals;
  o.skip_kernel_image = true;
  auto p = check::prepare(o);
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
