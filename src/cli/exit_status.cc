#include "cli/exit_status.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "report/escape.hpp"

namespace ofsck::cli {

namespace {

struct CommandStatus {
  std::string_view command;
  const char* text;
};

// Every command: 2 usage, 70 internal error. 3 is input that cannot be checked at all.
constexpr CommandStatus kStatus[] = {
    {"check",
     "\nEXIT STATUS\n"
     "  0  no error-level finding: every module (and every FILE) loads\n"
     "  1  error-level findings: some module will not load, or its selection is broken\n"
     "  2  usage error (bad option, several kernels and no --kernel)\n"
     "  3  input that cannot be checked: no module tree, a module tree without any module,\n"
     "     a FILE that does not exist or cannot be read, an unreadable --symvers; or -o FILE\n"
     "     or the --state-file that cannot be written\n"
     " 70  internal error\n"},
    {"explain",
     "\nEXIT STATUS\n"
     "  0  MODULE loads, or every error finding of its failure is suppressed (--ignore,\n"
     "     --baseline)\n"
     "  1  MODULE will not load (itself or a dependency), or no module of that name exists\n"
     "  2  usage error\n"
     "  3  input that cannot be checked: no module tree, or one without any module\n"
     " 70  internal error\n"},
    {"depmod", "\nEXIT STATUS\n"
               "  0  modules.dep printed\n"
               "  1  dependency cycle: depmod writes nothing and fails (its report is on stderr)\n"
               "  2  usage error\n"
               "  3  input that cannot be read (no module tree)\n"
               " 70  internal error\n"},
    {"modinfo", "\nEXIT STATUS\n"
                "  0  every FILE was read\n"
                "  2  usage error\n"
                "  3  some FILE could not be read (the others are still printed)\n"
                " 70  internal error\n"},
    {"rules", "\nEXIT STATUS\n"
              "  0  the catalogue was printed\n"
              "  2  usage error\n"},
    {"image",
     "\nEXIT STATUS\n"
     "  0  no error-level finding\n"
     "  1  error-level findings: a needed module is missing, fails, or lacks a dependency\n"
     "  2  usage error (no INITRAMFS)\n"
     "  3  input that cannot be read (the image, the root)\n"
     " 70  internal error\n"},
    {"upgrade",
     "\nEXIT STATUS\n"
     "  0  every module loads on the target as is or once linked into weak-updates/\n"
     "  1  some module must be rebuilt: it neither loads as is nor would load if linked\n"
     "     (and its OFS501 finding is not suppressed by --ignore or --baseline)\n"
     "  2  usage error (no --to, --to the current kernel, packages without a module tree)\n"
     "  3  input that cannot be read (the root, a package)\n"
     " 70  internal error\n"},
    {"whatif", "\nEXIT STATUS\n"
               "  0  the change introduces no error-level finding\n"
               "  1  the change introduces error-level findings (not suppressed by --ignore,\n"
               "     nor accepted earlier in --baseline)\n"
               "  2  usage error (neither --install nor --remove)\n"
               "  3  input that cannot be read (the root, a package)\n"
               " 70  internal error\n"},
    {"snapshot", "\nEXIT STATUS\n"
                 "  0  the snapshot was written and the node has no error-level finding (ok)\n"
                 "  1  the snapshot was written and the node fails (FAIL): as `check`\n"
                 "  2  usage error\n"
                 "  3  input that cannot be checked (no module tree, an empty one), or -o FILE\n"
                 "     that cannot be written\n"
                 " 70  internal error\n"},
    {"fleet", "\nEXIT STATUS\n"
              "  0  no node has error-level findings and nothing drifts between nodes\n"
              "  1  some node has error-level findings, or something drifts (the report says\n"
              "     what)\n"
              "  2  usage error\n"
              "  3  some input could not be read: a missing file, broken JSON, another snapshot\n"
              "     format (the snapshots that were read are still reported)\n"
              " 70  internal error\n"},
};

}  // namespace

const char* exit_status_help(std::string_view command) {
  for (const auto& s : kStatus)
    if (s.command == command) return s.text;
  return "";
}

int empty_tree_status(const check::Node& p) {
  if (!p.resolution.files.empty()) return kExitOk;
  std::fprintf(stderr, "ofsck: error: no module file under %s: nothing to check\n",
               report::escape(p.module_dir).c_str());
  return kExitInput;
}

int given_files_status(const check::CheckResult& r) {
  int rc = kExitOk;
  for (const auto& m : r.modules) {
    if (!m.given || !m.unreadable) continue;
    std::fprintf(stderr, "ofsck: error: %s cannot be read: no verdict (OFS302)\n",
                 report::escape(m.file).c_str());
    rc = kExitInput;
  }
  return rc;
}

}  // namespace ofsck::cli
