#pragma once
/// One way back from a scratch root to the paths the user knows: whatif's and upgrade's overlay
/// and image's extracted tree are checked where they are, then every path in what the user sees
/// (findings, verdicts, input summary, errors) names the inspected root (or `IMAGE!`) instead.
#include <string>
#include <vector>

#include "check/finding.hpp"
#include "check/result.hpp"
#include "util/result.hpp"

namespace ofsck::scenario {

/// Replaces every occurrence of `from` (the scratch directory) by `to` (the inspected root, ""
/// for "/", or "IMAGE!").
struct PathMap {
  std::string from, to;

  void operator()(std::string& s) const { check::replace_all(s, from, to); }
  void operator()(std::vector<std::string>& v) const {
    for (auto& s : v) (*this)(s);
  }
  /// Every string of the finding that can carry a path (check::replace_all).
  void operator()(check::Finding& f) const { check::replace_all(f, from, to); }
  void operator()(std::vector<check::Finding>& v) const {
    for (auto& f : v) (*this)(f);
  }
  /// Findings, each verdict's file, and the input summary's root, module dir and config source.
  void operator()(check::CheckResult& r) const;
  /// The message and the path it names.
  void operator()(Error& e) const;

  /// The value as is, or its error mapped.
  template <class T>
  [[nodiscard]] Result<T> operator()(Result<T> r) const {
    if (!r) (*this)(r.error());
    return r;
  }
};

}  // namespace ofsck::scenario
