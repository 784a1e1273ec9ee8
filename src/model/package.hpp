#pragma once
/// An installed package as a package database records it (dpkg or RPM). Plain data.
#include <string>

namespace ofsck::model {

/// One installed package.
struct Package {
  enum class Format { kDpkg, kRpm };
  Format format = Format::kDpkg;
  std::string name;     ///< "linux-image-6.1.0-56-amd64", "kmod-ifs-kernel-updates"
  std::string version;  ///< dpkg: "6.1.192-2"; RPM: "VERSION-RELEASE" (epoch as "E:" prefix)
  std::string arch;     ///< "amd64", "x86_64", "all", "noarch"
  std::string state;    ///< dpkg status word ("installed", "unpacked", ...); "installed" for RPM

  /// How findings name it: RPM "name-version-release" (what `rpm -q` prints), dpkg
  /// "name_version" (the .deb file name stem without the architecture).
  [[nodiscard]] std::string label() const {
    return name + (format == Format::kRpm ? "-" : "_") + version;
  }
};

}  // namespace ofsck::model
