// `ofsck --version` (cli/version.hpp): build facts from the generated build_info.hpp.
#include "cli/version.hpp"

#include <fmt/format.h>

#include "cli/build_info.hpp"
#include "model/generations.hpp"

namespace ofsck::cli {

const char* version() { return build::kVersion; }

std::string version_text() {
  std::string out = fmt::format("ofsck {}\nfeatures:\n", build::kVersion);
  for (const char* f : build::kFeatures) out += fmt::format("  {}\n", f);
  out += fmt::format("models: Linux kernels {}.{} .. {}.x, kmod {} .. {}\n",
                     model::kOldestKernel.major, model::kOldestKernel.minor,
                     model::kNewestKernelMajor, model::kOldestKmod, model::kNewestKmod);
  return out;
}

}  // namespace ofsck::cli
