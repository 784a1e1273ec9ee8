// Whole-tree validation of read_module() on real Debian kernels, plus kmod oracle spot checks
// (modprobe --dump-modversions, modinfo -F).
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "read/module_reader.hpp"
#include "read/parallel.hpp"
#include "read/signature.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace fs = std::filesystem;

struct SymversLine {
  uint32_t crc = 0;
  std::string module;
  bool gpl = false;
  std::string ns;
};

/// name → line (Module.symvers, 5-column 5.10+ layout: crc name module type ns).
std::unordered_map<std::string, SymversLine> load_symvers(const std::string& path) {
  std::unordered_map<std::string, SymversLine> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> c;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, '\t')) c.push_back(f);
    if (line.ends_with('\t')) c.push_back("");
    if (c.size() < 4) continue;
    SymversLine s;
    s.crc = static_cast<uint32_t>(std::stoul(c[0], nullptr, 16));
    s.module = c[2];
    s.gpl = c[3] == "EXPORT_SYMBOL_GPL";
    s.ns = c.size() > 4 ? c[4] : "";
    out.emplace(c[1], s);
  }
  return out;
}

/// Module files under <moddir>/kernel, sorted.
std::vector<std::string> tree_modules(const std::string& moddir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(moddir + "/kernel")) {
    std::string p = e.path().string();
    if (e.is_regular_file() && (p.ends_with(".ko") || p.ends_with(".ko.xz") ||
                                p.ends_with(".ko.zst") || p.ends_with(".ko.gz")))
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// "drivers/infiniband/core/ib_core" for <moddir>/kernel/drivers/infiniband/core/ib_core.ko.xz.
std::string build_path(const std::string& moddir, const std::string& p) {
  std::string rel = p.substr(moddir.size() + std::string("/kernel/").size());
  return rel.substr(0, rel.find(".ko"));
}

struct TreeStats {
  size_t modules = 0, exports = 0, export_mismatch = 0, symvers_module_exports = 0;
  size_t imports = 0, imports_with_crc = 0, import_mismatch = 0, unresolved = 0;
  size_t module_ns_exports = 0;  ///< exports in "module:<globs>" namespaces
  size_t with_kflagstab = 0, with_kcrctab = 0, with_versions = 0, gpl_section_exports = 0;
  std::vector<std::string> samples;
};

TreeStats validate_tree(const std::string& kver) {
  TreeStats st;
  std::string moddir = testdata::module_dir(kver);
  auto symvers = load_symvers(testdata::symvers(kver));
  std::map<std::string, size_t> per_module_expected;
  for (const auto& [name, l] : symvers)
    if (l.module != "vmlinux") {
      ++per_module_expected[l.module];
      ++st.symvers_module_exports;
    }
  std::vector<std::string> paths = tree_modules(moddir);
  auto results = read_modules_parallel(paths, ReadOptions{}, 2);
  std::unordered_map<std::string, uint32_t> provider;  // module exports as read
  for (const auto& [name, l] : symvers)
    if (l.module == "vmlinux") provider[name] = l.crc;
  auto note = [&](std::string s) {
    if (st.samples.size() < 20) st.samples.push_back(std::move(s));
  };
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!results[i]) {
      note("read error: " + to_string(results[i].error()));
      ++st.export_mismatch;
      continue;
    }
    ++st.modules;
    const model::ModuleFile& m = *results[i];
    std::string bp = build_path(moddir, paths[i]);
    st.with_kflagstab += m.has_kflagstab;
    st.with_kcrctab += m.has_kcrctab;
    st.with_versions += m.has_versions;
    size_t found = 0;
    for (const model::Export& e : m.exports) {
      ++st.exports;
      st.module_ns_exports += e.ns.starts_with("module:");
      st.gpl_section_exports += e.section == model::KsymtabSection::kGpl;
      provider[e.name] = e.crc.value_or(0);
      auto it = symvers.find(e.name);
      if (it == symvers.end() || it->second.module != bp) {
        ++st.export_mismatch;
        note(fmt::format("{}: export {} not in Module.symvers for this module", bp, e.name));
        continue;
      }
      ++found;
      const SymversLine& l = it->second;
      // Without __kcrctab (a kernel built without MODVERSIONS, e.g. Debian 7.x) the reader
      // records no CRC, and Module.symvers says 0x00000000.
      bool crc_ok = m.has_kcrctab ? e.crc && *e.crc == l.crc : !e.crc && l.crc == 0;
      if (!crc_ok || e.gpl_only != l.gpl || e.ns != l.ns) {
        ++st.export_mismatch;
        note(fmt::format("{}: {} crc {:#x}/{:#x} gpl {}/{} ns '{}'/'{}'", bp, e.name,
                         e.crc.value_or(0), l.crc, e.gpl_only, l.gpl, e.ns, l.ns));
      }
    }
    if (found != per_module_expected[bp]) {
      ++st.export_mismatch;
      note(fmt::format("{}: {} exports read, Module.symvers has {}", bp, found,
                       per_module_expected[bp]));
    }
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!results[i]) continue;
    for (const model::Import& imp : results[i]->imports) {
      ++st.imports;
      if (!imp.crc) continue;
      ++st.imports_with_crc;
      auto it = provider.find(imp.name);
      if (it == provider.end()) {
        ++st.unresolved;
        note(fmt::format("{}: import {} has no provider", paths[i], imp.name));
      } else if (it->second != *imp.crc) {
        ++st.import_mismatch;
        note(fmt::format("{}: import {} crc {:#x} provider {:#x}", paths[i], imp.name, *imp.crc,
                         it->second));
      }
    }
  }
  return st;
}

