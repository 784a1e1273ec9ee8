// modprobe on a prepared root (see modprobe_closure.hpp). The lookup order and the probe list
// live in resolve/modprobe; this file only says where each index comes from on the root.
#include "check/modprobe_closure.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"
#include "read/parallel.hpp"
#include "read/text/modprobe_conf.hpp"
#include "read/text/modules_files.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::check {

namespace {

/// The target-system module dir, as the config's paths name it (/lib/modules/<kver>).
std::string target_module_dir(const Node& p) { return p.moddir + "/" + p.kernel.release; }

/// What depmod's output_softdeps() writes now: one (module, value) per softdep= value.
std::vector<std::pair<std::string, std::string>> depmod_softdeps(const Node& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : p.resolution.modules)
    if (m.module)
      for (const auto& v : m.module->info.softdep) out.emplace_back(m.name, v);
  return out;
}

}  // namespace

std::vector<model::ModprobeAlias> load_aliases(const Node& p, std::string& source) {
  const std::string path = p.module_dir + "/modules.alias";
  if (Result<std::string> text = read::read_text_file(path); text) {
    model::ModprobeConfig cfg;
    model::ConfigFile f;
    f.path = f.display_path = path;
    read::parse_modprobe_conf(*text, f, cfg, p.modprobe_config.kmod_version.major);
    source = path;
    return std::move(cfg.aliases);
  }
  std::vector<std::string> paths;
  std::vector<size_t> owner;
  for (size_t i = 0; i < p.resolution.modules.size(); ++i) {
    paths.push_back(p.resolution.files[p.resolution.modules[i].file].path);
    owner.push_back(i);
  }
  read::ReadOptions ro;
  ro.modinfo_text = true;
  std::vector<model::ModprobeAlias> out;
  auto read = read::read_modules_parallel(paths, ro);
  for (size_t i = 0; i < read.size(); ++i) {
    if (!read[i]) continue;
    for (const std::string& a : read[i]->info.alias)
      if (std::optional<std::string> n = read::kmod_alias_normalize(a))
        out.push_back({std::move(*n), p.resolution.modules[owner[i]].name, {}});
  }
  source = "the modules' alias= fields (no modules.alias in " + p.module_dir + ")";
  return out;
}

resolve::BuiltinIndex load_builtin(const Node& p) {
  resolve::BuiltinIndex b;
  b.list_path = p.module_dir + "/modules.builtin";
  if (Result<std::string> text = read::read_text_file(b.list_path); text) {
    b.have_list = true;
    for (auto& e : read::parse_modules_builtin(*text, b.list_path).modules)
      b.names.insert(std::move(e.name));
  }
  const std::string modinfo = p.module_dir + "/modules.builtin.modinfo";
  if (Result<std::string> data = read::read_text_file(modinfo); data) {
    b.have_modinfo = true;
    for (auto& r : read::parse_modules_builtin_modinfo(*data, modinfo).records) {
      b.modinfo_names.insert(model::normalize_name(r.module));
      // output_builtin_alias_bin(): alias= records, normalised; depmod writes this index only
      // from modules.builtin.modinfo.
      if (r.key != "alias") continue;
      if (std::optional<std::string> n = read::kmod_alias_normalize(r.value))
        b.aliases.push_back({std::move(*n), model::normalize_name(r.module), {}});
    }
  }
  return b;
}

namespace {

/// OFS305 for a name no lookup finds, with what the root's builtin files say about it.
Finding not_found(const Node& p, const ModprobeView& view, const std::string& want,
                  const std::string& norm) {
  Finding f =
      make_finding(kModuleNotFound, want, fmt::format("module {} is not in the tree", want));
  f.modprobe_message = fmt::format("modprobe: FATAL: Module {} not found in directory {}", want,
                                   p.moddir + "/" + p.kernel.release);
  const resolve::BuiltinIndex& b = view.builtin();
  if (!b.have_list) {
    f.notes.push_back(fmt::format(
        "there is no {}: depmod then writes an empty modules.builtin.bin, and modprobe knows "
        "no built-in module",
        b.list_path));
    if (b.modinfo_names.count(norm)) {
      f.notes.push_back(fmt::format("the kernel has {} built in (modules.builtin.modinfo lists "
                                    "it), so its function is there; only modprobe fails",
                                    norm));
      f.hint = "install the package that ships modules.builtin (Debian 7.x: linux-base-" +
               p.kernel.release + "; before: linux-image-" + p.kernel.release +
               "), then run depmod";
    }
  }
  return f;
}

}  // namespace

