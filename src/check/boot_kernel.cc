// The kernel a root boots next. Each source says which release its boot loader starts and how
// it knows; a source whose release has no module tree is passed over with its reason, so the
// answer is never more certain than the inputs. GRUB's rules are grub-core/normal/menu.c and
// util/grub.d/00_header (read/text/grub.hpp); systemd-boot's are src/boot/efi/boot.c
// (read/text/bls.hpp); the links are Debian's linux-update-symlinks.
#include "check/boot_kernel.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "read/text/bls.hpp"
#include "read/text/grub.hpp"
#include "read/text/text_util.hpp"
#include "util/version_compare.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kConfigCap = uint64_t{16} << 20;  // grub.cfg, entries, grubenv: text files
constexpr int kMaxLinks = 8;

/// stat(2) says `p` is of type `t` (links followed); false when it cannot be stat'ed.
bool is_a(const fs::path& p, fs::file_type t) {
  std::error_code ec;
  return fs::status(p, ec).type() == t;
}
bool is_dir(const fs::path& p) { return is_a(p, fs::file_type::directory); }
bool is_file(const fs::path& p) { return is_a(p, fs::file_type::regular); }

bool has_module_tree(const std::string& root, const std::string& rel) {
  if (rel.empty() || rel.find('/') != std::string::npos || rel == "." || rel == "..") return false;
  return is_dir(root + "/lib/modules/" + rel) || is_dir(root + "/usr/lib/modules/" + rel);
}

/// What one source says: a usable release and how it was chosen, or why it is passed over
/// (`skipped`), or nothing when the source is absent.
struct Outcome {
  std::string release, how, skipped;
};

Outcome checked(const std::string& root, std::string release, std::string how) {
  if (release.empty()) return {{}, {}, how + " names no kernel release"};
  if (!has_module_tree(root, release))
    return {{},
            {},
            fmt::format("{} boots {}, which has no module tree under {}/lib/modules or "
                        "{}/usr/lib/modules",
                        how, release, root, root)};
  return {std::move(release), std::move(how), {}};
}

/// Every BLS entry of the root (/boot, /efi, /boot/efi), in systemd-boot's order.
std::vector<read::BlsEntry> bls_entries(const std::string& root) {
  std::vector<read::BlsEntry> out;
  for (const char* dir :
       {"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root + dir, ec)) {
      const std::string name = e.path().filename();
      if (!name.ends_with(".conf") || !is_file(e.path())) continue;
      auto text = read::read_text_file(e.path(), kConfigCap);
      if (!text) continue;
      auto entry = read::parse_bls_entry(*text, name, std::string(dir) + "/" + name);
      if (entry) out.push_back(std::move(*entry));
    }
  }
  read::sort_bls_entries(out);
  return out;
}

std::string release_of_entry(const std::string& root, const read::BlsEntry& e) {
  std::string rel = release_of_image(root, e.linux);
  if (!has_module_tree(root, rel) && !e.version.empty()) return e.version;
  return rel;
}

/// The value GRUB's `default` holds at boot, and how it got it.
struct GrubDefault {
  std::string value, how;
  bool usable = true;
};

GrubDefault grub_default(const read::GrubConfig& cfg, const read::GrubEnv& env,
                         const std::string& dir) {
  const std::string envfile = dir + "/grubenv";
  if (cfg.honours_next_entry)
    if (auto next = env.get("next_entry"); next && !next->empty())
      return {*next, fmt::format("GRUB next_entry '{}' in {} (grub-reboot: this boot only)", *next,
                                 envfile)};
  if (!cfg.default_value)
    return {"", fmt::format("the first GRUB menu entry ({}/grub.cfg sets no default)", dir)};
  const std::string& v = *cfg.default_value;
  if (v == "${saved_entry}" || v == "$saved_entry") {
    // 00_header: a prev_saved_entry left by GRUB legacy's savedefault replaces saved_entry.
    std::optional<std::string> saved = env.get("prev_saved_entry");
    if (!saved || saved->empty()) saved = env.get("saved_entry");
    if (!saved || saved->empty())
      return {"", fmt::format("GRUB_DEFAULT=saved but {} has no saved_entry: the first GRUB "
                              "menu entry",
                              envfile)};
    return {*saved, fmt::format("GRUB saved_entry '{}' in {}", *saved, envfile)};
  }
  if (v.find('$') != std::string::npos)
    return {v,
            fmt::format("GRUB default '{}' ({}/grub.cfg:{}) is a variable ofsck does not "
                        "evaluate",
                        v, dir, cfg.default_line),
            false};
  return {v, fmt::format("GRUB default '{}' in {}/grub.cfg:{}", v, dir, cfg.default_line)};
}