void expect_clean(const TreeStats& st) {
  for (const std::string& s : st.samples) ADD_FAILURE() << s;
  EXPECT_EQ(st.export_mismatch, 0u);
  EXPECT_EQ(st.import_mismatch, 0u);
  EXPECT_EQ(st.unresolved, 0u);
  EXPECT_EQ(st.exports, st.symvers_module_exports);
  ::testing::Test::RecordProperty("modules", static_cast<int>(st.modules));
  ::testing::Test::RecordProperty("exports", static_cast<int>(st.exports));
  ::testing::Test::RecordProperty("imports_with_crc", static_cast<int>(st.imports_with_crc));
  std::printf("modules %zu exports %zu imports %zu (with CRC %zu)\n", st.modules, st.exports,
              st.imports, st.imports_with_crc);
}

TEST(ModuleReaderTree, E4Debian61ExportsAndImportsMatchSymvers) {
  OFSCK_REQUIRE_DATA(testdata::symvers(testdata::kOld61));
  TreeStats st = validate_tree(testdata::kOld61);
  EXPECT_EQ(st.exports, 14130u);
  EXPECT_GT(st.modules, 4000u);
  expect_clean(st);
}

TEST(ModuleReaderTree, E5Debian612XzExportsAndImportsMatchSymvers) {
  OFSCK_REQUIRE_DATA(testdata::symvers(testdata::k612));
  TreeStats st = validate_tree(testdata::k612);
  EXPECT_GT(st.modules, 4000u);
  EXPECT_EQ(st.with_kflagstab, 0u);
  EXPECT_GT(st.gpl_section_exports, 0u);
  expect_clean(st);
}

