#pragma once
/// The reads prepare() does for evaluate() after the tree is resolved, so that evaluate opens no
/// file: losing candidates, firmware, package databases, modprobe's indexes, modules.dep.bin,
/// positional files. Internal to prepare (inputs.cc).
#include <future>

#include "check/node.hpp"

namespace ofsck::check {

/// std::launch::deferred with one thread (everything in order), else async.
std::launch launch_policy(unsigned threads);

/// <module dir>/modules.dep.bin as modprobe reads it.
DepIndexOnDisk read_dep_index(const std::string& module_dir);

/// The reads that need the resolution, started together on their own threads.
class NodeReads {
 public:
  /// Starts reading; `node` must stay in place (and its resolution unchanged) until finish().
  NodeReads(const Node& node, const ReadSettings& rs);
  /// Waits for every read and moves the results into `node`.
  void finish(Node& node);

 private:
  std::future<std::vector<LoserFile>> losers_;
  std::future<std::vector<std::vector<std::string>>> firmware_;
  std::future<std::pair<std::optional<read::PackageDb>, std::vector<Finding>>> packages_;
  std::future<std::optional<ModprobeIndexes>> modprobe_;
};

/// NodeSpec::files, read as `insmod` reads them (digests of signed files when a key is known).
std::vector<GivenFile> read_given_files(const std::vector<std::string>& paths, const Node& node,
                                        const ReadSettings& rs);

}  // namespace ofsck::check
