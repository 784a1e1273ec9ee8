#pragma once
/// Which kmod the inspected root runs. Its version decides how that root's depmod and modprobe
/// read their configuration (config directories, `.alias` files, `weakdep`), so the root's own
/// kmod is modelled, not the one on the machine running ofsck.
#include <string>
#include <string_view>

#include "model/config.hpp"

namespace ofsck::read {

/// The leading number of a kmod version string: "30+20221128-1" → 30, "1:34.2-2" → 34,
/// "34.2" → 34. 0 when it does not start with a digit (after an optional "N:" epoch).
[[nodiscard]] int kmod_major(std::string_view version);

/// The version in a kmod binary's bytes: tools/kmod.h prints `PACKAGE " version " VERSION`, so
/// the literal "kmod version 34.2" is in every kmod binary since kmod 1. "" when absent.
[[nodiscard]] std::string kmod_version_in_binary(std::string_view bytes);

/// The version field of the installed `kmod` package in a dpkg status file ("" when none).
[[nodiscard]] std::string kmod_version_in_dpkg_status(std::string_view status);

/// Detects the root's kmod ("" or "/" = the live system), in this order:
///   1. dpkg: <root>/var/lib/dpkg/status, package `kmod` in state "installed";
///   2. RPM: package `kmod` in the root's RPM database;
///   3. the binary: "kmod version N" in <root>/{usr/,}{bin,sbin}/kmod.
/// When none is found, kmod 30 is assumed and KmodVersion::detected is false.
[[nodiscard]] model::KmodVersion detect_kmod_version(const std::string& root);

}  // namespace ofsck::read
