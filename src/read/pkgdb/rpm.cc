// The RPM database through librpm, the way `rpm --root R --dbpath D -qa` reads it: a transaction
// set rooted at R with %_dbpath set to D, an iterator over RPMDBI_PACKAGES, and RPMTAG_FILENAMES
// (the extension tag that joins DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]) per header. librpm picks
// the backend (sqlite, bdb_ro, ndb) from the files it finds in D.
#include <fcntl.h>
#include <fmt/format.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>

#include "read/pkgdb/pkgdb.hpp"
#include "util/scratch_dir.hpp"

namespace ofsck::read {

namespace {

// librpm keeps its configuration, macros and log callback in process-wide state.
std::mutex& rpm_mutex() {
  static std::mutex m;
  return m;
}

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

/// Target-system dbpath holding a database under `root`, newest layout first ("" = none).
std::string find_dbpath(const std::string& root) {
  for (const char* d : {"/usr/lib/sysimage/rpm", "/var/lib/rpm"})
    for (const char* f : {"rpmdb.sqlite", "Packages", "Packages.db"})
      if (exists(root + d + "/" + f)) return d;
  return {};
}

int log_to_string(rpmlogRec rec, rpmlogCallbackData data) {
  auto* out = static_cast<std::string*>(data);
  if (rpmlogRecPriority(rec) <= RPMLOG_ERR) {
    std::string m = rpmlogRecMessage(rec);
    while (!m.empty() && m.back() == '\n') m.pop_back();
    if (!out->empty()) *out += "; ";
    *out += m;
  }
  return 0;  // never print: errors come back as values
}

struct TsFree {
  void operator()(rpmts ts) const { rpmtsFree(ts); }
};
struct MiFree {
  void operator()(rpmdbMatchIterator mi) const { rpmdbFreeIterator(mi); }
};
struct TdFree {
  void operator()(rpmtd td) const {
    rpmtdFreeData(td);
    rpmtdFree(td);
  }
};

std::string get_string(Header h, rpmTagVal tag) {
  const char* s = headerGetString(h, tag);
  return s ? s : "";
}

/// A file that is not SQLite at all is rejected before librpm sees it: librpm 4.18's sqlite
/// backend leaks the connection when sqlite3_open_v2() succeeds and the first query fails.
Result<void> check_sqlite_magic(const std::string& r, const std::string& dbpath,
                                const SourceRef& where) {
  if (!exists(r + dbpath + "/rpmdb.sqlite")) return {};
  std::ifstream db_file(r + dbpath + "/rpmdb.sqlite", std::ios::binary);
  char magic[16] = {};
  db_file.read(magic, sizeof(magic));
  if (db_file.gcount() != 16 ||
      std::string_view(magic, 16) != std::string_view("SQLite format 3\0", 16))
    return make_error(ErrorCode::kMalformed,
                      fmt::format("the RPM database {}/rpmdb.sqlite is not an SQLite database "
                                  "(expected \"SQLite format 3\" at offset 0x0)",
                                  dbpath),
                      where);
  return {};
}

/// SQLite in WAL mode writes the database's -shm index even for a read-only reader, so
/// opening an image's rpmdb.sqlite in place would change the inspected root. Read a private
/// copy instead (the -wal file too: transactions not yet checkpointed live there). The live
/// system is read in place, as `rpm -q` reads it. Returns the root librpm opens.
Result<std::string> root_to_open(const std::string& r, const std::string& abs_root,
                                 const std::string& dbpath, const SourceRef& where,
                                 std::optional<ScratchDir>& copy) {
  if (r.empty() || !exists(r + dbpath + "/rpmdb.sqlite")) return abs_root;
  auto dir = ScratchDir::create("rpmdb", "a directory for a copy of the RPM database");
  if (!dir) return make_error(ErrorCode::kIo, dir.error().message, where);
  copy.emplace(std::move(*dir));
  std::error_code ec;
  std::filesystem::create_directories(copy->path() + dbpath, ec);
  for (const char* f : {"/rpmdb.sqlite", "/rpmdb.sqlite-wal"}) {
    if (!ec && exists(r + dbpath + f))
      std::filesystem::copy_file(r + dbpath + f, copy->path() + dbpath + f, ec);
  }
  if (ec)
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot copy the RPM database {} to {}: {}", dbpath, copy->path(),
                                  ec.message()),
                      where);
  return copy->path();
}

/// RPMTAG_FILEDIGESTALGO as the prefix of a recorded digest: MD5 when absent (rpm < 4.6), else
/// "md5" or "sha256" (PGPHASHALGO_MD5 1, PGPHASHALGO_SHA256 8); "" for any other algorithm.
std::string digest_algo_name(Header h) {
  if (!headerIsEntry(h, RPMTAG_FILEDIGESTALGO)) return "md5";
  switch (headerGetNumber(h, RPMTAG_FILEDIGESTALGO)) {
    case PGPHASHALGO_MD5: return "md5";
    case PGPHASHALGO_SHA256: return "sha256";
    default: return "";
  }
}

