// OFS604 blacklist-bypassed: no message; kmod applies a modprobe.d `blacklist NAME` only to a
// module found through an alias: kmod_module_probe_insert_module() returns
// KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY (modprobe always sets it; -b adds the name itself) before
// building the probe list, and the probe list (modules.dep dependencies, softdeps) is never
// filtered. So a blacklisted module still loads whenever a module that needs it loads.
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

std::vector<std::string> hard_dependents(const Node& p, size_t module) {
  std::vector<std::string> out;
  const auto& res = p.resolution;
  for (size_t j = 0; j < res.deps.size(); ++j)
    for (int d : res.deps[j].all)
      if (static_cast<size_t>(d) == module && j != module) out.push_back(res.modules[j].name);
  return out;
}

void add_blacklist_bypassed_findings(const Node& p, const std::vector<size_t>& subjects,
                                     DiagnosticSink& sink) {
  if (p.modprobe_config.blacklist.empty()) return;
  for (size_t i : subjects) {
    const std::string& name = p.resolution.modules[i].name;
    for (const auto& b : p.modprobe_config.blacklist) {
      if (b.modname != name) continue;
      const std::vector<std::string> needers = hard_dependents(p, i);
      if (needers.empty()) continue;
      std::string list;
      for (size_t k = 0; k < needers.size() && k < 8; ++k) list += (k ? ", " : "") + needers[k];
      if (needers.size() > 8) list += ", ...";
      Finding f = make_finding(
          kBlacklistBypassed, name,
          fmt::format("{} is blacklisted but still loads as a hard dependency of {} module{} ({}): "
                      "blacklist applies only to alias lookups",
                      name, needers.size(), needers.size() == 1 ? "" : "s", list));
      f.where.push_back(b.where);
      f.set("module", name);
      for (const auto& n : needers) f.set("dependents", n);
      f.notes.push_back("udev's modalias loads and `modprobe ALIAS` skip it; `modprobe " + name +
                        "` by name, the kernel's request_module(\"" + name +
                        "\") and its dependents load it");
      f.hint =
          "to keep it out entirely: `install " + name +
          " /bin/false` (modprobe of it and of its dependents fails), or module_blacklist=" + name +
          " on the kernel command line";
      sink.add(std::move(f));
    }
  }
}

}  // namespace ofsck::check
