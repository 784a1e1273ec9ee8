#include "testdata.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace ofsck::testdata {

std::string cache_dir() {
  if (const char* d = getenv("OFSCK_TESTDATA"); d && *d) return d;
  const char* home = getenv("HOME");
  return std::string(home ? home : "/root") + "/.cache/ofsck-testdata";
}
std::string tree(const std::string& kver) { return cache_dir() + "/trees/" + kver; }
std::string module_dir(const std::string& kver) {
  std::string a = tree(kver) + "/lib/modules/" + kver;
  if (exists(a)) return a;
  return tree(kver) + "/usr/lib/modules/" + kver;
}
std::string symvers(const std::string& kver) {
  return tree(kver) + "/usr/src/linux-headers-" + kver + "/Module.symvers";
}
std::string k7() {
  // Highest "7.*-amd64" tree (numeric compare of the dotted release) with a .complete marker.
  std::string best;
  auto key = [](const std::string& k) {
    std::vector<long> v;
    size_t i = 0;
    while (i < k.size() && (isdigit(static_cast<unsigned char>(k[i])) || k[i] == '.')) {
      v.push_back(strtol(k.c_str() + i, nullptr, 10));
      while (i < k.size() && isdigit(static_cast<unsigned char>(k[i]))) ++i;
      if (i < k.size() && k[i] == '.') ++i;
    }
    return v;
  };
  DIR* d = opendir((cache_dir() + "/trees").c_str());
  if (!d) return best;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("7.", 0) != 0 || n.size() < 6 || n.substr(n.size() - 6) != "-amd64") continue;
    if (!exists(tree(n) + "/.complete")) continue;
    if (best.empty() || key(n) > key(best)) best = n;
  }
  closedir(d);
  return best;
}
std::string test_modules(const std::string& kver) { return cache_dir() + "/modules/" + kver; }
std::string source_dir() { return OFSCK_SOURCE_DIR; }
std::string binary_dir() { return OFSCK_BINARY_DIR; }
std::string ofsck_bin() {
  if (const char* b = getenv("OFSCK_BIN"); b && *b) return b;
  return binary_dir() + "/ofsck";
}
bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}
std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}
std::string make_temp_dir(const std::string& tag) {
  std::string tmpl = "/tmp/ofsck-test-" + tag + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string process_cache_dir() {
  static const std::string dir = [] {
    std::string d = make_temp_dir("cache");
    static const std::string removed = d;
    std::atexit([] { std::filesystem::remove_all(removed); });
    return d;
  }();
  return dir;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace ofsck::testdata