/// One header's package and the paths it owns (RPMTAG_FILENAMES, those `keep` accepts).
void add_header(Header h, const PathFilter& keep, PackageDb& db) {
  model::Package pkg;
  pkg.format = model::Package::Format::kRpm;
  pkg.name = get_string(h, RPMTAG_NAME);
  if (pkg.name == "gpg-pubkey") return;  // imported keys are headers without files
  pkg.version = get_string(h, RPMTAG_VERSION) + "-" + get_string(h, RPMTAG_RELEASE);
  if (headerIsEntry(h, RPMTAG_EPOCH))
    pkg.version = fmt::format("{}:{}", headerGetNumber(h, RPMTAG_EPOCH), pkg.version);
  pkg.arch = get_string(h, RPMTAG_ARCH);
  pkg.state = "installed";
  auto pi = static_cast<uint32_t>(db.packages.size());
  db.packages.push_back(std::move(pkg));
  std::unique_ptr<rpmtd_s, TdFree> td(rpmtdNew());
  if (!headerGet(h, RPMTAG_FILENAMES, td.get(), HEADERGET_EXT)) return;  // no files
  std::unique_ptr<rpmtd_s, TdFree> digests(rpmtdNew());
  bool have_digests = headerGet(h, RPMTAG_FILEDIGESTS, digests.get(), HEADERGET_MINMEM) &&
                      rpmtdCount(digests.get()) == rpmtdCount(td.get());
  const std::string algo = digest_algo_name(h);
  while (const char* f = rpmtdNextString(td.get())) {
    const char* d = have_digests ? rpmtdNextString(digests.get()) : nullptr;
    std::string_view path(f);
    if (keep && !keep(path)) continue;
    auto& v = db.owners_by_path[std::string(path)];
    if (v.empty() || v.back() != pi) v.push_back(pi);
    if (d && *d && !algo.empty()) {
      db.rpm_file_digests.resize(pi + 1);
      db.rpm_file_digests[pi][std::string(path)] = algo + ":" + d;
    }
  }
}

/// Opens the database at `dbpath` under `open_root` and adds every package in it to `db`.
/// The caller holds rpm_mutex() and collects librpm's errors in `log`.
Result<void> read_packages(const std::string& open_root, const std::string& abs_root,
                           const std::string& dbpath, const SourceRef& where,
                           const PathFilter& keep, const std::string& log, PackageDb& db) {
  static bool config_ok = rpmReadConfigFiles(nullptr, nullptr) == 0;
  if (!config_ok)
    return make_error(ErrorCode::kIo,
                      "librpm: cannot read its configuration (rpmrc, macros)" +
                          (log.empty() ? std::string() : ": " + log),
                      where);
  rpmPushMacro(nullptr, "_dbpath", nullptr, dbpath.c_str(), RMIL_CMDLINE);
  struct PopMacro {
    ~PopMacro() { rpmPopMacro(nullptr, "_dbpath"); }
  } pop;

  std::unique_ptr<rpmts_s, TsFree> ts(rpmtsCreate());
  if (rpmtsSetRootDir(ts.get(), open_root.c_str()) != 0)
    return make_error(ErrorCode::kIo, fmt::format("librpm: cannot use root {}", abs_root), where);
  rpmtsSetVSFlags(ts.get(), _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS);
  if (rpmtsOpenDB(ts.get(), O_RDONLY) != 0)
    return make_error(ErrorCode::kIo,
                      fmt::format("librpm: cannot open the RPM database {}{}", dbpath,
                                  log.empty() ? std::string() : ": " + log),
                      where);
  std::unique_ptr<rpmdbMatchIterator_s, MiFree> mi(
      rpmtsInitIterator(ts.get(), RPMDBI_PACKAGES, nullptr, 0));
  if (!mi)
    return make_error(ErrorCode::kIo,
                      fmt::format("librpm: cannot iterate the RPM database {}{}", dbpath,
                                  log.empty() ? std::string() : ": " + log),
                      where);
  db.have_rpm = true;
  db.rpm_dbpath = dbpath;
  while (Header h = rpmdbNextIterator(mi.get())) add_header(h, keep, db);
  return {};
}

}  // namespace

Result<PackageDb> load_rpm_db(const std::string& root, const PathFilter& keep) {
  PackageDb db;
  std::string r = root;
  while (!r.empty() && r.back() == '/') r.pop_back();
  std::string dbpath = find_dbpath(r);
  if (dbpath.empty()) return db;
  std::error_code ec;
  std::string abs_root = r.empty() ? "/" : std::filesystem::absolute(r, ec).string();
  const SourceRef where{r + dbpath};
  if (Result<void> m = check_sqlite_magic(r, dbpath, where); !m) return tl::unexpected(m.error());
  std::optional<ScratchDir> copy;  // removed when this returns, after librpm has closed it
  Result<std::string> open_root_or = root_to_open(r, abs_root, dbpath, where, copy);
  if (!open_root_or) return tl::unexpected(open_root_or.error());

  std::lock_guard<std::mutex> lock(rpm_mutex());
  std::string log;
  rpmlogCallback old_cb = rpmlogSetCallback(log_to_string, &log);
  struct Restore {
    rpmlogCallback cb;
    ~Restore() { rpmlogSetCallback(cb, nullptr); }
  } restore{old_cb};
  if (Result<void> rd = read_packages(*open_root_or, abs_root, dbpath, where, keep, log, db); !rd)
    return tl::unexpected(rd.error());
  if (!log.empty()) db.problems.push_back(Error{ErrorCode::kMalformed, "librpm: " + log, where});
  return db;
}

}  // namespace ofsck::read
