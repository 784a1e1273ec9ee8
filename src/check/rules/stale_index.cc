// OFS103 stale-index: modprobe reads <module dir>/modules.dep.bin, not the tree. When it differs
// from what depmod would write now (a module copied in by hand, a package whose scripts did not
// run depmod), modprobe uses the old answer until `depmod -a` runs. prepare() read the index
// (Node::dep_index).
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

void add_stale_index_findings(const Node& p, DiagnosticSink& sink) {
  const auto& res = p.resolution;
  const std::string bin = p.module_dir + "/modules.dep.bin";
  Finding f = make_finding(kStaleIndex, p.kernel.release, "");
  if (!p.dep_index.exists) {
    // OFS112, not OFS103: a missing index is a warning (package scripts create it).
    f = make_finding(kIndexMissing, p.kernel.release,
                     "there is no modules.dep.bin: modprobe will find no module of this kernel "
                     "until `depmod -a` runs (package scripts normally run it)");
    f.where.push_back(SourceRef{bin});
    f.hint = fmt::format("depmod -a {}", p.kernel.release);
    sink.add(std::move(f));
    return;
  }
  const auto& idx = p.dep_index.index;
  if (!idx) {
    f.where.push_back(SourceRef{bin});
    f.message = "modules.dep.bin cannot be read: " + idx.error().message;
    f.hint = fmt::format("depmod -a {}", p.kernel.release);
    sink.add(std::move(f));
    return;
  }
  std::vector<std::string> diffs;
  size_t count = 0;
  for (size_t i = 0; i < res.modules.size(); ++i) {
    const auto& m = res.modules[i];
    auto it = idx->modules.find(m.name);
    std::string d;
    if (it == idx->modules.end()) {
      d = fmt::format("{}: {} is not in the index (modprobe: Module {} not found)", m.name,
                      m.dep_path, m.name);
    } else if (it->second.path != m.dep_path) {
      d = fmt::format("{}: modprobe loads {}, depmod would now choose {}", m.name, it->second.path,
                      m.dep_path);
    } else {
      std::vector<std::string> want;
      for (int dep : res.deps[i].all)
        want.push_back(res.modules[static_cast<size_t>(dep)].dep_path);
      if (want != it->second.deps)
        d = fmt::format("{}: its dependency list in the index differs from the tree's", m.name);
    }
    if (!d.empty()) {
      ++count;
      f.set("modules", m.name);
      if (diffs.size() < 8) diffs.push_back(std::move(d));
    }
  }
  for (const auto& [name, e] : idx->modules) {
    if (res.module_by_name.count(name)) continue;
    ++count;
    f.set("modules", name);
    if (diffs.size() < 8)
      diffs.push_back(fmt::format("{}: the index still lists {}, which is gone", name, e.path));
  }
  if (count == 0) return;
  f.where.push_back(SourceRef{bin});
  f.message = fmt::format("modules.dep.bin is stale: {} module{} differ from what depmod would "
                          "write now; modprobe uses the index",
                          count, count == 1 ? "" : "s");
  f.notes = std::move(diffs);
  if (count > f.notes.size())
    f.notes.push_back(fmt::format("… and {} more", count - f.notes.size()));
  f.hint = fmt::format("depmod -a {}", p.kernel.release);
  sink.add(std::move(f));
}

}  // namespace ofsck::check