/// Debian 7.x: one __ksymtab per module with the GPL flag in __kflagstab, "module:<globs>"
/// namespaces (EXPORT_SYMBOL_FOR_MODULES), and no modversions at all: no __kcrctab, no
/// __versions, every Module.symvers CRC 0x00000000, so every Export::crc stays empty.
TEST(ModuleReaderTree, E7Debian7KflagstabExportsMatchSymvers) {
  const std::string k7 = testdata::k7();
  OFSCK_REQUIRE_DATA(k7.empty() ? std::string("trees/7.*-amd64") : testdata::symvers(k7));
  TreeStats st = validate_tree(k7);
  EXPECT_GT(st.modules, 4000u);
  EXPECT_GT(st.exports, 10000u);
  EXPECT_GT(st.module_ns_exports, 0u);  // kvm's and ccp's module:<globs> exports
  EXPECT_EQ(st.gpl_section_exports, 0u);
  EXPECT_EQ(st.with_kcrctab, 0u);
  EXPECT_EQ(st.with_versions, 0u);
  EXPECT_EQ(st.imports_with_crc, 0u);
  EXPECT_GT(st.with_kflagstab, 0u);
  expect_clean(st);
  std::printf("module: namespace exports %zu, modules with __kflagstab %zu\n", st.module_ns_exports,
              st.with_kflagstab);
}

TEST(ModuleReaderTree, E7KvmExportsOnlyToItsVendorModules) {
  const std::string k7 = testdata::k7();
  std::string p =
      k7.empty() ? std::string() : testdata::module_dir(k7) + "/kernel/arch/x86/kvm/kvm.ko.xz";
  OFSCK_REQUIRE_DATA(p);
  Result<model::ModuleFile> m = read_module(p);
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_TRUE(m->has_kflagstab);
  EXPECT_FALSE(m->has_kcrctab);
  EXPECT_FALSE(m->has_versions);
  EXPECT_NE(m->export_era.find("E7"), std::string::npos) << m->export_era;
  EXPECT_NE(m->export_era.find("no modversions"), std::string::npos) << m->export_era;
  bool found = false;
  for (const model::Export& e : m->exports) {
    EXPECT_EQ(e.section, model::KsymtabSection::kKsymtab);
    EXPECT_FALSE(e.crc.has_value()) << e.name;
    if (e.name == "vcpu_load") {
      found = true;
      EXPECT_TRUE(e.gpl_only);
      EXPECT_EQ(e.ns, "module:kvm-amd,kvm-intel");
    }
  }
  EXPECT_TRUE(found);
  for (const model::Import& i : m->imports) EXPECT_FALSE(i.crc.has_value()) << i.name;
}

std::string find_module(const std::string& kver, const std::string& rel) {
  return testdata::module_dir(kver) + "/kernel/" + rel;
}

std::string sh_quote(const std::string& s) { return "'" + s + "'"; }

TEST(ModuleReaderOracle, DumpModversionsMatchesKmod) {
  for (const char* rel :
       {"drivers/infiniband/hw/mlx5/mlx5_ib.ko", "drivers/infiniband/core/ib_core.ko",
        "drivers/usb/storage/usb-storage.ko"}) {
    std::string p = find_module(testdata::kOld61, rel);
    OFSCK_REQUIRE_DATA(p);
    int status = 0;
    std::string want = testdata::run("modprobe --dump-modversions " + sh_quote(p), &status);
    ASSERT_EQ(status, 0) << p;
    Result<model::ModuleFile> m = read_module(p);
    ASSERT_TRUE(m) << to_string(m.error());
    // kmod prints __versions in file order; ours: symtab order then __versions-only. Compare
    // as sets of lines.
    std::multiset<std::string> want_set, got_set;
    std::stringstream ss(want);
    std::string line;
    while (std::getline(ss, line)) want_set.insert(line);
    for (const model::Import& i : m->imports)
      if (i.crc) got_set.insert(fmt::format("0x{:08x}\t{}", *i.crc, i.name));
    EXPECT_EQ(got_set, want_set) << rel;
    EXPECT_GT(got_set.size(), 10u);
  }
}