/// The environment block GRUB's `load_env` reads (only when the file is not empty).
read::GrubEnv grub_env(const std::string& path, std::string& problem) {
  std::error_code ec;
  if (!is_file(path) || fs::file_size(path, ec) == 0 || ec) return {};
  auto bytes = read::read_text_file(path, kConfigCap);
  if (!bytes) {
    problem = bytes.error().message;
    return {};
  }
  auto env = read::parse_grubenv(*bytes, path);
  if (!env) {
    problem = env.error().message;
    return {};
  }
  return std::move(*env);
}

/// GRUB_DEFAULT of /etc/default/grub when grub.cfg does not hold it (not regenerated).
std::string stale_default_note(const std::string& root, const read::GrubConfig& cfg) {
  auto text = read::read_text_file(root + "/etc/default/grub", kConfigCap);
  if (!text) return {};
  std::optional<std::string> d = read::parse_default_grub(*text);
  if (!d) return {};
  const std::string generated = *d == "saved" ? "${saved_entry}" : *d;
  if (cfg.default_value && *cfg.default_value == generated) return {};
  return fmt::format("; GRUB_DEFAULT={} in /etc/default/grub is not in grub.cfg yet (run "
                     "update-grub)",
                     *d);
}

Outcome from_grub(const std::string& root) {
  for (const char* dir : {"/boot/grub", "/boot/grub2"}) {
    const std::string cfgfile = root + dir + "/grub.cfg";
    if (!is_file(cfgfile)) continue;
    auto text = read::read_text_file(cfgfile, kConfigCap);
    if (!text) return {{}, {}, fmt::format("{}/grub.cfg: {}", dir, text.error().message)};
    read::GrubConfig cfg = read::parse_grub_cfg(*text);
    std::string env_problem;
    read::GrubEnv env = grub_env(root + dir + "/grubenv", env_problem);
    if (!env_problem.empty()) return {{}, {}, fmt::format("{}/grubenv: {}", dir, env_problem)};
    GrubDefault d = grub_default(cfg, env, dir);
    if (!d.usable) return {{}, {}, d.how};
    std::vector<read::GrubEntry> menu = cfg.menu;
    if (cfg.blscfg_at) {  // blscfg: the BLS entries, newest first, id = file name less .conf
      std::vector<read::GrubEntry> bls;
      for (const read::BlsEntry& b : bls_entries(root)) {
        read::GrubEntry g;
        g.title = b.title;
        g.id = b.id.substr(0, b.id.size() - 5);
        g.kernel = b.linux;
        if (!has_module_tree(root, release_of_image(root, g.kernel)) && !b.version.empty())
          g.kernel = "vmlinuz-" + b.version;
        bls.push_back(std::move(g));
      }
      menu.insert(menu.begin() + static_cast<std::ptrdiff_t>(*cfg.blscfg_at), bls.begin(),
                  bls.end());
    }
    std::string path;
    const read::GrubEntry* e = read::select_grub_entry(menu, d.value, &path);
    if (!e) return {{}, {}, fmt::format("{}/grub.cfg has no menu entry", dir)};
    std::string how = fmt::format("{}, entry '{}'", d.how, path) + stale_default_note(root, cfg);
    return checked(root, release_of_image(root, e->kernel), std::move(how));
  }
  return {};
}

Outcome from_systemd_boot(const std::string& root) {
  std::vector<read::BlsEntry> entries = bls_entries(root);
  if (entries.empty()) return {};
  for (const char* conf :
       {"/boot/loader/loader.conf", "/efi/loader/loader.conf", "/boot/efi/loader/loader.conf"}) {
    auto text = read::read_text_file(root + conf, kConfigCap);
    if (!text) continue;
    std::optional<std::string> pattern = read::parse_loader_conf_default(*text);
    if (!pattern) break;
    if (std::optional<size_t> i = read::match_loader_default(entries, *pattern))
      return checked(root, release_of_entry(root, entries[*i]),
                     fmt::format("boot loader entry {} (default '{}' in {})", entries[*i].path,
                                 *pattern, conf));
    return checked(root, release_of_entry(root, entries.front()),
                   fmt::format("boot loader entry {} (the first; default '{}' in {} matches "
                               "none)",
                               entries.front().path, *pattern, conf));
  }
  return checked(root, release_of_entry(root, entries.front()),
                 fmt::format("boot loader entry {} (the first in boot loader order)",
                             entries.front().path));
}

