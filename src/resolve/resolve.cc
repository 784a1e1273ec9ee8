#include "resolve/resolve.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

#include <unistd.h>

#include "read/parallel.hpp"
#include "read/text/modules_files.hpp"
#include "read/text/text_util.hpp"
#include "resolve/deps.hpp"
#include "resolve/kmod_order.hpp"
#include "util/timing.hpp"

namespace ofsck::resolve {
namespace {

std::string strip_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

/// depmod -b makes the root absolute (path_make_absolute_cwd) and prints externals literally.
std::string absolute(const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof(buf))) return p;
  return std::string(buf) + "/" + p;
}

/// The single funnel for module reading (a ModuleFile cache plugs in here). Each record goes
/// straight into its ResolvedModule: no second array of records is held while the tree is read.
void read_winners(const ResolveInput& in, const std::vector<std::string>& paths,
                  std::vector<ResolvedModule>& modules) {
  const read::ModuleSink sink = [&modules](size_t i, Result<model::ModuleFile>&& r) {
    if (r) modules[i].module = std::move(*r);
    else modules[i].read_error = std::move(r.error());
  };
  const StoredRecord stored = [&modules](size_t i) -> const model::ModuleFile* {
    return modules[i].module ? &*modules[i].module : nullptr;
  };
  if (in.reader) in.reader(paths, sink, stored);
  else read::read_modules_into(paths, in.read_options, in.threads, sink);
}

/// depmod_modules_build_array() + depmod_modules_sort(): kmod hash order over names
/// (hash_new(512)), then a stable sort by modules.order index.
void order_modules(Resolution& r, const std::string& module_dir) {
  std::vector<std::string_view> names;
  names.reserve(r.selections.size());
  for (const Selection& s : r.selections) names.push_back(s.name);
  std::vector<uint32_t> hash_order = kmod_hash_iteration_order(names, 512);

  r.modules.reserve(hash_order.size());
  for (uint32_t si : hash_order) {
    const Selection& s = r.selections[si];
    ResolvedModule m;
    m.name = s.name;
    m.file = s.winner;
    m.dep_path = depmod_output_path(r.files[s.winner].kmod_path, r.kmod_dirname);
    m.order_index = 1;
    r.modules.push_back(std::move(m));
  }

  // depmod_modules_sort(): dfdopen(cfg->dirname, "modules.order").
  Result<std::string> text_or = read::read_text_file(module_dir + "/modules.order");
  if (!text_or) {
    Problem pr;
    pr.kind = ProblemKind::kModulesOrderMissing;
    pr.where = SourceRef{module_dir + "/modules.order"};
    pr.message = "modules.order cannot be read (" + text_or.error().message +
                 "): depmod leaves modules in its hash-table order";
    pr.kmod_message = "depmod: WARNING: could not open modules.order at " + r.kmod_dirname;
    r.problems.push_back(std::move(pr));
    return;
  }
  read::ModulesOrder order = read::parse_modules_order(*text_or, r.kmod_dirname);
  for (model::ConfigProblem& cp : order.problems) {
    Problem pr;
    pr.kind = cp.kind == "order-corrupted" ? ProblemKind::kModulesOrderCorrupt
                                           : ProblemKind::kModulesOrderLine;
    pr.where = std::move(cp.where);
    pr.where.path = module_dir + "/modules.order";
    pr.message = std::move(cp.message);
    pr.kmod_message = cp.kmod_message.empty() ? "" : "depmod: ERROR: " + cp.kmod_message;
    r.problems.push_back(std::move(pr));
  }
  if (order.corrupted) return;  // depmod: no sort at all
  // modules_by_uncrelpath: only winners whose path lies under cfg->dirname.
  std::unordered_map<std::string, size_t> by_uncrel;
  by_uncrel.reserve(r.modules.size() * 2);
  for (size_t i = 0; i < r.modules.size(); ++i) {
    const ScannedFile& f = r.files[r.modules[i].file];
    const std::string& rel = r.modules[i].dep_path;
    if (rel.empty() || rel[0] == '/') continue;
    size_t base = rel.size() - (f.kmod_path.size() - f.base_off);
    by_uncrel.emplace(depmod_uncrelpath(rel, base, f.stem.size()), i);
  }
  const int total = static_cast<int>(order.total);
  for (const read::OrderEntry& e : order.entries) {
    auto it = by_uncrel.find(e.relpath);
    if (it == by_uncrel.end()) continue;
    r.modules[it->second].order_index = static_cast<int>(e.idx) - total;  // last line wins
  }
  std::stable_sort(r.modules.begin(), r.modules.end(),
                   [](const ResolvedModule& a, const ResolvedModule& b) {
                     return a.order_index < b.order_index;
                   });
}

}  // namespace

