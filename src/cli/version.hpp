#pragma once
/// What `ofsck --version` prints: the version, the build's features (the libraries it was
/// built with) and the kernel and kmod generations it models (model/generations.hpp).
#include <string>

namespace ofsck::cli {

/// The project version ("0.1.0"), from CMake's project().
const char* version();

/// The whole --version text, ending in a newline.
std::string version_text();

}  // namespace ofsck::cli