Outcome from_links(const std::string& root, std::vector<std::string>& skipped) {
  for (const char* link : {"/boot/vmlinuz", "/vmlinuz"}) {
    std::error_code ec;
    if (!fs::is_symlink(root + link, ec)) continue;
    const std::string target = fs::read_symlink(root + link, ec).string();
    Outcome o = checked(root, release_of_image(root, link), fmt::format("{} -> {}", link, target));
    if (!o.release.empty()) return o;
    skipped.push_back(std::move(o.skipped));
  }
  return {};
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

}  // namespace

std::string running_release() {
  struct utsname u;
  return uname(&u) == 0 ? std::string(u.release) : std::string();
}

std::vector<std::string> installed_kernels(const std::string& root) {
  const std::string r = root == "/" ? "" : root;
  std::vector<std::string> found;
  for (const char* moddir : {"/lib/modules", "/usr/lib/modules"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(r + moddir, ec)) {
      std::string n = e.path().filename();
      if (n == "kabi-current" || !e.is_directory(ec)) continue;
      if (std::find(found.begin(), found.end(), n) == found.end()) found.push_back(n);
    }
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    const int c = dpkg_version_compare(a, b);
    return c != 0 ? c > 0 : a > b;
  });
  return found;
}

std::string release_of_image(const std::string& root, const std::string& path) {
  std::string at = path;
  for (int hop = 0; hop <= kMaxLinks && !at.empty(); ++hop) {
    const fs::path p(at);
    const std::string name = p.filename();
    for (std::string_view prefix : {"vmlinuz-", "vmlinux-", "bzImage-", "kernel-"})
      if (name.starts_with(prefix) && name.size() > prefix.size())
        return name.substr(prefix.size());
    if (name == "linux" && p.has_parent_path() && p.parent_path().has_filename())
      return p.parent_path().filename();
    // A link (/boot/vmlinuz, or a grub.cfg path relative to a separate /boot): its target.
    std::error_code ec;
    std::string full;
    for (const std::string& c : {read::join_root(root, at), read::join_root(root, "/boot/" + at)})
      if (fs::is_symlink(c, ec)) {
        full = c;
        break;
      }
    if (full.empty()) return {};
    const fs::path target = fs::read_symlink(full, ec);
    if (ec) return {};
    at = target.is_absolute() ? target.string()
                              : (fs::path(full).parent_path() / target)
                                    .string()
                                    .substr(root == "/" ? 0 : root.size());
  }
  return {};
}

Result<BootKernel> next_boot_kernel(const std::string& root_in) {
  const std::string root = root_in == "/" ? "" : root_in;
  BootKernel b;
  if (root.empty()) b.running = running_release();
  std::vector<std::string> skipped;
  using Source = Outcome (*)(const std::string&, std::vector<std::string>&);
  const std::pair<const char*, Source> sources[] = {
      {"grub", [](const std::string& r, std::vector<std::string>&) { return from_grub(r); }},
      {"bls", [](const std::string& r, std::vector<std::string>&) { return from_systemd_boot(r); }},
      {"vmlinuz-link", from_links}};
  for (const auto& [source, read_source] : sources) {
    Outcome o = read_source(root, skipped);
    if (!o.skipped.empty()) skipped.push_back(std::move(o.skipped));
    if (o.release.empty()) continue;
    b.release = std::move(o.release);
    b.source = source;
    b.reason = "next boot: " + o.how;
    break;
  }
  if (b.release.empty()) {
    std::vector<std::string> all = installed_kernels(root);
    if (!all.empty()) {
      b.release = all.front();
      b.source = "newest";
      b.reason = all.size() == 1 ? "the only installed kernel"
                                 : fmt::format("the newest of {} installed kernels", all.size());
      if (skipped.empty()) b.reason += " (no boot loader configuration found)";
    } else if (!b.running.empty()) {
      b.release = b.running;
      b.source = "running";
      b.reason = "the running kernel (uname -r)";
    } else {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("no kernel module tree under {}/lib/modules or "
                                    "{}/usr/lib/modules",
                                    root, root));
    }
  }
  if (!skipped.empty()) b.reason += "; not used: " + join(skipped);
  if (!b.running.empty() && b.running != b.release)
    b.reason += fmt::format("; running kernel: {}", b.running);
  return b;
}

}  // namespace ofsck::check
