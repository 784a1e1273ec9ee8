// prove_hints() (scenario/prove_hints.hpp): one overlay per candidate edit, the kernel checked
// on it, the findings diffed against the original check.
#include "scenario/prove_hints.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <span>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "read/text/text_util.hpp"
#include "scenario/overlay.hpp"
#include "scenario/path_map.hpp"

namespace ofsck::scenario {

namespace {

/// What applying one edit did.
struct Proof {
  bool fixes = false;     ///< no finding of the same rule and subject remains
  std::string new_error;  ///< the first error it leads to ("RULE: message"), empty = none
  std::string unchecked;  ///< why the edit could not be checked (then it is never proposed)
};

std::string key_of(const check::Finding& f) {
  return f.rule + '\x1f' + f.subject + '\x1f' + f.message;
}

/// A config path (absolute on the inspected root, as findings name them) relative to the root.
std::string rel_on_root(std::string path) {
  while (path.starts_with("/")) path.erase(0, 1);
  return path;
}

/// The text of `file` (host path) with line `line` (1-based) replaced by `with`; line 0: `with`
/// added to its end (to a new file when there is none).
Result<std::string> edited_text(const std::string& file, uint32_t line, const std::string& with) {
  std::error_code ec;
  if (line == 0 && !std::filesystem::exists(file, ec)) return with + "\n";
  auto text = read::read_text_file(file);
  if (!text) return tl::unexpected(text.error());
  if (line == 0) return *text + (text->empty() || text->ends_with("\n") ? "" : "\n") + with + "\n";
  std::string out;
  uint32_t n = 1;
  size_t pos = 0;
  bool done = false;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    size_t end = nl == std::string::npos ? text->size() : nl + 1;
    if (n == line) {
      out += with + "\n";
      done = true;
    } else {
      out.append(*text, pos, end - pos);
    }
    pos = end;
    ++n;
  }
  if (!done) return make_error(ErrorCode::kMalformed, fmt::format("no line {}", line), {file});
  return out;
}

/// The findings of the kernel checked with `e` applied to an overlay of the root, with the
/// root's paths.
Result<std::vector<check::Finding>> check_edited(const NodeInputs& in, const std::string& orig,
                                                 const std::string& tmp_dir,
                                                 const std::string& kver,
                                                 const check::ConfigEdit& e) {
  const std::string rel = rel_on_root(e.where.path);
  auto text = edited_text(orig + "/" + rel, e.where.line, e.line);
  if (!text) return tl::unexpected(text.error());
  auto ov = Overlay::create(orig, tmp_dir);
  if (!ov) return tl::unexpected(ov.error());
  const std::string& dir = (*ov)->dir();
  auto bytes = std::as_bytes(std::span(text->data(), text->size()));
  if (auto r = (*ov)->put_file(rel, bytes); !r) return tl::unexpected(r.error());
  const PathMap back{dir, orig};
  NodeInputs quiet = on_scratch(in, dir, orig);
  quiet.rs.progress = nullptr;  // the check being proven already showed its progress
  auto after = back(check_node(std::move(quiet), dir, kver, nullptr));
  if (!after) return tl::unexpected(after.error());
  back(*after);
  return std::move(after->findings);
}

bool same_place(const check::Finding& a, const check::Finding& b) {
  if (a.rule != b.rule || a.subject != b.subject) return false;
  if (a.where.empty() || b.where.empty()) return a.where.empty() == b.where.empty();
  return a.where[0].path == b.where[0].path && a.where[0].line == b.where[0].line;
}

/// Whether `after` (the findings with an edit applied) still has `f`, and its first error that
/// is new or about f's subject (an edit that makes a failing file win fixes nothing).
Proof judge(const check::Finding& f, const std::set<std::string>& before,
            const std::vector<check::Finding>& after) {
  Proof p{true, {}, {}};
  for (const auto& a : after) {
    if (same_place(a, f)) p.fixes = false;
    // The edit asks for depmod to run: the index it leaves stale says nothing about it.
    if (a.severity != check::Severity::kError || a.rule == check::kStaleIndex) continue;
    if (p.new_error.empty() && (!before.count(key_of(a)) || a.subject == f.subject))
      p.new_error = fmt::format("{}: {}", a.rule, a.message);
  }
  return p;
}

/// The hint of `f` from the proofs of its edits.
std::string hint_of(const check::Finding& f, const std::vector<Proof>& proofs,
                    const std::string& kver) {
  std::vector<std::string> why;
  for (size_t i = 0; i < proofs.size(); ++i) {
    const check::ConfigEdit& e = f.edits[i];
    if (proofs[i].fixes && proofs[i].new_error.empty()) {
      std::string change = e.where.line
                               ? fmt::format("replace line {} with `{}`", e.where.line, e.line)
                               : fmt::format("add `{}` to {}", e.line, e.where.path);
      std::string out = fmt::format("{}, then run depmod -a {} (checked on a private copy of the "
                                    "root: it removes the problem and adds no error)",
                                    change, kver);
      return f.hint.empty() ? out : out + "; or " + f.hint;
    }
    if (!proofs[i].unchecked.empty()) {
      why.push_back(fmt::format("{} could not be checked ({})", e.label, proofs[i].unchecked));
      continue;
    }
    why.push_back(proofs[i].fixes ? fmt::format("{} leads to {}", e.label, proofs[i].new_error)
                                  : fmt::format("{} does not remove it", e.label));
  }
  std::string out = "no single-line change fixes it";
  for (size_t i = 0; i < why.size(); ++i) out += (i ? "; " : ": ") + why[i];
  return f.hint.empty() ? out : f.hint + " (" + out + ")";
}

}  // namespace

void prove_hints(const NodeInputs& in, check::CheckResult& r, const std::string& tmp_dir) {
  std::set<std::string> before;
  for (const auto& b : r.findings) before.insert(key_of(b));
  auto orig = absolute_root(in.spec.root);
  // One check per distinct edit; an edit that cannot be checked is never proposed.
  std::map<std::string, Result<std::vector<check::Finding>>> checked;
  for (check::Finding& f : r.findings) {
    if (f.edits.empty()) continue;
    std::vector<Proof> proofs;
    for (const check::ConfigEdit& e : f.edits) {
      const std::string key = e.where.path + ':' + std::to_string(e.where.line) + ':' + e.line;
      auto it = checked.find(key);
      if (it == checked.end()) {
        Result<std::vector<check::Finding>> after = tl::unexpected(Error{});
        if (orig) after = check_edited(in, *orig, tmp_dir, r.inputs.kernel_release, e);
        else after = tl::unexpected(orig.error());
        it = checked.emplace(key, std::move(after)).first;
      }
      proofs.push_back(it->second ? judge(f, before, *it->second)
                                  : Proof{false, "", it->second.error().message});
    }
    f.hint = hint_of(f, proofs, r.inputs.kernel_release);
    f.edits.clear();
  }
}

}  // namespace ofsck::scenario
