#include "cli/options.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "read/cache.hpp"

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
                  "Extra trusted certificate (DER or PEM), e.g. an enrolled MOK; repeatable");
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

void add_format_option(CLI::App* sub, std::string& format) {
  sub->add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
}

void add_output_options(CLI::App* sub, CommonOptions& c) {
  add_format_option(sub, c.format);
  sub->add_option("--color", c.color, "Colour: auto (on a TTY), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_val("auto");
  sub->add_flag("-v,--verbose", c.verbose, "Also list every module verdict (text)");
  sub->add_flag("-q,--quiet", c.quiet, "No progress indication");
}

void add_common_options(CLI::App* sub, CommonOptions& c) {
  add_node_options(sub, c);
  add_reader_options(sub, c);
  add_output_options(sub, c);
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

bool use_color(std::string_view color) {
  if (color == "always") return true;
  if (color == "never") return false;
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

report::TextOptions text_options(const CommonOptions& c) {
  return {use_color(c.color), c.verbose, true};
}

}  // namespace ofsck::cli
