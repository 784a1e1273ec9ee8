// Where `ofsck check` puts its answer besides standard output: -o FILE (the Prometheus textfile
// collector's file), --format prom, and --state-file (what NHC's check_ofsck reads).
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/version.hpp"
#include "read/text/text_util.hpp"
#include "report/escape.hpp"
#include "report/prom.hpp"
#include "report/render.hpp"
#include "report/state_file.hpp"
#include "scenario/snapshot.hpp"

namespace ofsck::cli {

namespace {

double seconds_since_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The state file's path: --state-file PATH as given, else /var/lib/ofsck/state/KVER under
/// --root (the verdict about a root belongs to that root: an image's state must not become the
/// host's), its directories created.
Result<std::string> state_path(const Args& a, const std::string& kver) {
  if (!a.state_file.empty()) return a.state_file;
  if (kver.empty() || kver == "." || kver == ".." || kver.find('/') != std::string::npos)
    return make_error(ErrorCode::kUsage, fmt::format("kernel release '{}' cannot name a state "
                                                     "file; give --state-file=PATH",
                                                     report::escape(kver)));
  std::string dir = a.common.node.spec.root;
  for (std::string_view part : {"/var", "/lib", "/ofsck", "/state"}) {
    dir = read::join_root(dir, part);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return make_error(ErrorCode::kIo, fmt::format("cannot create: {}", strerror(errno)),
                        SourceRef{dir});
  }
  return dir + "/" + kver;
}

/// For a live root (the root /, or --proc/--sys): how many parameters of loaded modules run
/// with another value than configured, as `ofsck snapshot` computes its running_drift.
/// nullopt when the root is not live, or (noted on stderr) /proc/modules cannot be read.
std::optional<size_t> running_param_drift(const Args& a) {
  auto live = live_dirs(a);
  if (!live || !a.prepared) return std::nullopt;
  auto loaded = read::read_loaded_modules(*live);
  if (!loaded) {
    std::fprintf(stderr, "ofsck: note: %s (no ofsck_running_param_drift)\n",
                 report::escape(to_string(loaded.error())).c_str());
    return std::nullopt;
  }
  return check::running_drift(*a.prepared, *loaded).size();
}

/// The report as --format asks, for the terminal or for -o FILE.
std::string render_report(Args& a, std::chrono::steady_clock::time_point started) {
  CommonOptions& c = a.common;
  if (c.format == "prom") {
    report::PromRun run{0, 0, version(), running_param_drift(a)};
    run.duration =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.finished = seconds_since_epoch();
    return report::render_prom(a.result, run);
  }
  if (!a.output.empty() && c.color == "auto") c.color = "never";  // a file is no terminal
  return report::terminal_safe(c.format == "json" ? report::render_json(a.result)
                                                  : report::render_text(a.result, text_options(c)));
}

}  // namespace

void allow_prom_format(CLI::Option* format, const char* description) {
  format->get_validator()->active(false).description("");
  format->check(CLI::IsMember({"text", "json", "prom"}));
  format->description(description);
}

void check_output_options(CLI::App* sub, Args& a) {
  allow_prom_format(sub->get_option("--format"),
                    "Output format: text, json, or prom (Prometheus text exposition for "
                    "node_exporter's textfile collector; with -o DIR/ofsck.prom). For the "
                    "running system (the root /, or --proc), prom also counts the parameters "
                    "loaded modules run with that differ from the configured ones");
  sub->add_option("-o,--output", a.output,
                  "Write the report to FILE instead of standard output, atomically (a temporary "
                  "file in FILE's directory renamed over it): a reader such as node_exporter "
                  "sees the old report or the new one, never a part")
      ->type_name("FILE");
  sub->add_option_function<std::string>(
         "--state-file",
         [&a](const std::string& path) {
           a.state_file_given = true;
           a.state_file = path;
         },
         "After the check, write its verdict (kernel, time, verdict, counts, first failing "
         "module and why) to PATH atomically, for monitors that must not scan (NHC's "
         "check_ofsck). Default PATH: /var/lib/ofsck/state/KERNEL under --root. Give PATH as "
         "--state-file=PATH. Not with --only, FILE or --all-kernels: a partial check is not the "
         "node's verdict")
      ->expected(0, 1)
      ->type_name("[PATH]");
  live_dir_options(sub, a.snapshot);
}

int check_outputs_usage(const Args& a) {
  const auto& c = a.common;
  const bool partial = !c.node.eo.only.empty() || !c.node.spec.files.empty();
  if (a.state_file_given && (partial || a.all_kernels))
    return usage_error("--state-file records the whole check of one kernel: not with --only, "
                       "FILE or --all-kernels");
  if (a.all_kernels && (c.format == "prom" || !a.output.empty()))
    return usage_error("--all-kernels writes one line per kernel: not with --format prom or -o");
  return kExitOk;
}

int write_check_outputs(Args& a, std::chrono::steady_clock::time_point started) {
  std::string out = render_report(a, started);
  if (a.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (auto w = write_atomically(a.output, out); !w) {
    return report_error(w.error());
  }
  if (!a.state_file_given) return kExitOk;
  auto path = state_path(a, a.result.inputs.kernel_release);
  if (!path) return report_error(path.error());
  const auto now = static_cast<int64_t>(seconds_since_epoch());
  if (auto w = write_atomically(*path, report::render_state(a.result, now)); !w)
    return report_error(w.error());
  return kExitOk;
}

}  // namespace ofsck::cli
