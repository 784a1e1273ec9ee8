// `--help-man` and `--completion` (cli/doc_outputs.hpp).
#include "cli/doc_outputs.hpp"

#include <cstdio>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/manpage.hpp"
#include "cli/version.hpp"
#include "report/escape.hpp"

namespace ofsck::cli {

std::optional<int> write_requested_docs(const CLI::App& app, int argc, char** argv) {
  if (argc != 3) return std::nullopt;
  const std::string_view option = argv[1];
  const std::string value = argv[2];
  if (option == "--help-man") {
    std::string err = write_man_pages(app, value, version());
    if (err.empty()) return kExitOk;
    std::fprintf(stderr, "ofsck: %s\n", report::escape(err).c_str());
    return kExitInput;
  }
  if (option == "--completion") {
    std::string script = completion_script(app, value);
    if (!script.empty()) {
      std::fputs(script.c_str(), stdout);
      return kExitOk;
    }
    std::fprintf(stderr, "ofsck: --completion: no shell '%s' (bash, zsh)\n",
                 report::escape(value).c_str());
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace ofsck::cli
