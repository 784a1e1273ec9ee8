#pragma once
/// Real package databases for tests: .deb packages built with dpkg-deb and installed into a test
/// root with dpkg itself, and .rpm packages built with rpmbuild and installed with rpm (Debian's
/// `rpm` package). Each package's payload is staged from {source file or literal text → path}.
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testdata.hpp"

namespace ofsck::pkgfix {

namespace fs = std::filesystem;

/// One payload file: copied from `src` when it is non-empty, else written from `text`.
struct PayloadFile {
  std::string dest;  ///< absolute target path, e.g. /lib/modules/K/updates/pcspkr.ko
  std::string src;
  std::string text;
};

inline std::string q(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

inline void stage(const std::string& dir, const std::vector<PayloadFile>& files) {
  for (const auto& f : files) {
    std::string dst = dir + f.dest;
    fs::create_directories(fs::path(dst).parent_path());
    if (!f.src.empty()) {
      fs::copy_file(f.src, dst, fs::copy_options::overwrite_existing);
    } else {
      std::ofstream o(dst, std::ios::binary | std::ios::trunc);
      o << f.text;
    }
  }
}

inline std::string must_run(const std::string& cmd) {
  int st = 0;
  std::string out = testdata::run(cmd + " 2>&1", &st);
  if (st != 0) throw std::runtime_error(cmd + " failed (" + std::to_string(st) + "): " + out);
  return out;
}

/// Builds NAME_VERSION_amd64.deb in `work` with dpkg-deb; returns its path.
inline std::string build_deb(const std::string& work, const std::string& name,
                             const std::string& version, const std::vector<PayloadFile>& files,
                             bool multiarch_same = false) {
  std::string dir = work + "/deb-" + name;
  stage(dir, files);
  fs::create_directories(dir + "/DEBIAN");
  std::ofstream c(dir + "/DEBIAN/control");
  c << "Package: " << name << "\nVersion: " << version << "\nArchitecture: amd64\n"
    << (multiarch_same ? "Multi-Arch: same\n" : "")
    << "Maintainer: ofsck tests <tests@example.org>\nDescription: ofsck test package\n";
  c.close();
  std::string deb = work + "/" + name + "_" + version + "_amd64.deb";
  must_run("dpkg-deb --root-owner-group -b " + q(dir) + " " + q(deb));
  return deb;
}

/// Installs a .deb into `root` with dpkg (its database under root/var/lib/dpkg).
inline void dpkg_install(const std::string& root, const std::string& deb) {
  fs::create_directories(root + "/var/lib/dpkg/info");
  fs::create_directories(root + "/var/lib/dpkg/updates");
  if (!fs::exists(root + "/var/lib/dpkg/status")) std::ofstream(root + "/var/lib/dpkg/status");
  must_run("dpkg --root=" + q(root) + " --force-all --instdir=" + q(root) +
           " --admindir=" + q(root + "/var/lib/dpkg") + " -i " + q(deb));
}

/// Builds NAME-VERSION-RELEASE.x86_64.rpm with rpmbuild in `work`; returns its path.
inline std::string build_rpm(const std::string& work, const std::string& name,
                             const std::string& version, const std::string& release,
                             const std::vector<PayloadFile>& files) {
  std::string payload = work + "/rpm-payload-" + name;
  stage(payload, files);
  std::string spec = work + "/" + name + ".spec";
  std::ofstream s(spec);
  s << "Name: " << name << "\nVersion: " << version << "\nRelease: " << release
    << "\nSummary: ofsck test package\nLicense: GPL\nBuildArch: x86_64\n%description\ntest\n"
    << "%install\nmkdir -p %{buildroot}\ncp -a " << payload << "/. %{buildroot}/\n%files\n";
  for (const auto& f : files) s << f.dest << "\n";
  s.close();
  std::string top = work + "/rpmtop";
  must_run("rpmbuild -bb --define " + q("_topdir " + top) + " --define " +
           q("__os_install_post %{nil}") + " --define " + q("debug_package %{nil}") + " " +
           q(spec));
  return top + "/RPMS/x86_64/" + name + "-" + version + "-" + release + ".x86_64.rpm";
}

/// Installs an .rpm into `root` with its database at root/<dbpath>.
inline void rpm_install(const std::string& root, const std::string& rpm,
                        const std::string& dbpath = "/var/lib/rpm") {
  must_run("rpm --root " + q(root) + " --dbpath " + q(dbpath) +
           " -i --nodeps --noscripts --ignorearch --ignoreos " + q(rpm));
}

/// True when the package tools these fixtures need are installed.
inline bool have_tools() {
  int st = 0;
  testdata::run("command -v dpkg-deb && command -v rpmbuild && command -v rpm >/dev/null", &st);
  return st == 0;
}

}  // namespace ofsck::pkgfix
