#pragma once
/// The output of `ofsck modinfo FILE...`: what ofsck reads from module files, rendered from the
/// read model::ModuleFile values.
#include <string>
#include <string_view>
#include <vector>

#include "model/module.hpp"

namespace ofsck::report {

/// A module file as read, and the name it was given on the command line.
struct ModinfoFile {
  std::string file;
  model::ModuleFile module;
};

/// modinfo(8)'s layout ("filename:", then every .modinfo key), then signer, sig_key,
/// sig_hashalgo (when signed), exports_era, "import:" lines (those with a CRC) and "export:"
/// lines with CRC, name, kind and namespace.
std::string render_modinfo_text(std::string_view file, const model::ModuleFile& m);

/// A JSON array, one object per file: {"file","modinfo":[[key,value]...],"imports":[{name,crc,
/// weak}],"exports":[{name,gpl_only,namespace,crc}],"export_era","signer","sig_key",
/// "sig_hashalgo"}.
std::string render_modinfo_json(const std::vector<ModinfoFile>& files);

}  // namespace ofsck::report
