#pragma once
/// Helpers for end-to-end `ofsck check` scenario tests: a throwaway root populated with a small
/// subset of a real Debian kernel tree plus the kbuild-built test modules, indexed by the real
/// kmod `depmod`, and a runner that parses `ofsck check --format json`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testdata.hpp"

namespace ofsck::scn {

namespace fs = std::filesystem;
using json = nlohmann::json;
namespace td = ::ofsck::testdata;

inline std::string shq(const std::string& s) {
  std::string r = "'";
  for (char c : s) {
    if (c == '\'') r += "'\\''";
    else r += c;
  }
  return r + "'";
}

/// Builds (cached, normally a no-op) the test modules for kver once per process.
inline bool ensure_test_modules(const std::string& kver, std::string* why = nullptr) {
  static std::mutex mu;
  static std::map<std::string, bool> done;
  std::lock_guard<std::mutex> lk(mu);
  if (auto it = done.find(kver); it != done.end()) return it->second;
  if (!td::exists(td::tree(kver) + "/.complete") && !td::exists(td::module_dir(kver))) {
    if (why) *why = "no tree for " + kver;
    return done[kver] = false;
  }
  int st = 0;
  std::string out =
      td::run(shq(td::source_dir() + "/scripts/build-test-modules.sh") + " " + shq(kver) + " 2>&1",
              &st);
  if (st != 0 && why) *why = out;
  return done[kver] = (st == 0);
}

/// Path of a built test module, e.g. tm(k, "unsigned/ofs_leaf.ko").
inline std::string tm(const std::string& kver, const std::string& rel) {
  return td::test_modules(kver) + "/" + rel;
}

/// Path of a module of the cached Debian tree, e.g. in_tree(k, "kernel/drivers/net/dummy.ko").
inline std::string in_tree(const std::string& kver, const std::string& rel) {
  return td::module_dir(kver) + "/" + rel;
}

inline void write_file(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// A test root R: R/lib/modules/<kver>/ with modules.order/builtin(.modinfo) copied from the real
/// tree, selected in-tree modules copied, R/usr/src/linux-headers-<kver>/Module.symvers and
/// R/boot/{config,vmlinuz}-<kver> symlinked to the real files. Removed on destruction unless
/// OFSCK_KEEP_SCN=1.
class Root {
 public:
  explicit Root(std::string kver,
                std::vector<std::string> intree = {"kernel/drivers/input/misc/pcspkr.ko"})
      : kver_(std::move(kver)) {
    std::string base =
        td::exists("/dev/shm") ? "/dev/shm/ofsck-scn-XXXXXX" : "/tmp/ofsck-scn-XXXXXX";
    if (!mkdtemp(base.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = base;
    std::string tree = td::tree(kver_);
    std::string src_md = td::module_dir(kver_);
    fs::create_directories(mod_dir());
    for (const char* f : {"modules.order", "modules.builtin", "modules.builtin.modinfo"})
      if (td::exists(src_md + "/" + f)) fs::copy_file(src_md + "/" + f, mod_dir() + "/" + f);
    for (const auto& rel : intree) add(src_md + "/" + rel, rel);
    std::string hdr = dir_ + "/usr/src/linux-headers-" + kver_;
    fs::create_directories(hdr);
    fs::create_symlink(td::symvers(kver_), hdr + "/Module.symvers");
    fs::create_directories(dir_ + "/boot");
    for (const char* f : {"config-", "vmlinuz-", "System.map-"})
      if (td::exists(tree + "/boot/" + f + kver_))
        fs::create_symlink(tree + "/boot/" + f + kver_, dir_ + "/boot/" + f + kver_);
  }
  ~Root() {
    const char* keep = getenv("OFSCK_KEEP_SCN");
    if (!(keep && *keep == '1')) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  Root(const Root&) = delete;
  Root& operator=(const Root&) = delete;

  const std::string& path() const { return dir_; }
  const std::string& kver() const { return kver_; }
  std::string mod_dir() const { return dir_ + "/lib/modules/" + kver_; }

  /// Copies `src` to <mod_dir>/<rel>; returns the destination.
  std::string add(const std::string& src, const std::string& rel) {
    std::string dst = mod_dir() + "/" + rel;
    fs::create_directories(fs::path(dst).parent_path());
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
    return dst;
  }
  /// Copies a built test module (e.g. "unsigned/ofs_leaf.ko" of this kver) into <mod_dir>/<rel>.
  std::string add_test(const std::string& built_rel, const std::string& rel) {
    return add(tm(kver_, built_rel), rel);
  }
  /// add_test() for each {built_rel, rel}, in order.
  void add_tests(const std::vector<std::pair<std::string, std::string>>& modules) {
    for (const auto& [built_rel, rel] : modules) add_test(built_rel, rel);
  }
  /// Writes a file relative to the root (e.g. "etc/depmod.d/zz01-ofs.conf").
  std::string write(const std::string& rel, const std::string& content) {
    std::string p = dir_ + "/" + rel;
    write_file(p, content);
    return p;
  }
  /// Runs the real kmod depmod on the root (with the root's own depmod.d: `-b` alone would read
  /// the host's /etc/depmod.d); returns its exit status.
  int depmod() {
    int st = 0;
    std::string out = td::run(depmod_cmd() + " 2>&1", &st);
    if (st != 0) ADD_FAILURE() << "depmod failed: " << out;
    return st;
  }
  std::string depmod_cmd() const {
    std::string cmd = "depmod -b " + shq(dir_);
    for (const char* d : {"/etc/depmod.d", "/lib/depmod.d", "/usr/lib/depmod.d"})
      if (td::exists(dir_ + d)) cmd += " -C " + shq(dir_ + d);
    // An empty config dir keeps the host's /etc/depmod.d out when the root has none.
    if (cmd.find(" -C ") == std::string::npos) cmd += " -C " + shq(dir_ + "/etc/depmod.d");
    return cmd + " " + shq(kver_);
  }

 private:
  std::string kver_;
  std::string dir_;
};

/// Scenario 1's modules (Root::add_tests()): ofs_core v2 in updates/ shadows v1 in extra/, which
/// ofs_consumer (extra/) was built against.
inline const std::vector<std::pair<std::string, std::string>> kShadowedCore = {
    {"unsigned/ofs_core-v2/ofs_core.ko", "updates/ofs_core.ko"},
    {"unsigned/ofs_core.ko", "extra/ofs_core.ko"},
    {"unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko"}};

struct Out {
  int status = -1;
  json doc;
  std::string out;
  std::string err;
  bool parsed = false;
};

/// Runs `ofsck <args...>` (args are shell-quoted); stdout parsed as JSON when it parses.
inline Out ofsck(const std::vector<std::string>& args) {
  Out r;
  std::string errf = td::make_temp_dir("err") + "/stderr";
  std::string cmd = shq(td::ofsck_bin());
  for (const auto& a : args) cmd += " " + shq(a);
  cmd += " 2>" + shq(errf);
  r.out = td::run(cmd, &r.status);
  r.err = read_file(errf);
  std::error_code ec;
  fs::remove_all(fs::path(errf).parent_path(), ec);
  try {
    r.doc = json::parse(r.out);
    r.parsed = true;
  } catch (...) {
  }
  return r;
}

/// `ofsck check --root R --format json -q <extra...>`.
inline Out check(const Root& root, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"check",     "--root",   root.path(), "--kernel",
                                root.kver(), "--format", "json",      "-q"};
  a.insert(a.end(), extra.begin(), extra.end());
  return ofsck(a);
}

inline const json* module(const json& doc, const std::string& name) {
  if (!doc.contains("modules")) return nullptr;
  for (const auto& m : doc["modules"])
    if (m.value("name", "") == name) return &m;
  return nullptr;
}

/// Kernel messages of a module verdict; once = true: only once-per-boot lines, false: only the
/// others.
inline std::vector<std::string> msgs(const json& mod, bool once) {
  std::vector<std::string> v;
  for (const auto& k : mod["kernel_messages"])
    if (k["once_per_boot"].get<bool>() == once) v.push_back(k["text"].get<std::string>());
  return v;
}

inline std::vector<const json*> findings(const json& doc, const std::string& rule,
                                         const std::string& subject = "") {
  std::vector<const json*> v;
  if (!doc.contains("findings")) return v;
  for (const auto& f : doc["findings"])
    if (f.value("rule", "") == rule && (subject.empty() || f.value("subject", "") == subject))
      v.push_back(&f);
  return v;
}

inline std::string errno_of(const json& mod) {
  return mod["errno"].is_null() ? std::string() : mod["errno"].get<std::string>();
}

inline bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

inline std::string join(const std::vector<std::string>& v, const std::string& sep = "\n  ") {
  std::string r;
  for (size_t i = 0; i < v.size(); ++i) r += (i ? sep : "") + v[i];
  return r;
}

inline bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

}  // namespace ofsck::scn

/// Requires the tree and the built test modules for kver (fails unless
/// OFSCK_ALLOW_MISSING_TESTDATA is set).
#define OFSCK_REQUIRE_SCN(kver)                                             \
  do {                                                                      \
    OFSCK_REQUIRE_DATA(::ofsck::testdata::module_dir(kver));                \
    std::string why_;                                                       \
    if (!::ofsck::scn::ensure_test_modules(kver, &why_)) {                  \
      if (getenv("OFSCK_ALLOW_MISSING_TESTDATA")) GTEST_SKIP() << why_;     \
      FAIL() << "cannot build test modules for " << (kver) << ": " << why_; \
    }                                                                       \
  } while (0)

/// Dumps the module verdict / doc on failure.
#define SCN_DUMP(run) \
  "exit " << (run).status << "\nstderr: " << (run).err << "\nstdout: " << (run).out.substr(0, 6000)

namespace ofsck::scn {

/// `ofsck check` on `root` after the real depmod indexed it; when the output is JSON, ofsck's
/// depmod must agree with the real one (no OFS103). The caller asserts `parsed`.
inline Out check_indexed(Root& root) {
  root.depmod();
  Out run = check(root);
  if (run.parsed) {
    EXPECT_TRUE(findings(run.doc, "OFS103").empty())
        << "ofsck's depmod disagrees with the real depmod\n"
        << SCN_DUMP(run);
  }
  return run;
}

/// The verdict of the module file `file` (a positional FILE.ko), or nullptr.
inline const json* module_of_file(const json& doc, const std::string& file) {
  for (const auto& x : doc["modules"])
    if (x["file"] == file) return &x;
  return nullptr;
}

}  // namespace ofsck::scn