TEST(ModuleReaderOracle, ShowExportsMatchesKmod) {
  std::string p = find_module(testdata::kOld61, "drivers/infiniband/core/ib_core.ko");
  OFSCK_REQUIRE_DATA(p);
  std::string want = testdata::run("modprobe --show-exports " + sh_quote(p));
  Result<model::ModuleFile> m = read_module(p);
  ASSERT_TRUE(m) << to_string(m.error());
  std::multiset<std::string> want_set, got_set;
  std::stringstream ss(want);
  std::string line;
  while (std::getline(ss, line)) want_set.insert(line);
  for (const model::Export& e : m->exports)
    got_set.insert(fmt::format("0x{:08x}\t{}", e.crc.value_or(0), e.name));
  EXPECT_EQ(got_set, want_set);
  EXPECT_EQ(m->exports.size(), want_set.size());
}

std::string modinfo_field(const std::string& p, const std::string& field) {
  std::string out = testdata::run("modinfo -F " + field + " " + sh_quote(p));
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + "\n";
  return s;
}

void check_modinfo(const std::string& p) {
  SCOPED_TRACE(p);
  Result<model::ModuleFile> m_or = read_module(p);
  ASSERT_TRUE(m_or) << to_string(m_or.error());
  const model::ModuleFile& m = *m_or;
  EXPECT_EQ(modinfo_field(p, "vermagic"), m.info.vermagic + "\n");
  std::string dep = m.info.depends.empty() ? "" : m.info.depends[0];
  for (size_t i = 1; i < m.info.depends.size(); ++i) dep += "," + m.info.depends[i];
  EXPECT_EQ(modinfo_field(p, "depends"), dep + "\n");
  EXPECT_EQ(modinfo_field(p, "import_ns"), joined(m.info.import_ns));
  EXPECT_EQ(modinfo_field(p, "alias"), joined(m.info.alias));
  EXPECT_EQ(modinfo_field(p, "signer"), m.sig.signer.empty() ? "" : m.sig.signer + "\n");
  EXPECT_EQ(modinfo_field(p, "sig_key"), m.sig.key_id.empty() ? "" : m.sig.key_id + "\n");
  EXPECT_EQ(modinfo_field(p, "sig_hashalgo"),
            m.sig.hash_algo.empty() ? "" : m.sig.hash_algo + "\n");
  EXPECT_EQ(m.sig.kind, model::SigKind::kPkcs7);
  EXPECT_TRUE(m.sig.problem.empty()) << m.sig.problem;
  // Debian 6.1 signs with RSA, 6.12 with ECDSA (the SignerInfo's digestEncryptionAlgorithm).
  EXPECT_TRUE(m.sig.pkey_algo == "rsaEncryption" || m.sig.pkey_algo == "ecdsa-with-SHA256")
      << m.sig.pkey_algo;
  EXPECT_FALSE(m.sig.signature.empty());
  EXPECT_FALSE(m.sig.issuer_der.empty());
}

TEST(ModuleReaderOracle, ModinfoFieldsMatchKmod) {
  std::string a = find_module(testdata::kOld61, "drivers/usb/storage/ums-karma.ko");
  OFSCK_REQUIRE_DATA(a);
  check_modinfo(a);
  check_modinfo(find_module(testdata::kOld61, "drivers/infiniband/hw/mlx5/mlx5_ib.ko"));
  check_modinfo(find_module(testdata::kOld61, "drivers/usb/storage/usb-storage.ko"));
  check_modinfo(find_module(testdata::k612, "drivers/infiniband/core/ib_core.ko.xz"));
}

