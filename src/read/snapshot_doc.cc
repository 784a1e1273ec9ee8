// Snapshot streams: delimiting concatenated JSON objects, node-prefixed (clush/pdsh) lines,
// files, directories and stdin. The JSON itself is nlohmann's (strict: it refuses invalid
// UTF-8, trailing garbage inside a document, duplicate-free is not required).
#include "read/snapshot_doc.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "read/buffer.hpp"
#include "read/snapshot_fields.hpp"
#include "util/parallel_for.hpp"

namespace ofsck::read {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// The end (one past the closing brace) of the JSON object that starts at s[pos] == '{', found
/// by brace depth outside strings; nlohmann checks the syntax of the slice afterwards.
Result<size_t> object_end(std::string_view s, size_t pos) {
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t limit = std::min<uint64_t>(s.size(), pos + kMaxSnapshotDoc);
  for (size_t i = pos; i < limit; ++i) {
    char c = s[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxSnapshotDepth)
        return make_error(ErrorCode::kMalformed,
                          fmt::format("nested deeper than {} levels", kMaxSnapshotDepth));
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  if (limit < s.size())
    return make_error(ErrorCode::kTooLarge,
                      fmt::format("larger than {} MiB", kMaxSnapshotDoc >> 20));
  return make_error(ErrorCode::kTruncated, "truncated: the input ends inside the document");
}

/// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string parse_message(const char* what) {
  std::string_view m(what);
  if (m.starts_with("[json.exception.")) m.remove_prefix(std::min(m.size(), m.find("] ") + 2));
  return std::string(m);
}

/// One document: JSON syntax, then the fields.
void parse_one(std::string_view text, const std::string& label, SnapshotRead& out) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    out.errors.push_back(Error{ErrorCode::kMalformed, label + ": " + parse_message(e.what()), {}});
    return;
  }
  SnapshotDoc d;
  d.origin = label;
  std::string err = detail::snapshot_from_json(j, d);
  if (!err.empty()) {
    bool format = err.starts_with("snapshot format");
    out.errors.push_back(
        Error{format ? ErrorCode::kUnsupported : ErrorCode::kMalformed, label + ": " + err, {}});
    return;
  }
  out.docs.push_back(std::move(d));
}

/// One delimited document to parse, or an error found while delimiting.
struct Slot {
  std::string_view text;
  std::string label;
  std::optional<Error> error;
};

void error_slot(std::vector<Slot>& slots, ErrorCode code, std::string message) {
  slots.push_back(Slot{{}, {}, Error{code, std::move(message), {}}});
}

/// Delimits the objects of a stream (white space between them). `who`: "" or "NODE's lines, ".
/// A delimiting error ends the stream: nothing after it can be delimited with certainty.
void split_stream(std::string_view s, const std::string& name, const std::string& who,
                  std::vector<Slot>& slots) {
  size_t n = 0;
  for (size_t pos = 0;;) {
    while (pos < s.size() && is_space(s[pos])) ++pos;
    if (pos == s.size()) break;
    std::string label = fmt::format("{}: {}document {} at offset {:#x}", name, who, ++n, pos);
    if (s[pos] != '{')
      return error_slot(slots, ErrorCode::kMalformed,
                        label + ": expected '{' (a JSON object), found other bytes");
    Result<size_t> end_or = object_end(s, pos);
    if (!end_or)
      return error_slot(slots, end_or.error().code, label + ": " + end_or.error().message);
    slots.push_back(Slot{s.substr(pos, *end_or - pos), std::move(label), std::nullopt});
    pos = *end_or;
  }
  if (n == 0 && who.empty())
    error_slot(slots, ErrorCode::kMalformed, name + ": no snapshot document");
}

/// Parses the slots on `threads` threads (0: every core); results in slot order.
void parse_slots(const std::vector<Slot>& slots, unsigned threads, SnapshotRead& out) {
  std::vector<SnapshotRead> parsed(slots.size());
  parallel_for(slots.size(), threads, [&](size_t i) {
    if (!slots[i].error) parse_one(slots[i].text, slots[i].label, parsed[i]);
  });
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].error) out.errors.push_back(*slots[i].error);
    for (auto& d : parsed[i].docs) out.docs.push_back(std::move(d));
    for (auto& e : parsed[i].errors) out.errors.push_back(std::move(e));
  }
}

