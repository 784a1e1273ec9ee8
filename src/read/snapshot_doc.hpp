#pragma once
/// Reads node snapshots (`ofsck snapshot`, document format 1, docs/json-schema.md) for `fleet`:
/// files, directories of *.json files, or a stream of concatenated documents on stdin.
///
/// A stream is JSON objects with only white space between them. It may also be the output of
/// `clush`/`pdsh` without -N, where every line reads "NODE: LINE": the lines are then gathered by
/// their prefix (in any interleaving) and each prefix's lines form one stream of documents. An
/// input mixes the two forms nowhere: a line without a prefix in a prefixed input is an error.
///
/// Strings are kept as the document writes them: the snapshot writer escaped every string from
/// the inspected system (report/escape.hpp), so they are printable text; a renderer must still
/// treat them as untrusted. Unknown fields are ignored; a major format other than 1 is refused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ofsck::read {

/// The snapshot format this reader understands (its major version).
inline constexpr int kSnapshotFormat = 1;
/// Caps: one document, one whole input (a file or stdin), and object/array nesting.
inline constexpr uint64_t kMaxSnapshotDoc = uint64_t{64} << 20;
inline constexpr uint64_t kMaxSnapshotInput = uint64_t{4} << 30;
inline constexpr int kMaxSnapshotDepth = 32;

struct SnapshotFinding {
  std::string rule, severity, subject;
};

struct SnapshotPackage {
  std::string name, version, digest;
  uint64_t modules = 0;
};

/// A winning module file that is not its package's own (or has no package).
struct SnapshotModule {
  std::string name, path, sha256, package, version, why, srcversion, signer;  ///< "" = null
  bool loads = true;
};

/// One effective option, in kernel order within its module.
struct SnapshotOption {
  std::string module, param, value, source;
  bool has_value = true;  ///< false: `param` without '=' (JSON null)
};

/// A live node's module running with another value than configured.
struct SnapshotRunningDrift {
  std::string module, param, configured, running;
};

/// One node's document. Absent optional fields are empty.
struct SnapshotDoc {
  std::string origin;  ///< "FILE" or "FILE: document N" (for messages)
  std::string node, taken, ofsck, kernel, kmod, stack;
  bool live = false;
  std::string verdict, first;  ///< summary.verdict, summary.first ("" = null)
  uint64_t modules = 0, failing = 0, errors = 0, warnings = 0;
  std::vector<SnapshotFinding> findings;
  std::vector<SnapshotPackage> packages;
  std::vector<SnapshotModule> module_rows;
  std::vector<SnapshotOption> options;
  std::vector<SnapshotRunningDrift> running_drift;
};

/// What one read produced: the documents read, and one error per document or input that could
/// not be read (each names the input, the document number and byte offset where it can).
struct SnapshotRead {
  std::vector<SnapshotDoc> docs;
  std::vector<Error> errors;
};

/// Parses `bytes` (one input named `name`: a file or "-") into `out`: a stream of documents,
/// plain or node-prefixed. A malformed document is one error: a bad field skips that document,
/// broken JSON syntax ends the stream (nothing after it can be delimited with certainty).
/// Documents are parsed on every core; the result is in input order.
void parse_snapshots(std::string_view bytes, const std::string& name, SnapshotRead& out);

/// Reads every argument: "-" (stdin), a directory (its *.json regular files, sorted by name,
/// not recursively) or a file. An input that cannot be opened is an error in `out`, and the
/// others are still read.
SnapshotRead read_snapshots(const std::vector<std::string>& args);

}  // namespace ofsck::read
