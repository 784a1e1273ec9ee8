#include <sys/stat.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "report/escape.hpp"

namespace ofsck::cli {

int report_error(const Error& e) {
  std::fprintf(stderr, "ofsck: error: %s\n", report::escape(to_string(e)).c_str());
  return e.code == ErrorCode::kUsage ? kExitUsage : kExitInput;
}

int usage_error(const char* message) {
  std::fprintf(stderr, "ofsck: error: %s\n", message);
  return kExitUsage;
}

void write_text(std::string_view out) {
  // The renderers escaped every field already; this is the last guard before the terminal.
  std::string safe = report::terminal_safe(out);
  std::fwrite(safe.data(), 1, safe.size(), stdout);
}

int exit_for(const std::vector<check::Finding>& findings) {
  for (const auto& f : findings)
    if (f.severity == check::Severity::kError) return kExitFindings;
  return kExitOk;
}

bool is_regular_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace ofsck::cli
