#include "cli/options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "read/cache.hpp"
#include "read/text/ofsck_conf.hpp"
#include "read/text/text_util.hpp"
#include "report/escape.hpp"
#include "util/atomic_file.hpp"

namespace ofsck::cli {

void add_node_options(CLI::App* sub, CommonOptions& c) {
  sub->add_option("--root", c.node.spec.root,
                  "Root of the system to inspect: / (live) or an image tree, chroot or extracted "
                  "package set. Every path its configuration names is re-rooted here.")
      ->default_val("/");
  sub->add_option("--kernel,-k", c.node.spec.kver,
                  "Kernel release (default: the kernel the boot loader starts next: GRUB's "
                  "next_entry/saved_entry/default, systemd-boot's loader entries, the "
                  "/boot/vmlinuz link, else the newest installed; `check -v` says which and "
                  "why. For upgrade, the kernel upgraded from: default the running one)");
  sub->add_option("--symvers", c.node.spec.symvers,
                  "Kernel exports with CRCs: Module.symvers in any of its three layouts, gzip or "
                  "xz accepted (default: where distributions keep it)");
  sub->add_option("--system-map", c.node.spec.system_map,
                  "System.map: vmlinux export names only (no CRC checks)");
  sub->add_option("--cmdline", c.cmdline,
                  "Kernel command line of the target boot (default: /proc/cmdline for /, empty "
                  "otherwise): module.sig_enforce=, lockdown=, module_blacklist=, ...")
      ->each([&c](const std::string&) { c.cmdline_set = true; });
  sub->add_option("--trust", c.node.spec.trust,
                  "Extra trusted certificate (DER or PEM), e.g. an enrolled MOK; repeatable")
      ->each([&c](const std::string&) { c.trust_set = true; });
}

void add_reader_options(CLI::App* sub, CommonOptions& c) {
  sub->add_option("-j,--jobs", c.node.rs.threads, "Parallel readers (default: all cores)");
  sub->add_flag_function(
      "--no-verify-content", [&c](int64_t) { c.node.rs.verify_content = false; },
      "Match signatures to trusted keys by issuer and serial only, without "
      "hashing module contents");
  sub->add_option("--cache-dir", c.cache_dir,
                  "Persistent cache of what was read from module files and the kernel image "
                  "(default: $XDG_CACHE_HOME/ofsck, /var/cache/ofsck for root). Entries are used "
                  "only for files whose path, size, mtime, ctime and inode are unchanged");
  sub->add_flag("--no-cache", c.no_cache, "Neither read nor write the cache");
}

CLI::Option* add_format_option(CLI::App* sub, std::string& format) {
  return sub->add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
}

void add_output_options(CLI::App* sub, CommonOptions& c) {
  add_format_option(sub, c.format)->each([&c](const std::string&) { c.format_set = true; });
  sub->add_option("--color", c.color, "Colour: auto (on a TTY), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_val("auto")
      ->each([&c](const std::string&) { c.color_set = true; });
  sub->add_flag("-v,--verbose", c.verbose,
                "Also list every module verdict, and every finding, kernel line and note of a "
                "module where text output shows the first ones and a count (text)");
  sub->add_flag("-q,--quiet", c.quiet, "No progress indication");
}

void add_suppress_options(CLI::App* sub, CommonOptions& c) {
  sub->add_option("--ignore", c.ignore,
                  "Do not report findings of RULE (an id such as OFS105 or a name such as "
                  "config-bad-line), or only those about SUBJECT (a module name, or the file "
                  "the finding names); repeatable, adds to the config file's `ignore` lines. "
                  "Suppressed findings are counted in the summary")
      ->type_name("RULE[:SUBJECT]");
  sub->add_option("--config", c.config,
                  "Configuration file (default: /etc/ofsck/ofsck.conf under --root, if it "
                  "exists). `key = value` lines: ignore, baseline, trust, format, color, "
                  "cache-dir; the command line wins over it")
      ->type_name("FILE");
  sub->add_option("--baseline", c.baseline,
                  "Do not report the findings listed in FILE (accepted earlier, see "
                  "--write-baseline), so that only new problems count and fail the check. "
                  "whatif: a listed finding is not new after the change (--ignore drops a "
                  "finding on both sides); upgrade: a listed OFS501 fails nothing; explain: a "
                  "failure whose findings are all listed exits 0. Only check and image write "
                  "a baseline")
      ->type_name("FILE");
  sub->add_option("--write-baseline", c.write_baseline,
                  "Write every finding of this run (after --ignore) to FILE as the accepted "
                  "baseline, atomically, then report as with --baseline FILE")
      ->type_name("FILE");
  sub->add_flag("--update-baseline", c.update_baseline,
                "With --baseline FILE: rewrite FILE with the findings of this run (a missing "
                "FILE is created)");
}

void add_common_options(CLI::App* sub, CommonOptions& c) {
  add_node_options(sub, c);
  add_reader_options(sub, c);
  add_output_options(sub, c);
  add_suppress_options(sub, c);
}

void finish_options(CommonOptions& c) {
  c.node.rs.cache_dir = c.no_cache            ? std::string()
                        : c.cache_dir.empty() ? read::default_cache_dir()
                                              : c.cache_dir;
  if (c.cmdline_set) c.node.spec.cmdline = c.cmdline;
  c.node.eo.threads = c.node.rs.threads;  // -j: readers and compute threads alike
  if (!c.quiet && isatty(STDERR_FILENO)) {
    c.node.rs.progress = [](size_t done, size_t total) {
      if (done % 64 == 0 || done == total)
        std::fprintf(stderr, "\rofsck: reading modules %zu/%zu%s", done, total,
                     done == total ? "\r\033[K" : "");
    };
  }
}

namespace {

/// A path from the configuration file: one in the root's own file is a path of the inspected
/// system (re-rooted under --root, relative to its /etc/ofsck); one in --config FILE is a host
/// path (relative to FILE's directory).
std::string config_path(const CommonOptions& c, const std::string& value) {
  if (c.config.empty()) {
    return read::join_root(c.node.spec.root, value.front() == '/' ? value : "/etc/ofsck/" + value);
  }
  if (value.front() == '/') return value;
  size_t slash = c.config.rfind('/');
  return slash == std::string::npos ? value : c.config.substr(0, slash + 1) + value;
}

int config_error(const Error& e) {
  std::fprintf(stderr, "ofsck: error: %s\n", report::escape(to_string(e)).c_str());
  return kExitUsage;
}

/// The file's values where the command line left them unset; its ignore lines, parsed.
int merge_config(CommonOptions& c, const read::OfsckConf& f) {
  for (const auto& v : f.ignore) {
    auto rule = report::parse_ignore(v.value);
    if (!rule)
      return config_error(
          Error{ErrorCode::kUsage, rule.error().message, SourceRef{f.path, v.line}});
    c.ignore_rules.push_back(std::move(*rule));
  }
  if (f.baseline && c.baseline.empty()) c.baseline = config_path(c, f.baseline->value);
  if (f.format && !c.format_set) c.format = f.format->value;
  if (f.color && !c.color_set) c.color = f.color->value;
  if (f.cache_dir && c.cache_dir.empty()) c.cache_dir = config_path(c, f.cache_dir->value);
  if (!c.trust_set)
    for (const auto& v : f.trust) c.node.spec.trust.push_back(config_path(c, v.value));
  return 0;
}

}  // namespace

int load_config(CommonOptions& c) {
  const bool given = !c.config.empty();
  auto conf = read::read_ofsck_conf(
      given ? c.config : read::join_root(c.node.spec.root, "/etc/ofsck/ofsck.conf"), !given);
  if (!conf) return config_error(conf.error());
  if (int rc = merge_config(c, *conf)) return rc;
  for (const auto& i : c.ignore) {
    auto rule = report::parse_ignore(i);
    if (!rule) return config_error(rule.error());
    c.ignore_rules.push_back(std::move(*rule));
  }
  if (c.update_baseline && c.baseline.empty())
    return usage_error("--update-baseline needs --baseline FILE (or `baseline =` in the config)");
  if (c.baseline.empty()) return 0;
  auto text = read::read_text_file(c.baseline);
  if (!text && c.update_baseline && text.error().code == ErrorCode::kNotFound) return 0;
  if (!text) return report_error(text.error());
  auto b = report::parse_baseline(*text, c.baseline);
  if (!b) return report_error(b.error());
  c.baseline_read = std::move(*b);
  return 0;
}

Result<void> write_atomically(const std::string& path, std::string_view data) {
  return write_file_atomically(path, data);
}

int apply_suppression(const CommonOptions& c, check::CheckResult& r) {
  const std::string& out = c.update_baseline ? c.baseline : c.write_baseline;
  if (out.empty()) {
    report::suppress(r, c.ignore_rules, baseline_of(c));
    return 0;
  }
  report::suppress(r, c.ignore_rules, nullptr);
  std::string text = report::render_baseline(r.findings, r.inputs.root);
  if (auto w = write_atomically(out, text); !w) return report_error(w.error());
  auto written = report::parse_baseline(text, out);
  std::fprintf(stderr, "ofsck: wrote %zu baseline entr%s to %s\n", written->entries.size(),
               written->entries.size() == 1 ? "y" : "ies", report::escape(out).c_str());
  report::suppress(r, {}, &*written);
  return 0;
}

const report::Baseline* baseline_of(const CommonOptions& c) {
  return c.baseline_read ? &*c.baseline_read : nullptr;
}

int refuse_baseline_writing(const CommonOptions& c, std::string_view command) {
  if (c.write_baseline.empty() && !c.update_baseline) return 0;
  const std::string m = fmt::format(
      "{} reads a baseline (--baseline) but does not write one: write it with `ofsck check "
      "--write-baseline FILE`",
      command);
  return usage_error(m.c_str());
}

bool use_color(std::string_view color) {
  if (color == "always") return true;
  if (color == "never") return false;
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

report::TextOptions text_options(const CommonOptions& c) {
  return {use_color(c.color), c.verbose, true};
}

}  // namespace ofsck::cli
