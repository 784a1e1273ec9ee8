// `ofsck modinfo FILE...`: what ofsck reads from module files (report/modinfo renders it).
#include "cli/commands.hpp"
#include "read/module_reader.hpp"
#include "report/modinfo.hpp"

namespace ofsck::cli {

namespace {

/// Text is written file by file; JSON once, an array of the files that could be read.
}  // namespace

int run_modinfo(Args& a) {
  const bool json = a.common.format == "json";
  int rc = kExitOk;
  std::vector<report::ModinfoFile> read;
  for (const auto& f : a.files) {
    auto m = read::read_module(f);
    if (!m) {
      report_error(m.error());
      rc = kExitInput;
    } else if (json) {
      read.push_back({f, std::move(*m)});
    } else {
      write_text(report::render_modinfo_text(f, *m));
    }
  }
  if (json) write_text(report::render_modinfo_json(read));
  return rc;
}

void modinfo_options(CLI::App* sub, Args& a) {
  sub->add_option("files", a.files, "Module files (.ko, .ko.xz, .ko.zst, .ko.gz)")->required();
  add_format_option(sub, a.common.format);
}

}  // namespace ofsck::cli
