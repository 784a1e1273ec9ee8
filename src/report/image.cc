#include "report/image.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

std::string render_image_text(const check::ImageReport& r, const TextOptions& o) {
  std::string out = fmt::format("image {}: kernel {}, {} entries\n", esc(r.image),
                                esc(r.kernel_release), r.entries);
  for (const auto& p : r.parts) out += "  part " + escape(p) + "\n";
  out +=
      fmt::format("  module dir: {}{}\n", esc(r.module_dir),
                  r.disk_module_dir.empty() ? ""
                                            : " (compared with " + escape(r.disk_module_dir) + ")");
  if (!r.list) {
    out += fmt::format("  {} modules, {} firmware files, {} configuration files (--list lists "
                       "them)\n",
                       r.modules.size(), r.firmware.size(), r.configs.size());
  } else {
    out += fmt::format("modules ({}):\n", r.modules.size());
    for (const auto& m : r.modules)
      out += fmt::format("  {:<24} {}{}\n", esc(m.name), esc(m.path),
                         m.disk_path.empty()   ? ""
                         : m.identical_on_disk ? ""
                         : m.sha256.empty()    ? "  [unreadable]"
                                               : "  [differs from " + escape(m.disk_path) + "]");
    out += fmt::format("firmware ({}):\n", r.firmware.size());
    for (const auto& f : r.firmware) out += "  " + escape(f) + "\n";
    out += fmt::format("configs ({}):\n", r.configs.size());
    for (const auto& c : r.configs) out += "  " + escape(c) + "\n";
  }
  if (!r.needed.empty()) {
    out += "needed:";
    for (const auto& n : r.needed) out += " " + escape(n);
    out += "\n";
  }
  out += "\n";
  out += render_text(r.result, o);
  return terminal_safe(out);
}

std::string render_image_json(const check::ImageReport& r) {
  nlohmann::ordered_json doc = check_result_json(r.result, {r.image});
  nlohmann::ordered_json img;
  img["path"] = r.image;
  img["kernel_release"] = r.kernel_release;
  img["module_dir"] = r.module_dir;
  img["disk_module_dir"] = r.disk_module_dir;
  img["entries"] = r.entries;
  img["parts"] = r.parts;
  nlohmann::ordered_json mods = nlohmann::ordered_json::array();
  for (const auto& m : r.modules)
    mods.push_back({{"name", m.name},
                    {"path", m.path},
                    {"size", m.size},
                    {"sha256", m.sha256},
                    {"disk_path", m.disk_path},
                    {"identical_on_disk", m.identical_on_disk}});
  img["modules"] = mods;
  img["firmware"] = r.firmware;
  img["configs"] = r.configs;
  img["needed"] = r.needed;
  doc["image"] = img;
  return dump_json(std::move(doc));
}

}  // namespace ofsck::report
