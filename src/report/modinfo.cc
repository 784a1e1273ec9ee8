#include "report/modinfo.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {

using Json = nlohmann::ordered_json;

Json crc_json(const std::optional<uint32_t>& crc) { return crc ? Json(*crc) : Json(); }

Json modinfo_json(const ModinfoFile& f) {
  const model::ModuleFile& m = f.module;
  Json j;
  j["file"] = f.file;
  Json info = Json::array();
  for (const auto& [k, v] : m.info.all) info.push_back({k, v});
  j["modinfo"] = info;
  Json imps = Json::array();
  for (const auto& i : m.imports)
    imps.push_back({{"name", i.name}, {"crc", crc_json(i.crc)}, {"weak", i.weak}});
  j["imports"] = imps;
  Json exps = Json::array();
  for (const auto& e : m.exports)
    exps.push_back({{"name", e.name},
                    {"gpl_only", e.gpl_only},
                    {"namespace", e.ns},
                    {"crc", crc_json(e.crc)}});
  j["exports"] = exps;
  j["export_era"] = m.export_era;
  j["signer"] = m.sig.signer;
  j["sig_key"] = m.sig.key_id;
  j["sig_hashalgo"] = m.sig.hash_algo;
  return j;
}

}  // namespace

std::string render_modinfo_text(std::string_view file, const model::ModuleFile& m) {
  std::string out = fmt::format("filename:       {}\n", esc(file));
  for (const auto& [k, v] : m.info.all) out += fmt::format("{:<15} {}\n", escape(k) + ":", esc(v));
  if (m.sig.kind != model::SigKind::kNone) {
    out += fmt::format("{:<15} {}\n", "signer:", esc(m.sig.signer));
    out += fmt::format("{:<15} {}\n", "sig_key:", esc(m.sig.key_id));
    out += fmt::format("{:<15} {}\n", "sig_hashalgo:", esc(m.sig.hash_algo));
  }
  out += fmt::format("{:<15} {}\n", "exports_era:", esc(m.export_era));
  for (const auto& i : m.imports)
    if (i.crc) out += fmt::format("import:         0x{:08x}\t{}\n", *i.crc, esc(i.name));
  for (const auto& e : m.exports)
    out += fmt::format("export:         {}\t{}\t{}{}\n",
                       e.crc ? fmt::format("0x{:08x}", *e.crc) : std::string("-"), esc(e.name),
                       e.gpl_only ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL",
                       e.ns.empty() ? "" : "\t" + escape(e.ns));
  return out;
}

std::string render_modinfo_json(const std::vector<ModinfoFile>& files) {
  Json all = Json::array();
  for (const auto& f : files) all.push_back(modinfo_json(f));
  return dump_json(std::move(all));
}

}  // namespace ofsck::report