Result<Resolution> resolve_tree(const ResolveInput& in) {
  Resolution r;
  PhaseTimer timer;
  std::string root = strip_trailing_slashes(absolute(in.root));
  std::string moddir = strip_trailing_slashes(in.moddir);
  std::string module_dir = root + moddir + "/" + in.kver;
  // cfg->dirname: what depmod -b prints and compares against. When externals are re-rooted we
  // model the booted image, so paths are spelled as on the target system.
  r.kmod_dirname = in.reroot_externals ? moddir + "/" + in.kver : module_dir;

  ScanOptions so;
  so.module_dir = module_dir;
  so.kmod_dirname = r.kmod_dirname;
  so.root = root;
  so.reroot_externals = in.reroot_externals;
  so.gzip_supported = in.gzip_supported;
  so.config = &in.config;
  Result<ScanResult> scan_or = scan_tree(so);
  if (!scan_or) return tl::unexpected(scan_or.error());
  r.files = std::move(scan_or->files);
  r.problems = std::move(scan_or->problems);
  timer.lap("resolve: scan");

  SelectResult sel = select_winners(r.files, in.config, r.kmod_dirname);
  r.selections = std::move(sel.selections);
  r.problems.insert(r.problems.end(), std::make_move_iterator(sel.problems.begin()),
                    std::make_move_iterator(sel.problems.end()));

  order_modules(r, module_dir);
  r.module_by_name.reserve(r.modules.size() * 2);
  for (size_t i = 0; i < r.modules.size(); ++i)
    r.module_by_name.emplace(r.modules[i].name, static_cast<int>(i));
  timer.lap("resolve: select + order");

  // depmod reads only the winners.
  std::vector<std::string> paths;
  paths.reserve(r.modules.size());
  for (const ResolvedModule& m : r.modules) paths.push_back(r.files[m.file].path);
  read_winners(in, paths, r.modules);
  for (size_t i = 0; i < r.modules.size(); ++i) {
    const std::optional<Error>& e = r.modules[i].read_error;
    if (!e) continue;
    Problem pr;
    pr.kind = ProblemKind::kModuleReadError;
    pr.where = e->where;
    if (pr.where.path.empty()) pr.where.path = paths[i];
    pr.subject = r.modules[i].name;
    pr.message = e->message + " (depmod still lists the module, without exports or dependencies)";
    r.problems.push_back(std::move(pr));
  }

  timer.lap("resolve: read modules");
  build_symbol_table(r, in.await_symvers ? *in.await_symvers() : in.symvers);
  compute_dependencies(r);
  timer.lap("resolve: symbols + deps");
  return r;
}

std::string render_modules_dep(const Resolution& r) {
  if (has_dependency_cycle(r)) return {};  // depmod_load() failed: nothing is written
  std::string out;
  out.reserve(r.modules.size() * 96);
  for (size_t i = 0; i < r.modules.size(); ++i) {
    out += r.modules[i].dep_path;
    out += ':';
    for (int d : r.deps[i].all) {
      out += ' ';
      out += r.modules[d].dep_path;
    }
    out += '\n';
  }
  return out;
}

}  // namespace ofsck::resolve