/// "NODE: payload" lines gathered by NODE (clush and pdsh without -N); an error when some
/// non-blank line has no such prefix.
void parse_prefixed(std::string_view s, const std::string& name, unsigned threads,
                    SnapshotRead& out) {
  std::deque<std::pair<std::string, std::string>> streams;  // in order of first appearance
  std::unordered_map<std::string, size_t> index;
  std::pair<std::string, std::string>* cur = nullptr;  // the previous line's node
  size_t line_no = 0;
  for (size_t pos = 0; pos < s.size();) {
    size_t nl = std::min(s.find('\n', pos), s.size());
    std::string_view line = s.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (std::all_of(line.begin(), line.end(), is_space)) continue;
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos && line.ends_with(':')) colon = line.size() - 1;
    std::string_view node = line.substr(0, colon == std::string_view::npos ? 0 : colon);
    if (node.empty() || std::any_of(node.begin(), node.end(),
                                    [](char c) { return is_space(c) || c == '{' || c == '"'; })) {
      out.errors.push_back(Error{ErrorCode::kMalformed,
                                 fmt::format("{}: line {}: neither a JSON object nor a 'NODE: ' "
                                             "line as clush or pdsh prefix them (gathered "
                                             "output such as clush -b or dshbak is not read: "
                                             "use clush -N, or one file per node)",
                                             name, line_no),
                                 {}});
      return;
    }
    // Lines of one node mostly come in runs: look the prefix up only when it changes.
    if (cur == nullptr || node != cur->first) {
      auto [it, fresh] = index.try_emplace(std::string(node), streams.size());
      if (fresh) streams.emplace_back(std::string(node), std::string());
      cur = &streams[it->second];
    }
    std::string& payload = cur->second;
    if (colon + 2 <= line.size()) payload.append(line.substr(colon + 2));
    payload.push_back('\n');
  }
  std::vector<Slot> slots;
  for (const auto& [node, payload] : streams)
    split_stream(payload, name, node + "'s lines, ", slots);
  if (streams.empty()) error_slot(slots, ErrorCode::kMalformed, name + ": no snapshot document");
  parse_slots(slots, threads, out);
}

/// parse_snapshots() on `threads` threads.
void parse_input(std::string_view bytes, const std::string& name, unsigned threads,
                 SnapshotRead& out) {
  size_t first = 0;
  while (first < bytes.size() && is_space(bytes[first])) ++first;
  if (first < bytes.size() && bytes[first] != '{') return parse_prefixed(bytes, name, threads, out);
  std::vector<Slot> slots;
  split_stream(bytes, name, "", slots);
  parse_slots(slots, threads, out);
}

void add_io_error(const std::string& name, const std::string& message, SnapshotRead& out) {
  out.errors.push_back(Error{ErrorCode::kIo, name + ": " + message, {}});
}

void read_stdin(SnapshotRead& out) {
  // Read straight into an uninitialised buffer, sized from fstat when stdin is a file
  // (`fleet - < FILE`), growing geometrically for a pipe.
  struct stat st;
  uint64_t hint = 1 << 20;
  if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
    hint = std::clamp<uint64_t>(static_cast<uint64_t>(st.st_size) + 1, hint, kMaxSnapshotInput);
  Buffer all(hint);
  uint64_t len = 0;
  for (;;) {
    if (len == all.size()) {
      if (len >= kMaxSnapshotInput)
        return add_io_error("-", fmt::format("larger than {} GiB", kMaxSnapshotInput >> 30), out);
      all.resize(std::min(kMaxSnapshotInput, 2 * len));
    }
    ssize_t n = ::read(STDIN_FILENO, all.data() + len, all.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return add_io_error("-", std::strerror(errno), out);
    if (n == 0) break;
    len += static_cast<uint64_t>(n);
  }
  parse_snapshots(std::string_view(reinterpret_cast<const char*>(all.data()), len), "-", out);
}

void read_one_file(const std::string& path, unsigned threads, SnapshotRead& out) {
  Result<Buffer> b = read_file_buffer(path, kMaxSnapshotInput);
  if (!b) return out.errors.push_back(b.error());
  std::string_view text(reinterpret_cast<const char*>(b->data()), b->size());
  parse_input(text, path, threads, out);
}

void read_directory(const std::string& dir, SnapshotRead& out) {
  std::vector<std::string> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->path().extension() == ".json" && it->is_regular_file(ec2))
      files.push_back(it->path().string());
  }
  if (ec) return add_io_error(dir, "cannot list the directory: " + ec.message(), out);
  if (files.empty()) return add_io_error(dir, "no *.json snapshot in the directory", out);
  std::sort(files.begin(), files.end());
  // One file per task (usually one document each), read and parsed on every core.
  std::vector<SnapshotRead> parsed(files.size());
  parallel_for(files.size(), 0, [&](size_t i) { read_one_file(files[i], 1, parsed[i]); });
  for (auto& p : parsed) {
    for (auto& d : p.docs) out.docs.push_back(std::move(d));
    for (auto& e : p.errors) out.errors.push_back(std::move(e));
  }
}

}  // namespace

void parse_snapshots(std::string_view bytes, const std::string& name, SnapshotRead& out) {
  parse_input(bytes, name, 0, out);
}

SnapshotRead read_snapshots(const std::vector<std::string>& args) {
  SnapshotRead out;
  for (const auto& a : args) {
    std::error_code ec;
    if (a == "-") read_stdin(out);
    else if (std::filesystem::is_directory(a, ec)) read_directory(a, out);
    else read_one_file(a, 0, out);
  }
  return out;
}

}  // namespace ofsck::read
