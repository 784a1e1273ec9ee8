#include "read/text/config_files.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>

namespace ofsck::read {
namespace {

struct Entry {
  std::string name;  ///< basename, the sort key
  model::ConfigFile file;
  bool must_exist = true;  ///< false for modules.softdep/weakdep (silently optional)
};

std::string_view base_name(std::string_view p) {
  // GNU basename(): everything after the last '/', "" when the path ends in '/'.
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

/// cfg_files_insert_sorted()/conf_files_insert_sorted(): strcmp order, first one wins.
void insert_sorted(std::vector<Entry>& list, Entry e) {
  auto it =
      std::lower_bound(list.begin(), list.end(), e.name, [](const Entry& a, const std::string& n) {
        return std::strcmp(a.name.c_str(), n.c_str()) < 0;
      });
  if (it != list.end() && std::strcmp(it->name.c_str(), e.name.c_str()) == 0) {
    it->file.shadowed.push_back(e.file.display_path);  // "Ignoring duplicate config file"
    return;
  }
  list.insert(it, std::move(e));
}

Entry make_entry(std::string_view root, std::string_view display, std::string_view name) {
  Entry e;
  e.name = std::string(name);
  e.file.display_path = std::string(display);
  e.file.path = join_root(root, display);
  return e;
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

/// conf_files_filter_out()/cfg_files_filter_out(); returns true when the entry is skipped.
bool filter_out(DIR* d, const std::string& display_dir, const char* name,
                const CollectOptions& opts, std::vector<model::ConfigProblem>& problems) {
  size_t len = std::strlen(name);
  std::string shown = display_dir + "/" + name;
  if (name[0] == '.') {
    if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0)
      problems.push_back(
          make_problem("ignored-file", shown, 0, "dotfile in a config directory is ignored"));
    return true;
  }
  bool ok = len >= 6 && std::strcmp(name + len - 5, ".conf") == 0;
  if (!ok && opts.flavor == ConfigFlavor::kModprobe && opts.kmod_version < 33)
    ok = len >= 6 && std::strcmp(name + len - 6, ".alias") == 0;
  if (!ok) {
    // depmod logs this at INFO ("All cfg files need .conf"); libkmod is silent.
    problems.push_back(make_problem("ignored-file", shown, 0,
                                    "file is ignored: config files must end in \".conf\"", {}));
    return true;
  }
  struct stat st {};
  // kmod does not check fstatat()'s result (v30); an entry we cannot stat is then treated
  // as a file and fails later when opened.
  if (fstatat(dirfd(d), name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
    problems.push_back(
        make_problem("dir-in-confdir", shown, 0, "directory inside a config directory is ignored",
                     fmt::format("Directories inside directories are not supported: {}", shown)));
    return true;
  }
  return false;
}

void list_path(std::string_view root, const std::string& display, const CollectOptions& opts,
               std::vector<Entry>& list, std::vector<model::ConfigProblem>& problems) {
  std::string real = join_root(root, display);
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) {
    int e = errno;
    if (e != ENOENT && e != ENOTDIR)
      problems.push_back(
          make_problem("unreadable", display, 0, fmt::format("cannot stat: {}", std::strerror(e))));
    return;  // kmod: DBG("could not stat ...") only
  }
  if (!S_ISDIR(st.st_mode)) {
    insert_sorted(list, make_entry(root, display, base_name(display)));
    return;
  }
  std::unique_ptr<DIR, DirCloser> d(opendir(real.c_str()));
  if (!d) {
    int e = errno;
    std::string kmsg = opts.flavor == ConfigFlavor::kDepmod
                           ? fmt::format("files list {}: {}", display, std::strerror(e))
                           : fmt::format("opendir({}): {}", display, std::strerror(e));
    problems.push_back(make_problem("unreadable", display, 0,
                                    fmt::format("cannot list directory: {}", std::strerror(e)),
                                    kmsg));
    return;
  }
  // readdir order does not matter: names in one directory are unique and the list is sorted.
  while (dirent* de = readdir(d.get())) {
    if (filter_out(d.get(), display, de->d_name, opts, problems)) continue;
    insert_sorted(list, make_entry(root, display + "/" + de->d_name, de->d_name));
  }
}

}  // namespace

std::vector<std::string> default_config_dirs(ConfigFlavor flavor, int kmod_version) {
  const char* leaf = flavor == ConfigFlavor::kDepmod ? "depmod.d" : "modprobe.d";
  std::vector<std::string> out = {"/etc/", "/run/", "/usr/local/lib/"};
  // DISTCONFDIR (${prefix}/lib): kmod commit 8463809, first released in kmod 32 (NEWS "kmod 32":
  // "load modprobe.d/depmod.d configuration from ${prefix}/lib"; `git describe --contains` v32~14).
  if (kmod_version >= 32) out.push_back("/usr/lib/");
  out.push_back("/lib/");
  for (std::string& s : out) s += leaf;
  return out;
}

CollectedConfig collect_config_files(std::string_view root, std::span<const std::string> paths,
                                     const CollectOptions& opts) {
  CollectedConfig out;
  std::vector<Entry> list;
  if (opts.flavor == ConfigFlavor::kModprobe && !opts.module_dir.empty()) {
    // kmod_config_new() inserts these before any config path, so they win over a -C file of
    // the same basename.
    std::vector<std::string> extra = {"modules.softdep"};
    if (opts.kmod_version >= 33) extra.push_back("modules.weakdep");
    for (const std::string& n : extra) {
      Entry e = make_entry(root, opts.module_dir + "/" + n, n);
      e.must_exist = false;
      insert_sorted(list, std::move(e));
    }
  }
  for (const std::string& p : paths) list_path(root, p, opts, list, out.problems);
  for (Entry& e : list) {
    if (!e.must_exist) {
      struct stat st {};
      if (::stat(e.file.path.c_str(), &st) != 0) continue;  // kmod: open() fails silently
    }
    out.files.push_back(std::move(e.file));
  }
  return out;
}

void load_config_files(std::string_view root, const std::vector<std::string>& paths,
                       const CollectOptions& opts, std::vector<model::ConfigFile>& files,
                       std::vector<model::ConfigProblem>& problems, const ConfigParser& parse,
                       const UnreadableConfig& unreadable) {
  CollectedConfig collected =
      paths.empty()
          ? collect_config_files(root, default_config_dirs(opts.flavor, opts.kmod_version), opts)
          : collect_config_files(root, paths, opts);
  std::move(collected.problems.begin(), collected.problems.end(), std::back_inserter(problems));
  for (model::ConfigFile& f : collected.files) {
    Result<std::string> data_or = read_text_file(f.path);
    if (data_or) parse(*data_or, f);
    else problems.push_back(unreadable(f, data_or.error()));
    files.push_back(std::move(f));
  }
}

ConfigLines::ConfigLines(std::string_view data, const model::ConfigFile& file,
                         std::vector<model::ConfigProblem>& problems)
    : file_(file), problems_(problems), lines_(split_wrapped_lines(data)) {}

bool ConfigLines::next() {
  while (at_ < lines_.size()) {
    const LogicalLine& l = lines_[at_++];
    std::string_view line = l.effective();
    if (l.has_nul())
      problems_.push_back(
          make_problem("nul-byte", file_.display_path, l.at(),
                       "line contains a NUL byte; kmod ignores everything after it"));
    if (line.empty() || line[0] == '#') continue;
    tok_ = Strtok(line);
    return true;
  }
  return false;
}

}  // namespace ofsck::read