TEST(ModuleReaderOracle, SignatureFieldsOfIbCore) {
  std::string p = find_module(testdata::kOld61, "drivers/infiniband/core/ib_core.ko");
  OFSCK_REQUIRE_DATA(p);
  ReadOptions o;
  o.signed_digest = true;
  o.content_sha256 = true;
  Result<model::ModuleFile> m = read_module(p, o);
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_EQ(m->sig.id_type, 2);
  EXPECT_EQ(m->sig.signed_len + m->sig.sig_len + 12 + 28, m->elf_size);
  EXPECT_EQ(m->sig.content_digest.size(), 32u);
  EXPECT_TRUE(m->has_content_sha256);
  // sha256 of the file agrees with sha256sum.
  std::string want = testdata::run("sha256sum " + sh_quote(p)).substr(0, 64);
  std::string got;
  for (uint8_t b : m->content_sha256) got += fmt::format("{:02x}", b);
  EXPECT_EQ(got, want);
  // The signed digest is the hash of the first signed_len bytes.
  std::string want_d =
      testdata::run(fmt::format("head -c {} {} | sha256sum", m->sig.signed_len, sh_quote(p)))
          .substr(0, 64);
  std::string got_d;
  for (uint8_t b : m->sig.content_digest) got_d += fmt::format("{:02x}", b);
  EXPECT_EQ(got_d, want_d);
}

TEST(ModuleReaderOracle, XzModuleEqualsXzDc) {
  std::string p = find_module(testdata::k612, "drivers/infiniband/core/ib_core.ko.xz");
  OFSCK_REQUIRE_DATA(p);
  ReadOptions o;
  o.content_sha256 = true;
  Result<model::ModuleFile> m = read_module(p, o);
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_EQ(m->compression, model::Compression::kXz);
  std::string want = testdata::run("xz -dc " + sh_quote(p) + " | sha256sum").substr(0, 64);
  std::string got;
  for (uint8_t b : m->content_sha256) got += fmt::format("{:02x}", b);
  EXPECT_EQ(got, want);
  EXPECT_EQ(std::to_string(m->elf_size) + "\n",
            testdata::run("xz -dc " + sh_quote(p) + " | wc -c"));
  EXPECT_NE(m->export_era.find("E4"), std::string::npos) << m->export_era;
}

TEST(ModuleReader, FullAndPreadModesAgree) {
  std::string p = find_module(testdata::kOld61, "drivers/infiniband/hw/mlx5/mlx5_ib.ko");
  OFSCK_REQUIRE_DATA(p);
  Result<model::ModuleFile> a = read_module(p);
  ReadOptions o;
  o.content_sha256 = true;
  Result<model::ModuleFile> b = read_module(p, o);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->imports.size(), b->imports.size());
  EXPECT_EQ(a->exports.size(), b->exports.size());
  EXPECT_EQ(a->info.all, b->info.all);
  EXPECT_EQ(a->sig.signature, b->sig.signature);
  EXPECT_EQ(a->this_module_size, b->this_module_size);
  EXPECT_GT(a->this_module_size, 0u);
  // module_layout is a __versions-only import.
  bool found = false;
  for (const model::Import& i : a->imports)
    if (i.name == "module_layout") {
      found = true;
      EXPECT_FALSE(i.in_symtab);
      EXPECT_EQ(*i.crc, 0x160c03afu);
    }
  EXPECT_TRUE(found);
}

// The yielding worker starts only when yield() returns; the others read meanwhile (here: all
// files, since yield() waits for that), and the results keep the input order.
TEST(ModuleReader, ParallelLastWorkerYields) {
  std::string moddir = testdata::module_dir(testdata::kOld61);
  OFSCK_REQUIRE_DATA(moddir);
  std::vector<std::string> paths = tree_modules(moddir);
  paths.resize(std::min<size_t>(paths.size(), 24));
  ASSERT_GE(paths.size(), 4u);
  std::mutex mu;
  std::condition_variable cv;
  size_t done = 0;
  int yields = 0;
  auto progress = [&](size_t d, size_t) {
    std::lock_guard<std::mutex> lock(mu);
    done = d;
    cv.notify_all();
  };
  auto yield = [&] {
    std::unique_lock<std::mutex> lock(mu);
    ++yields;
    cv.wait(lock, [&] { return done == paths.size(); });
  };
  auto plain = read_modules_parallel(paths, {}, 1);
  auto got = read_modules_parallel(paths, {}, 2, progress, yield);
  EXPECT_EQ(yields, 1);
  ASSERT_EQ(got.size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    ASSERT_TRUE(got[i] && plain[i]) << paths[i];
    EXPECT_EQ(got[i]->path, paths[i]);
    EXPECT_EQ(got[i]->imports.size(), plain[i]->imports.size());
  }
  yields = 0;  // one worker: nobody to yield to
  done = 0;
  auto one = read_modules_parallel(paths, {}, 1, {}, [&] { ++yields; });
  EXPECT_EQ(yields, 0);
  EXPECT_EQ(one.size(), paths.size());
}

