// dpkg's database as dpkg-query reads it (lib/dpkg/parse.c, lib/dpkg/db-fsys.c): the status file
// is a list of RFC 822 stanzas, one per package; the files a package owns are listed one per line
// in info/<package>.list, or info/<package>:<arch>.list for a "Multi-Arch: same" package (dpkg
// >= 1.16.2 spells those with the architecture).
#include <fmt/format.h>

#include <fstream>

#include "read/pkgdb/pkgdb.hpp"

namespace ofsck::read {

namespace {

/// dpkg's pkg_name_is_illegal() (lib/dpkg/parsehelp.c), also used for the architecture: an
/// alphanumeric first byte, then alphanumerics and "-+._" only.
bool legal_name(std::string_view n) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (n.empty() || !alnum(n[0])) return false;
  for (char c : n)
    if (!alnum(c) && c != '-' && c != '+' && c != '.' && c != '_') return false;
  return true;
}

std::string root_prefix(const std::string& root) {
  std::string r = root;
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r;
}

struct Stanza {
  std::string package, version, arch, status, multi_arch;
  uint32_t line = 0;  // first line, for error messages
  std::string text;   // that line's bytes
};

/// Reads one list file into db for package index `pi`. false when it cannot be opened.
bool read_list(const std::string& file, uint32_t pi, const PathFilter& keep, PackageDb& db) {
  std::ifstream in(file);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '/') continue;  // dpkg writes "/." for the root dir
    if (keep && !keep(line)) continue;
    auto& v = db.owners_by_path[line];
    if (v.empty() || v.back() != pi) v.push_back(pi);
  }
  return true;
}

/// Line `n` of the status file with its bytes (SourceRef::text).
SourceRef line_ref(const std::string& status_path, uint32_t n, std::string text) {
  SourceRef w{status_path, n};
  w.text = std::move(text);
  return w;
}

/// The stanzas of dpkg's status file, in file order; lines without ':' become problems.
std::vector<Stanza> read_status(std::istream& in, const std::string& status_path, PackageDb& db) {
  std::vector<Stanza> stanzas;
  Stanza cur;
  std::string line;
  uint32_t lineno = 0;
  auto flush = [&] {
    if (!cur.package.empty()) stanzas.push_back(std::move(cur));
    cur = Stanza{};
  };
  auto at = [&](uint32_t n, std::string text) { return line_ref(status_path, n, std::move(text)); };
  while (std::getline(in, line)) {
    ++lineno;
    const bool cr = !line.empty() && line.back() == '\r';
    if (cr) line.pop_back();
    auto raw = [&] { return cr ? line + '\r' : line; };  // the line as read, for SourceRef::text
    if (line.empty()) {
      flush();
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;  // continuation (Description, …)
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      db.problems.push_back(Error{ErrorCode::kMalformed,
                                  fmt::format("dpkg status: line without ':' (\"{}\")", line),
                                  at(lineno, raw())});
      continue;
    }
    std::string_view field(line.data(), colon);
    std::string_view value(line);
    value.remove_prefix(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (cur.line == 0) {
      cur.line = lineno;
      cur.text = raw();
    }
    // Field names are case-insensitive in deb822, but dpkg itself always writes these spellings.
    if (field == "Package") cur.package = value;
    else if (field == "Version") cur.version = value;
    else if (field == "Architecture") cur.arch = value;
    else if (field == "Status") cur.status = value;
    else if (field == "Multi-Arch") cur.multi_arch = value;
  }
  flush();
  return stanzas;
}

}  // namespace

Result<PackageDb> load_dpkg_db(const std::string& root, const PathFilter& keep) {
  PackageDb db;
  const std::string admindir = root_prefix(root) + "/var/lib/dpkg";
  const std::string status_path = admindir + "/status";
  std::ifstream in(status_path);
  if (!in) return db;  // no dpkg on this root
  db.have_dpkg = true;

  std::vector<Stanza> stanzas = read_status(in, status_path, db);

  for (auto& s : stanzas) {
    // Status: <want> <flag> <state>. "not-installed" packages own nothing; every other state
    // (installed, unpacked, half-configured, triggers-*, config-files) has files on disk.
    std::string_view st(s.status);
    size_t sp = st.rfind(' ');
    std::string state(sp == std::string_view::npos ? st : st.substr(sp + 1));
    if (state.empty() || state == "not-installed") continue;
    model::Package pkg;
    pkg.format = model::Package::Format::kDpkg;
    pkg.name = s.package;
    pkg.version = s.version;
    pkg.arch = s.arch;
    pkg.state = state;
    auto pi = static_cast<uint32_t>(db.packages.size());
    db.packages.push_back(std::move(pkg));
    const std::string info = admindir + "/info/";
    if (!legal_name(s.package) || (!s.arch.empty() && !legal_name(s.arch))) {
      // dpkg's pkg_name_is_illegal(): such a name never reaches info/, and a "/" in it would
      // point outside it. The package is kept (it is in the status file) but owns nothing.
      db.problems.push_back(Error{ErrorCode::kMalformed,
                                  fmt::format("dpkg: illegal package name or architecture '{}{}{}'",
                                              s.package, s.arch.empty() ? "" : ":", s.arch),
                                  line_ref(status_path, s.line, s.text)});
      continue;
    }
    bool ok = false;
    if (!s.arch.empty()) ok = read_list(info + s.package + ":" + s.arch + ".list", pi, keep, db);
    if (!ok) ok = read_list(info + s.package + ".list", pi, keep, db);
    if (!ok)
      db.problems.push_back(Error{ErrorCode::kNotFound,
                                  fmt::format("dpkg: package {} ({}) has no file list info/{}.list",
                                              s.package, state, s.package),
                                  line_ref(status_path, s.line, s.text)});
  }
  return db;
}

}  // namespace ofsck::read
