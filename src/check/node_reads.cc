// prepare()'s reads for evaluate() (see node_reads.hpp).
#include "check/node_reads.hpp"

#include <unistd.h>

#include "check/firmware.hpp"
#include "check/modprobe_closure.hpp"
#include "check/rules/packages.hpp"
#include "read/module_reader.hpp"
#include "read/parallel.hpp"

namespace ofsck::check {

namespace {

/// Every losing candidate that can be read, in selection order.
std::vector<LoserFile> read_losers(const Node& p) {
  const auto& res = p.resolution;
  std::vector<std::string> paths;
  std::vector<uint32_t> ids;
  for (const auto& sel : res.selections)
    for (const auto& l : sel.losers) {
      paths.push_back(res.files[l.file].path);
      ids.push_back(l.file);
    }
  std::vector<LoserFile> out;
  if (paths.empty()) return out;
  auto read = read::read_modules_parallel(paths, {});
  for (size_t i = 0; i < read.size(); ++i)
    if (read[i]) out.push_back({ids[i], std::move(*read[i])});
  return out;
}

/// Per module: the firmware= names request_firmware() does not find on the root.
std::vector<std::vector<std::string>> read_missing_firmware(const Node& p) {
  const auto& mods = p.resolution.modules;
  std::vector<std::vector<std::string>> out(mods.size());
  const DiskFirmware on_disk(p.root, p.kernel.release);
  for (size_t i = 0; i < mods.size(); ++i) {
    if (!mods[i].module) continue;
    for (const auto& fw : mods[i].module->info.firmware)
      if (!on_disk.exists(fw)) out[i].push_back(fw);
  }
  return out;
}

}  // namespace

std::launch launch_policy(unsigned threads) {
  return threads == 1 ? std::launch::deferred : std::launch::async;
}

DepIndexOnDisk read_dep_index(const std::string& module_dir) {
  DepIndexOnDisk d;
  const std::string bin = module_dir + "/modules.dep.bin";
  d.exists = access(bin.c_str(), F_OK) == 0;
  if (d.exists) d.index = read::read_modules_dep_bin(module_dir);
  return d;
}

NodeReads::NodeReads(const Node& node, const ReadSettings& rs) {
  const std::launch how = launch_policy(rs.threads);
  const Node* p = &node;
  const bool eval = rs.evaluation_reads;
  losers_ =
      std::async(how, [p, eval] { return eval ? read_losers(*p) : std::vector<LoserFile>{}; });
  firmware_ = std::async(how, [p, eval] {
    return eval ? read_missing_firmware(*p) : std::vector<std::vector<std::string>>{};
  });
  packages_ = std::async(how, [p, want = rs.packages] {
    std::vector<Finding> findings;
    std::optional<read::PackageDb> db;
    if (want) db = read_packages(*p, findings);
    return std::make_pair(std::move(db), std::move(findings));
  });
  // `install` lines are looked up by name like modprobe does (after modules.symbols, before
  // modules.alias): a node that will be evaluated needs the indexes when it has any.
  const bool want_indexes = rs.modprobe_indexes || (eval && !node.modprobe_config.install.empty());
  modprobe_ = std::async(how, [p, want = want_indexes]() -> std::optional<ModprobeIndexes> {
    if (!want) return std::nullopt;
    ModprobeIndexes ix;
    ix.aliases = load_aliases(*p, ix.alias_source);
    ix.builtin = load_builtin(*p);
    return ix;
  });
}

void NodeReads::finish(Node& node) {
  node.losers = losers_.get();
  node.missing_firmware = firmware_.get();
  auto [db, findings] = packages_.get();
  node.packages = std::move(db);
  node.package_findings = std::move(findings);
  node.modprobe_indexes = modprobe_.get();
}

std::vector<GivenFile> read_given_files(const std::vector<std::string>& paths, const Node& node,
                                        const ReadSettings& rs) {
  std::vector<GivenFile> out;
  out.reserve(paths.size());
  read::ReadOptions ro;
  ro.signed_digest = rs.verify_content && !node.kernel.trusted.empty();
  for (const auto& path : paths) out.push_back({path, read::read_module(path, ro)});
  return out;
}

}  // namespace ofsck::check
