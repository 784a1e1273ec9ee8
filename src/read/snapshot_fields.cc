// The fields of a snapshot document, format 1 (docs/json-schema.md "ofsck snapshot"). Every
// field is checked for its type; a missing required field or a wrong type rejects the document
// with the field named, because a half-read node would give a wrong fleet answer.
#include "read/snapshot_fields.hpp"

#include <string_view>

namespace ofsck::read::detail {

namespace {

using nlohmann::json;

enum class Need { kRequired, kNullable, kOptional };

/// A view of one JSON object whose first problem sticks (LLVM Cursor style): later reads are
/// no-ops once `err` is set.
class Obj {
 public:
  Obj(const json& j, std::string path, std::string& err)
      : j_(j), path_(std::move(path)), err_(err) {
    if (err_.empty() && !j_.is_object()) fail("", "an object", j_);
  }

  void str(const char* key, std::string& out, Need need = Need::kRequired) {
    const json* v = find(key, need);
    if (!v || (v->is_null() && need != Need::kRequired)) return;
    if (!v->is_string())
      return fail(key, need == Need::kRequired ? "a string" : "a string or null", *v);
    out = v->get_ref<const std::string&>();
  }
  void u64(const char* key, uint64_t& out, Need need = Need::kRequired) {
    const json* v = find(key, need);
    if (!v) return;
    if (!v->is_number_unsigned()) return fail(key, "an unsigned integer", *v);
    out = v->get<uint64_t>();
  }
  void boolean(const char* key, bool& out, Need need = Need::kRequired) {
    const json* v = find(key, need);
    if (!v) return;
    if (!v->is_boolean()) return fail(key, "true or false", *v);
    out = v->get<bool>();
  }
  /// The array under `key` (nullptr when absent and optional, or on error).
  const json* array(const char* key, Need need = Need::kRequired) {
    const json* v = find(key, need);
    if (!v) return nullptr;
    if (!v->is_array()) {
      fail(key, "an array", *v);
      return nullptr;
    }
    return v;
  }
  const json* object(const char* key) {
    const json* v = find(key, Need::kRequired);
    if (v && !v->is_object()) {
      fail(key, "an object", *v);
      return nullptr;
    }
    return v;
  }
  bool is_string(const char* key) const {
    if (!j_.is_object()) return false;
    auto it = j_.find(key);
    return it != j_.end() && it->is_string();
  }
  /// jq-style paths: .options[3].param
  std::string sub(const char* key, size_t i) const {
    return sub(key) + "[" + std::to_string(i) + "]";
  }
  std::string sub(const char* key) const { return path_ + "." + key; }

 private:
  const json* find(const char* key, Need need) {
    if (!err_.empty() || !j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (need == Need::kRequired) err_ = "field " + sub(key) + ": missing";
      return nullptr;
    }
    return &*it;
  }
  void fail(std::string_view key, const char* expected, const json& found) {
    if (!err_.empty()) return;
    std::string where = key.empty() ? path_ : sub(std::string(key).c_str());
    err_ = (where.empty() ? "document" : "field " + where) + ": expected " + expected + ", found " +
           found.type_name();
  }

  const json& j_;
  std::string path_;
  std::string& err_;
};

/// Calls `each(Obj&, T&)` for every element of the array `key` of `o`, appending to `out`.
template <class T, class Each>
void each_row(Obj& o, const char* key, std::vector<T>& out, std::string& err, Each each,
              Need need = Need::kRequired) {
  const json* a = o.array(key, need);
  if (!a) return;
  out.reserve(a->size());
  for (size_t i = 0; i < a->size() && err.empty(); ++i) {
    Obj row((*a)[i], o.sub(key, i), err);
    each(row, out.emplace_back());
  }
}

void read_summary(Obj& top, SnapshotDoc& d, std::string& err) {
  const json* s = top.object("summary");
  if (!s) return;
  Obj o(*s, top.sub("summary"), err);
  o.str("verdict", d.verdict);
  o.u64("modules", d.modules);
  o.u64("failing", d.failing);
  o.u64("errors", d.errors);
  o.u64("warnings", d.warnings);
  o.str("first", d.first, Need::kNullable);
}

void read_header(Obj& o, const json& j, SnapshotDoc& d, std::string& err) {
  auto v = j.find("ofsck_snapshot");
  if (v == j.end()) {
    err = "not a snapshot document (no \"ofsck_snapshot\" field)";
    return;
  }
  if (!v->is_number() || v->get<double>() < 1 || v->get<double>() >= kSnapshotFormat + 1) {
    err = "snapshot format " + v->dump() + " is not supported (this ofsck reads format " +
          std::to_string(kSnapshotFormat) + "; use a matching ofsck)";
    return;
  }
  o.str("node", d.node);
  if (err.empty() && d.node.empty()) err = "field .node: empty";
  o.str("taken", d.taken, Need::kOptional);
  o.str("ofsck", d.ofsck, Need::kOptional);
  o.str("kernel", d.kernel);
  o.str("kmod", d.kmod);
  o.boolean("live", d.live, Need::kOptional);
  o.str("stack", d.stack);
}

}  // namespace

std::string snapshot_from_json(const json& j, SnapshotDoc& d) {
  std::string err;
  Obj o(j, "", err);
  if (!err.empty()) return err;
  read_header(o, j, d, err);
  read_summary(o, d, err);
  each_row(o, "findings", d.findings, err, [](Obj& r, SnapshotFinding& f) {
    r.str("rule", f.rule);
    r.str("severity", f.severity);
    r.str("subject", f.subject);
  });
  each_row(o, "packages", d.packages, err, [](Obj& r, SnapshotPackage& p) {
    r.str("name", p.name);
    r.str("version", p.version, Need::kNullable);
    r.u64("modules", p.modules, Need::kOptional);
    r.str("digest", p.digest);
  });
  each_row(o, "modules", d.module_rows, err, [](Obj& r, SnapshotModule& m) {
    r.str("name", m.name);
    r.str("path", m.path);
    r.str("sha256", m.sha256);
    r.str("package", m.package, Need::kNullable);
    r.str("version", m.version, Need::kNullable);
    r.str("why", m.why, Need::kOptional);
    r.str("srcversion", m.srcversion, Need::kNullable);
    r.str("signer", m.signer, Need::kNullable);
    r.boolean("loads", m.loads, Need::kOptional);
  });
  each_row(o, "options", d.options, err, [](Obj& r, SnapshotOption& x) {
    r.str("module", x.module);
    r.str("param", x.param);
    r.str("value", x.value, Need::kNullable);
    x.has_value = r.is_string("value");  // null (or absent): `param` without '='
    r.str("source", x.source, Need::kOptional);
  });
  each_row(
      o, "running_drift", d.running_drift, err,
      [](Obj& r, SnapshotRunningDrift& x) {
        r.str("module", x.module);
        r.str("param", x.param);
        r.str("configured", x.configured, Need::kNullable);
        r.str("running", x.running, Need::kNullable);
      },
      Need::kOptional);
  return err;
}

}  // namespace ofsck::read::detail