std::vector<Finding> lookup_findings(const Node& p, const ModprobeView& view,
                                     const std::string& name, const ModprobeTarget& target) {
  std::vector<Finding> out;
  const resolve::Lookup& l = target.probe.lookup;
  if (l.hits.empty()) {
    out.push_back(not_found(p, view, name, l.name));
    return out;
  }
  for (const resolve::LookupHit& h : l.hits) {
    if (h.builtin) {
      Finding f = make_finding(
          kBuiltinModule, name,
          h.module == l.name
              ? fmt::format("{} is built into the kernel ({}): modprobe {} inserts nothing and "
                            "succeeds",
                            h.module, to_string(l.source), name)
              : fmt::format("{} is {}, built into the kernel ({}): modprobe {} inserts nothing "
                            "and succeeds",
                            name, h.module, to_string(l.source), name));
      if (!h.where.path.empty()) f.where.push_back(h.where);
      out.push_back(std::move(f));
    } else if (!h.exists && h.install.empty()) {
      // kmod_module_insert_module(): no path → "could not find module by name" → -ENOENT.
      Finding f = make_finding(kModuleNotFound, name,
                               fmt::format("modprobe {} loads {} ({}), which is not in the tree",
                                           name, h.module, to_string(l.source)));
      if (!h.where.path.empty()) f.where.push_back(h.where);
      f.modprobe_message = fmt::format(
          "modprobe: ERROR: could not insert '{}': Unknown symbol in module, or unknown "
          "parameter (see dmesg)",
          h.module);
      f.notes.push_back(
          fmt::format("libkmod prints: could not find module by name='{}'", h.module));
      if (l.source == resolve::LookupSource::kConfigAlias)
        f.notes.push_back("a modprobe.d alias is looked up before modules.dep: it wins even "
                          "where a module of that name exists");
      out.push_back(std::move(f));
    }
  }
  return out;
}

ModprobeView::ModprobeView(const Node& p, bool keep_on_disk_softdep) : p_(p) {
  if (!p.modprobe_indexes)
    throw std::logic_error("ModprobeView: the node of " + p.module_dir +
                           " was prepared without ReadSettings::modprobe_indexes");
  const auto& res = p.resolution;
  ix_.config = &p.modprobe_config;
  ix_.softdeps = resolve::effective_softdeps(p.modprobe_config, target_module_dir(p),
                                             depmod_softdeps(p), keep_on_disk_softdep);
  ix_.module_deps = [this](const std::string& name) -> const std::vector<std::string>* {
    const auto& r = p_.resolution;
    auto it = r.module_by_name.find(name);
    if (it == r.module_by_name.end()) return nullptr;
    auto [slot, fresh] = deps_.try_emplace(name);
    if (fresh)
      for (int d : r.deps[static_cast<size_t>(it->second)].all)
        slot->second.push_back(r.modules[static_cast<size_t>(d)].name);
    return &slot->second;
  };
  ix_.symbol_owner = [&res](const std::string& symbol) -> std::string {
    auto it = res.symbols.symbols.find(symbol);
    if (it == res.symbols.symbols.end() || it->second.owner < 0) return {};
    return res.modules[static_cast<size_t>(it->second.owner)].name;
  };
  ix_.module_aliases = [this]() -> const std::vector<model::ModprobeAlias>& {
    return p_.modprobe_indexes->aliases;
  };
  ix_.builtin = [this]() -> const resolve::BuiltinIndex& { return builtin(); };
}

const std::string& ModprobeView::alias_source() const { return p_.modprobe_indexes->alias_source; }

const resolve::BuiltinIndex& ModprobeView::builtin() const { return p_.modprobe_indexes->builtin; }

ModprobeTarget modprobe_target(const ModprobeView& view, const Node& p, const std::string& name) {
  ModprobeTarget t;
  t.probe = resolve::probe_list(view.index(), name);
  for (const resolve::ProbeStep& s : t.probe.steps) {
    auto it = p.resolution.module_by_name.find(s.module);
    if (it != p.resolution.module_by_name.end())
      t.modules.push_back(static_cast<size_t>(it->second));
  }
  return t;
}

const model::ModprobeSoftdep* modprobe_softdep_line(const ModprobeView& view,
                                                    const std::string& module) {
  return resolve::softdep_line(view.index(), module);
}

}  // namespace ofsck::check
