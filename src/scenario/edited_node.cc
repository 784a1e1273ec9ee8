// EditedNode (scenario/edited_node.hpp): the edited depmod.d file re-parsed into the node's
// configuration, the tree resolved again from the records already read, the node's derived
// reads re-mapped onto the new resolution.
#include "scenario/edited_node.hpp"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

#include "check/firmware.hpp"
#include "read/parallel.hpp"
#include "read/text/depmod_conf.hpp"
#include "read/text/text_util.hpp"
#include "resolve/resolve.hpp"

namespace ofsck::scenario {

namespace {

std::string_view basename_of(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

/// Appends the entries of `v` that `file` (display path) gave.
template <class T>
void copy_of_file(const std::vector<T>& v, const std::string& file, std::vector<T>& out) {
  for (const T& x : v)
    if (x.where.path == file) out.push_back(x);
}

/// The file list with `display` (an edited file, or a new one in /etc/depmod.d) in it, as
/// depmod's cfg_files_insert_sorted() orders it: by basename; a file of the same basename in a
/// lower-precedence directory is shadowed by it.
std::vector<model::ConfigFile> with_file(std::vector<model::ConfigFile> files,
                                         const std::string& display, const std::string& host) {
  for (auto& f : files)
    if (f.display_path == display) return files;
  std::string_view base = basename_of(display);
  for (auto& f : files) {
    if (basename_of(f.display_path) != base) continue;
    f.shadowed.push_back(f.display_path);
    f.path = host;
    f.display_path = display;
    return files;
  }
  auto at = std::find_if(files.begin(), files.end(), [&](const model::ConfigFile& f) {
    return basename_of(f.display_path) > base;
  });
  files.insert(at, model::ConfigFile{host, display, {}});
  return files;
}

/// `old` with the entries of file `display` replaced by those of `text` (the other files'
/// entries are kept as they were read: parse order is file order, so each file's entries are
/// one run of each list).
model::DepmodConfig edited_config(const model::DepmodConfig& old, const std::string& display,
                                  const std::string& host, std::string_view text,
                                  std::string_view kver) {
  model::DepmodConfig cfg;
  cfg.kmod_version = old.kmod_version;
  cfg.files = with_file(old.files, display, host);
  // Directory-level problems first, as load_config_files() reports them.
  for (const auto& p : old.problems) {
    bool of_file = std::any_of(old.files.begin(), old.files.end(),
                               [&](const auto& f) { return f.display_path == p.where.path; });
    if (!of_file) cfg.problems.push_back(p);
  }
  for (const model::ConfigFile& f : cfg.files) {
    if (f.display_path == display) {
      read::parse_depmod_conf(text, f, kver, cfg);
      continue;
    }
    copy_of_file(old.search, f.display_path, cfg.search);
    copy_of_file(old.overrides, f.display_path, cfg.overrides);
    copy_of_file(old.externals, f.display_path, cfg.externals);
    copy_of_file(old.excludes, f.display_path, cfg.excludes);
    copy_of_file(old.problems, f.display_path, cfg.problems);
  }
  if (cfg.search.empty()) {  // depmod's cfg_load(), as load_depmod_config()
    cfg.search_defaulted = true;
    cfg.search.push_back({"updates", SourceRef{}});
  }
  return cfg;
}

/// The module records the node holds, by path: winners (read or not) and readable losers.
class Records {
 public:
  explicit Records(const check::Node& n) {
    const auto& res = n.resolution;
    for (const auto& m : res.modules) {
      by_path_[res.files[m.file].path] = {m.module ? &*m.module : nullptr,
                                          m.read_error ? &*m.read_error : nullptr};
      if (m.module && m.module->sig.kind != model::SigKind::kNone)
        digests_ = digests_ || !m.module->sig.content_digest.empty();
    }
    for (const auto& l : n.losers) by_path_[res.files[l.file].path] = {&l.module, nullptr};
  }

  /// resolve::ModuleReader: the records held; a file not held, or a signed one held without
  /// the digest the winners were read with, is read (and counted).
  void read(const std::vector<std::string>& paths, const read::ModuleSink& sink,
            EditStats& stats) const {
    std::vector<std::string> misses;
    std::vector<size_t> at;
    for (size_t i = 0; i < paths.size(); ++i) {
      auto it = by_path_.find(paths[i]);
      const Held* h = it == by_path_.end() ? nullptr : &it->second;
      if (h && h->module &&
          !(digests_ && h->module->sig.kind != model::SigKind::kNone &&
            h->module->sig.content_digest.empty()))
        sink(i, model::ModuleFile(*h->module));
      else if (h && h->error) sink(i, tl::unexpected(*h->error));
      else {
        at.push_back(i);
        misses.push_back(paths[i]);
      }
    }
    if (misses.empty()) return;
    read::ReadOptions ro;
    ro.signed_digest = digests_;
    ro.modinfo_text = false;
    read::read_modules_into(misses, ro, 1, [&](size_t k, Result<model::ModuleFile>&& r) {
      sink(at[k], std::move(r));
    });
    stats.module_reads += misses.size();
  }

 private:
  struct Held {
    const model::ModuleFile* module = nullptr;
    const Error* error = nullptr;
  };
  std::unordered_map<std::string, Held> by_path_;
  bool digests_ = false;  ///< the node's signed files were read with their content digests
};

/// The node's losers and missing firmware for resolution `res` (the node still holds the old
/// one): records and answers already held are re-used; firmware of a new winner is looked up.
void derive_reads(const check::Node& n, check::Node& out) {
  const auto& res = out.resolution;
  std::unordered_map<std::string, const model::ModuleFile*> held;
  for (const auto& m : res.modules)
    if (m.module) held[res.files[m.file].path] = &*m.module;
  for (const auto& l : n.losers) held.emplace(n.resolution.files[l.file].path, &l.module);
  for (const auto& m : n.resolution.modules)
    if (m.module) held.emplace(n.resolution.files[m.file].path, &*m.module);
  for (const auto& sel : res.selections)
    for (const auto& l : sel.losers)
      if (auto it = held.find(res.files[l.file].path); it != held.end())
        out.losers.push_back({l.file, *it->second});
  std::unordered_map<std::string, size_t> old_index;
  for (size_t i = 0; i < n.resolution.modules.size(); ++i)
    old_index[n.resolution.files[n.resolution.modules[i].file].path] = i;
  out.missing_firmware.assign(res.modules.size(), {});
  std::unique_ptr<check::DiskFirmware> disk;
  for (size_t i = 0; i < res.modules.size(); ++i) {
    auto it = old_index.find(res.files[res.modules[i].file].path);
    if (it != old_index.end() && it->second < n.missing_firmware.size()) {
      out.missing_firmware[i] = n.missing_firmware[it->second];
      continue;
    }
    if (!res.modules[i].module) continue;
    if (!disk) disk = std::make_unique<check::DiskFirmware>(n.root, n.kernel.release);
    for (const auto& fw : res.modules[i].module->info.firmware)
      if (!disk->exists(fw)) out.missing_firmware[i].push_back(fw);
  }
}

/// A signed winner in a node whose image keys were never read (nothing was signed): its
/// verdict needs keys the node does not hold.
bool needs_unread_keys(const check::Node& n, const resolve::Resolution& res) {
  if (n.kernel.image_read || n.kernel.image_path.empty()) return false;
  return std::any_of(res.modules.begin(), res.modules.end(), [](const auto& m) {
    return m.module && m.module->sig.kind != model::SigKind::kNone;
  });
}

}  // namespace

Result<std::string> edited_text(const std::string& file, uint32_t line, const std::string& with) {
  std::error_code ec;
  if (line == 0 && !std::filesystem::exists(file, ec)) return with + "\n";
  auto text = read::read_text_file(file);
  if (!text) return tl::unexpected(text.error());
  if (line == 0) return *text + (text->empty() || text->ends_with("\n") ? "" : "\n") + with + "\n";
  std::string out;
  uint32_t n = 1;
  size_t pos = 0;
  bool done = false;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    size_t end = nl == std::string::npos ? text->size() : nl + 1;
    if (n == line) {
      out += with + "\n";
      done = true;
    } else {
      out.append(*text, pos, end - pos);
    }
    pos = end;
    ++n;
  }
  if (!done) return make_error(ErrorCode::kMalformed, fmt::format("no line {}", line), {file});
  return out;
}

Result<std::unique_ptr<EditedNode>> EditedNode::apply(check::Node& node,
                                                      const check::ConfigEdit& edit,
                                                      unsigned threads, EditStats& stats) {
  if (!node.evaluable || !node.depmod_symvers)
    return make_error(ErrorCode::kUsage, "the node was not prepared for evaluation");
  const std::string& display = edit.where.path;
  const std::string host = node.root + display;
  ++stats.config_reads;
  auto text = edited_text(host, edit.where.line, edit.line);
  if (!text) return tl::unexpected(text.error());
  std::unique_ptr<EditedNode> e(new EditedNode(node));
  check::Node& fresh = e->saved_;
  fresh.depmod_config =
      edited_config(node.depmod_config, display, host, *text, node.kernel.release);
  const Records records(node);
  resolve::ResolveInput ri;
  ri.root = node.root;
  ri.moddir = node.moddir;
  ri.kver = node.kernel.release;
  ri.config = fresh.depmod_config;
  ri.await_symvers = [&node] { return node.depmod_symvers.get(); };
  ri.threads = threads;
  ri.reader = [&](const std::vector<std::string>& paths, const read::ModuleSink& sink,
                  const resolve::StoredRecord&) { records.read(paths, sink, stats); };
  auto res = resolve::resolve_tree(ri);
  if (!res) return tl::unexpected(res.error());
  if (needs_unread_keys(node, *res))
    return make_error(ErrorCode::kUnsupported,
                      "it makes a signed file win where no module was signed, and the kernel "
                      "image's keys were not read");
  fresh.resolution = std::move(*res);
  derive_reads(node, fresh);
  ++stats.edits;
  e->swap_in(node);
  return e;
}

void EditedNode::swap_in(check::Node& other) {
  std::swap(other.depmod_config, saved_.depmod_config);
  std::swap(other.resolution, saved_.resolution);
  std::swap(other.losers, saved_.losers);
  std::swap(other.missing_firmware, saved_.missing_firmware);
}

EditedNode::~EditedNode() { swap_in(node_); }

}  // namespace ofsck::scenario
