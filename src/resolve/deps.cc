#include "resolve/deps.hpp"

#include <algorithm>
#include <list>
#include <set>
#include <string_view>

namespace ofsck::resolve {
namespace {

void add_symbol(SymbolTable& t, const std::string& name, uint64_t crc, int owner,
                Symbol::Source src) {
  // depmod_symbol_add() → hash_add(): an equal key is replaced (last writer wins).
  auto [it, fresh] = t.symbols.try_emplace(name);
  Symbol& s = it->second;
  if (!fresh) {
    if (s.owner >= 0) s.shadowed.push_back(s.owner);
    else if (src == Symbol::Source::kModule) s.shadowed_vmlinux = true;
  }
  s.source = src;
  s.crc = crc;
  s.owner = owner;
}

}  // namespace

std::string depmod_output_path(const std::string& kmod_path, const std::string& dirname) {
  // depmod_module_add(): relpath only when the path is cfg->dirname + '/' + ...
  if (kmod_path.size() > dirname.size() && kmod_path.compare(0, dirname.size(), dirname) == 0 &&
      kmod_path[dirname.size()] == '/')
    return kmod_path.substr(dirname.size() + 1);
  return kmod_path;
}

void build_symbol_table(Resolution& r, const std::optional<model::Symvers>& symvers) {
  SymbolTable& t = r.symbols;
  t.symbols.reserve(32768);
  if (symvers) {
    t.have_kernel_symbols = true;
    t.check_crcs = symvers->layout != model::SymversLayout::kSystemMap;
    for (const model::SymversEntry& e : symvers->entries) {
      if (t.check_crcs) {
        // depmod_load_symvers(): strtok(" \t") collapses empty columns, so on 5.4–5.9 layouts a
        // non-empty namespace lands in the `where` slot and the line is dropped.
        if (symvers->layout == model::SymversLayout::k54to59 && !e.ns.empty()) continue;
        if (e.module != "vmlinux") continue;
      }
      add_symbol(t, e.name, e.crc.value_or(0), -1, Symbol::Source::kVmlinux);
    }
    // depmod_add_fake_syms()
    add_symbol(t, "__this_module", 0, -1, Symbol::Source::kFake);
    add_symbol(t, "_GLOBAL_OFFSET_TABLE_", 0, -1, Symbol::Source::kFake);
    if (!t.symbols.count("TOC.")) add_symbol(t, "TOC.", 0, -1, Symbol::Source::kFake);
  }
  // depmod_load_modules(): exports of every winner in array order. libkmod's
  // kmod_elf_get_symbols() lists the __crc_* symbols when there are any, and otherwise every
  // string of __ksymtab_strings with CRC 0 (which includes namespace names).
  for (size_t m = 0; m < r.modules.size(); ++m) {
    const ResolvedModule& mod = r.modules[m];
    if (!mod.module) continue;
    const auto& exports = mod.module->exports;
    bool any_crc = std::any_of(exports.begin(), exports.end(),
                               [](const model::Export& e) { return e.crc.has_value(); });
    int owner = static_cast<int>(m);
    if (any_crc) {
      for (const model::Export& e : exports)
        if (e.crc) add_symbol(t, e.name, *e.crc, owner, Symbol::Source::kModule);
    } else {
      for (const model::Export& e : exports) {
        add_symbol(t, e.name, 0, owner, Symbol::Source::kModule);
        if (!e.ns.empty()) add_symbol(t, e.ns, 0, owner, Symbol::Source::kModule);
      }
    }
  }
}

namespace {

/// One problem per cycle, named as depmod names it: from the module its walk started at, in
/// dependency order, back to that module.
void cycle_problem(Resolution& r, int first, const std::string& chain) {
  Problem pr;
  pr.kind = ProblemKind::kDependencyCycle;
  pr.subject = r.modules[first].name;
  pr.where.path = r.files[r.modules[first].file].path;
  pr.message = "modules depend on each other in a cycle: " + chain +
               "; depmod stops and writes no index (modules.dep, modules.alias, ...)";
  pr.kmod_message = "depmod: ERROR: Cycle detected: " + chain;
  r.problems.push_back(std::move(pr));
}

/// depmod_report_cycles(), kmod v30 (v34 is the same), including its traversal quirks: roots
/// are the modules left with users after the sort, in array order; each walk is a DFS over
/// m->deps in insertion order, and `visited` is never cleared between roots.
void report_cycles(Resolution& r, const std::vector<uint32_t>& users) {
  const size_t n = r.modules.size();
  std::list<int> roots;
  for (size_t i = 0; i < n; ++i)
    if (users[i] > 0) roots.push_back(static_cast<int>(i));
  const size_t stack_size = roots.size();
  std::vector<char> visited(n, 0);
  std::set<std::string> loop_set;
  struct Vertex {
    int parent;
    int mod;
  };
  auto remove_root = [&](int m) {
    auto it = std::find(roots.begin(), roots.end(), m);
    if (it != roots.end()) roots.erase(it);
  };
  bool gave_up = false;
  while (!roots.empty() && !gave_up) {
    int root_mod = roots.front();
    roots.pop_front();
    std::vector<Vertex> vertices{{-1, root_mod}};
    std::vector<int> stack{0};
    size_t steps = 0;
    while (!stack.empty()) {
      if (++steps > 4 * n * n + 1000 || stack.size() > stack_size + 1) {
        // depmod loops forever here (a cycle reachable from a non-cycle root) or trips its
        // stack assert; we stop and say so.
        Problem pr;
        pr.kind = ProblemKind::kDependencyCycle;
        pr.subject = r.modules[root_mod].name;
        pr.message = "depmod's cycle report would not terminate (or would assert) starting at " +
                     r.modules[root_mod].name;
        r.problems.push_back(std::move(pr));
        gave_up = true;
        break;
      }
      int vi = stack.back();
      stack.pop_back();
      int m = vertices[vi].mod;
      if (visited[m] && m == root_mod) {
        // depmod_report_one_cycle(): root -> ... -> parent -> root
        std::vector<int> chain;
        for (int v = vertices[vi].parent; v >= 0; v = vertices[v].parent) {
          chain.push_back(vertices[v].mod);
          loop_set.insert(r.modules[vertices[v].mod].name);
        }
        std::string buf;
        for (size_t k = chain.size(); k-- > 0;) {
          buf += r.modules[chain[k]].name + " -> ";
          remove_root(chain[k]);
        }
        buf += r.modules[m].name;
        r.cycle_messages.push_back("Cycle detected: " + buf);
        cycle_problem(r, chain.back(), buf);
        continue;
      }
      visited[m] = 1;
      if (r.deps[m].direct.empty()) {
        remove_root(m);
        continue;
      }
      for (int dep : r.deps[m].direct) {
        vertices.push_back({vi, dep});
        stack.push_back(static_cast<int>(vertices.size() - 1));
      }
    }
  }
  if (gave_up) return;  // depmod never gets to its summary line
  r.cycle_messages.push_back("Found " + std::to_string(loop_set.size()) +
                             " modules in dependency cycles!");
}

}  // namespace

bool has_dependency_cycle(const Resolution& r) {
  return std::any_of(r.deps.begin(), r.deps.end(),
                     [](const ModuleDeps& d) { return d.topo_index < 0; });
}

namespace {

/// depmod_load_module_dependencies(): one edge per import to the module that exports it (the
/// unknown-symbol and CRC warnings on the way); `users` counts each module's users.
void add_symbol_edges(Resolution& r, std::vector<uint32_t>& users) {
  const SymbolTable& t = r.symbols;
  // Imports in libkmod order (symtab, then __versions-only).
  for (size_t m = 0; m < r.modules.size(); ++m) {
    const ResolvedModule& mod = r.modules[m];
    if (!mod.module) continue;
    const std::string& path = r.files[mod.file].kmod_path;
    std::vector<int>& direct = r.deps[m].direct;
    for (const model::Import& imp : mod.module->imports) {
      if (imp.name.empty()) continue;
      auto it = t.symbols.find(imp.name);
      const uint64_t crc = imp.crc.value_or(0);
      if (it == t.symbols.end()) {
        if (t.have_kernel_symbols && !imp.weak) {
          DepWarning w;
          w.kind = DepWarning::Kind::kUnknownSymbol;
          w.module = static_cast<int>(m);
          w.symbol = imp.name;
          w.expected_crc = crc;
          w.kmod_message = "depmod: WARNING: " + path + " needs unknown symbol " + imp.name;
          r.warnings.push_back(std::move(w));
        }
        continue;
      }
      const Symbol& sym = it->second;
      if (t.check_crcs && sym.crc != crc && !imp.weak) {
        DepWarning w;
        w.kind = DepWarning::Kind::kCrcMismatch;
        w.module = static_cast<int>(m);
        w.symbol = imp.name;
        w.expected_crc = crc;
        w.actual_crc = sym.crc;
        w.owner = sym.owner;
        w.kmod_message =
            "depmod: WARNING: " + path + " disagrees about version of symbol " + imp.name;
        r.warnings.push_back(std::move(w));
      }
      // mod_add_dependency(): array_append_unique; the edge is kept despite a CRC mismatch.
      if (sym.owner < 0) continue;
      if (std::find(direct.begin(), direct.end(), sym.owner) != direct.end()) continue;
      direct.push_back(sym.owner);
      ++users[sym.owner];
    }
  }
}

}  // namespace

void compute_dependencies(Resolution& r) {
  const size_t n = r.modules.size();
  r.deps.assign(n, {});
  std::vector<uint32_t> users(n, 0);
  add_symbol_edges(r, users);

  // depmod_calculate_dependencies(): roots = modules without users in array order, taken from
  // the end (a stack); dependencies pushed in edge insertion order.
  std::vector<uint32_t> left = users;
  std::vector<int> roots;
  roots.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (left[i] == 0) roots.push_back(static_cast<int>(i));
  int n_sorted = 0;
  while (!roots.empty()) {
    int src = roots.back();
    roots.pop_back();
    r.deps[src].topo_index = n_sorted++;
    for (int dst : r.deps[src].direct)
      if (--left[dst] == 0) roots.push_back(dst);
  }
  if (static_cast<size_t>(n_sorted) < n) {
    report_cycles(r, left);
    return;
  }
  auto by_topo = [&](int a, int b) { return r.deps[a].topo_index < r.deps[b].topo_index; };
  for (ModuleDeps& d : r.deps) std::sort(d.direct.begin(), d.direct.end(), by_topo);
  // mod_get_all_sorted_dependencies(): the unique transitive set, sorted by dep_sort_idx.
  std::vector<uint32_t> stamp(n, 0);
  std::vector<int> work;
  for (size_t m = 0; m < n; ++m) {
    const uint32_t tag = static_cast<uint32_t>(m + 1);
    std::vector<int>& all = r.deps[m].all;
    work.assign(r.deps[m].direct.begin(), r.deps[m].direct.end());
    while (!work.empty()) {
      int d = work.back();
      work.pop_back();
      if (stamp[d] == tag) continue;
      stamp[d] = tag;
      all.push_back(d);
      for (int dd : r.deps[d].direct)
        if (stamp[dd] != tag) work.push_back(dd);
    }
    std::sort(all.begin(), all.end(), by_topo);
  }
}

}  // namespace ofsck::resolve
