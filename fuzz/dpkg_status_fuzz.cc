// libFuzzer target for the dpkg status parser (read/pkgdb/dpkg.cc, load_dpkg_db()): the input
// becomes <root>/var/lib/dpkg/status of a private root whose info/ holds list files for the
// packages "linux-image-6.1.0-47-amd64" (plain and ":amd64") and "kmod", so stanzas that name
// them also reach the .list reader.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "read/pkgdb/pkgdb.hpp"

namespace {

std::string make_root() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/ofsck-dpkg-fuzz-XXXXXX";
  if (!mkdtemp(tmpl.data())) std::abort();
  std::string root = tmpl;
  std::filesystem::create_directories(root + "/var/lib/dpkg/info");
  const std::string info = root + "/var/lib/dpkg/info/";
  std::ofstream(info + "linux-image-6.1.0-47-amd64.list")
      << "/.\n/lib\n/lib/modules/6.1.0-47-amd64/kernel/fs/configfs/configfs.ko\n";
  std::ofstream(info + "linux-image-6.1.0-47-amd64:amd64.list") << "/boot/vmlinuz-6.1.0-47-amd64\n";
  std::ofstream(info + "kmod.list") << "/bin/kmod\n\n/sbin/depmod\nrelative\n";
  return root;
}

// Never destroyed: the atexit() handler that removes the root runs after static destructors
// could have freed it.
const std::string& root() {
  static const std::string* r = [] {
    auto* s = new std::string(make_root());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(root(), ec);
    });
    return s;
  }();
  return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(root() + "/var/lib/dpkg/status", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto db = ofsck::read::load_dpkg_db(root());
  if (db) {
    size_t n = 0;
    for (const auto& p : db->packages) n += p.name.size() + p.version.size() + p.state.size();
    for (const auto& [path, owners] : db->owners_by_path) n += path.size() + owners.size();
    for (const auto& e : db->problems) n += e.message.size();
    if (n == SIZE_MAX) return 1;
  }
  return 0;
}
