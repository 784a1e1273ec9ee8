#include "report/all_kernels.hpp"

#include <fmt/format.h>

#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {

std::string marks(const KernelVerdict& k) {
  if (k.next_boot && k.running) return " (running, next boot)";
  if (k.next_boot) return " (next boot)";
  if (k.running) return " (running)";
  return {};
}

}  // namespace

std::string render_all_kernels_text(const AllKernelsReport& r, const TextOptions& o) {
  const char* red = o.color ? "\033[1;31m" : "";
  const char* green = o.color ? "\033[1;32m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  std::string out;
  size_t ok = 0, fail = 0, unchecked = 0;
  for (const KernelVerdict& k : r.kernels) {
    if (!k.checked) {
      ++unchecked;
      out += fmt::format("{}: {}cannot check{}: {}{}\n", escape(k.release), red, reset,
                         escape(k.error), marks(k));
    } else if (k.fails()) {
      ++fail;
      out += fmt::format("{}: {}FAIL{} {} modules, failing={} errors={}{}\n", escape(k.release),
                         red, reset, k.modules, k.failing, k.errors, marks(k));
    } else {
      ++ok;
      out += fmt::format("{}: {}ok{} {} modules{}\n", escape(k.release), green, reset, k.modules,
                         marks(k));
    }
  }
  out += fmt::format("ofsck: {} kernel{} in {}: {} ok, {} fail{}", r.kernels.size(),
                     r.kernels.size() == 1 ? "" : "s", escape(r.root), ok, fail,
                     unchecked ? fmt::format(", {} cannot be checked", unchecked) : "");
  if (!r.next_boot.empty())
    out += fmt::format("; next boot: {} ({})", escape(r.next_boot), escape(r.next_boot_reason));
  out += '\n';
  return terminal_safe(out);
}

std::string render_all_kernels_json(const AllKernelsReport& r) {
  nlohmann::ordered_json doc;
  doc["schema"] = kJsonSchemaVersion;
  doc["tool"] = "ofsck";
  doc["root"] = r.root;
  doc["next_boot"] = r.next_boot.empty() ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json{{"kernel_release", r.next_boot},
                                                                  {"reason", r.next_boot_reason}};
  doc["running_kernel"] = null_if_empty(r.running);
  nlohmann::ordered_json ks = nlohmann::ordered_json::array();
  for (const KernelVerdict& k : r.kernels)
    ks.push_back({{"kernel_release", k.release},
                  {"verdict", !k.checked  ? "unchecked"
                              : k.fails() ? "fail"
                                          : "ok"},
                  {"next_boot", k.next_boot},
                  {"running", k.running},
                  {"error", null_if_empty(k.error)},
                  {"modules", k.modules},
                  {"loading", k.loading},
                  {"failing", k.failing},
                  {"errors", k.errors},
                  {"warnings", k.warnings},
                  {"notes", k.notes}});
  doc["kernels"] = std::move(ks);
  return dump_json(std::move(doc));
}

}  // namespace ofsck::report