TEST(ModuleReader, NamespacedExportUsbStorage) {
  std::string p = find_module(testdata::kOld61, "drivers/usb/storage/usb-storage.ko");
  OFSCK_REQUIRE_DATA(p);
  Result<model::ModuleFile> m = read_module(p);
  ASSERT_TRUE(m);
  bool found = false;
  for (const model::Export& e : m->exports)
    if (e.name == "usb_stor_suspend") {
      found = true;
      EXPECT_EQ(e.ns, "USB_STORAGE");
      EXPECT_TRUE(e.gpl_only);
    }
  EXPECT_TRUE(found);
}

// Issue 7 §2.b: objcopy --set-section-flags __versions=contents,readonly leaves __versions
// without SHF_ALLOC (kmod's --force-modversion does the same). The kernel's find_sec() no
// longer sees it; modinfo/depmod still read it, so the reader keeps every CRC and says so.
TEST(ModuleReader, UnallocatedVersionsOfARealModule) {
  std::string p = find_module(testdata::kOld61, "drivers/input/misc/pcspkr.ko");
  OFSCK_REQUIRE_DATA(p);
  std::string d = testdata::make_temp_dir("noalloc");
  std::string out = d + "/pcspkr.ko";
  int status = 0;
  std::string log = testdata::run("objcopy --set-section-flags __versions=contents,readonly " +
                                      sh_quote(p) + " " + sh_quote(out) + " 2>&1",
                                  &status);
  ASSERT_EQ(status, 0) << log;
  Result<model::ModuleFile> a = read_module(p);
  Result<model::ModuleFile> b = read_module(out);
  ASSERT_TRUE(a) << to_string(a.error());
  ASSERT_TRUE(b) << to_string(b.error());
  EXPECT_TRUE(a->versions_alloc);
  EXPECT_TRUE(b->has_versions);
  EXPECT_FALSE(b->versions_alloc);
  ASSERT_EQ(a->imports.size(), b->imports.size());
  for (size_t i = 0; i < a->imports.size(); ++i) {
    EXPECT_EQ(a->imports[i].name, b->imports[i].name);
    EXPECT_EQ(a->imports[i].crc, b->imports[i].crc) << a->imports[i].name;
    EXPECT_EQ(b->imports[i].versions_crc, b->imports[i].crc) << a->imports[i].name;
  }
  // kmod agrees: modprobe --dump-modversions still lists module_layout.
  std::string dump = testdata::run("modprobe --dump-modversions " + sh_quote(out));
  EXPECT_NE(dump.find("module_layout"), std::string::npos) << dump;
  fs::remove_all(d);
}

TEST(ModuleReader, MissingFileAndDirectoryAreErrors) {
  Result<model::ModuleFile> m = read_module("/nonexistent/x.ko");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().where.path, "/nonexistent/x.ko");
  EXPECT_FALSE(read_module("/tmp"));
  std::string d = testdata::make_temp_dir("loop");
  fs::create_symlink(d + "/a.ko", d + "/b.ko");
  fs::create_symlink(d + "/b.ko", d + "/a.ko");
  Result<model::ModuleFile> l = read_module(d + "/a.ko");
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("symbolic links"), std::string::npos) << l.error().message;
  fs::remove_all(d);
}

}  // namespace
}  // namespace ofsck::read
