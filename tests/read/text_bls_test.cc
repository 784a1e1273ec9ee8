#include "read/text/bls.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ofsck::read {
namespace {

/// An entry as kernel-install's 90-loaderentry.install writes it.
const char* const kKernelInstall = R"(# Boot Loader Specification type#1 entry
title      Debian GNU/Linux 12 (bookworm)
version    6.1.0-56-amd64
machine-id 6f3c0c8b2e5d4b4a9d5e0b1c2d3e4f50
sort-key   debian
options    root=UUID=0f1e ro quiet
linux      /6f3c0c8b2e5d4b4a9d5e0b1c2d3e4f50/6.1.0-56-amd64/linux
initrd     /6f3c0c8b2e5d4b4a9d5e0b1c2d3e4f50/6.1.0-56-amd64/initrd.img-6.1.0-56-amd64
)";

/// An entry as RHEL's kernel-core / grubby writes it (no sort-key, id = machine-id-version).
const char* const kRhel =
    R"(title Red Hat Enterprise Linux (5.14.0-427.13.1.el9_4.x86_64) 9.4 (Plow)
version 5.14.0-427.13.1.el9_4.x86_64
linux /vmlinuz-5.14.0-427.13.1.el9_4.x86_64
initrd /initramfs-5.14.0-427.13.1.el9_4.x86_64.img $tuned_initrd
options root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M $tuned_params
grub_users $grub_users
grub_arg --unrestricted
grub_class rhel
)";

TEST(BlsEntry, KernelInstallAndRhelEntries) {
  auto e = parse_bls_entry(kKernelInstall, "6f3c-6.1.0-56-amd64.conf", "/boot/loader/entries/x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->title, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(e->version, "6.1.0-56-amd64");
  EXPECT_EQ(e->sort_key, "debian");
  EXPECT_EQ(e->machine_id, "6f3c0c8b2e5d4b4a9d5e0b1c2d3e4f50");
  EXPECT_EQ(e->linux, "/6f3c0c8b2e5d4b4a9d5e0b1c2d3e4f50/6.1.0-56-amd64/linux");
  auto r = parse_bls_entry(kRhel, "ffff-5.14.0-427.13.1.el9_4.x86_64.conf", "p");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->linux, "/vmlinuz-5.14.0-427.13.1.el9_4.x86_64");
  EXPECT_EQ(r->sort_key, "");
  EXPECT_FALSE(parse_bls_entry(std::string("title a\0b\n", 10), "x.conf", "p"));
}

BlsEntry entry(std::string id, std::string version, std::string sort_key = {}) {
  BlsEntry e;
  e.id = std::move(id);
  e.version = std::move(version);
  e.sort_key = std::move(sort_key);
  return e;
}

std::vector<std::string> ids(const std::vector<BlsEntry>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.id);
  return out;
}

TEST(BlsEntry, SystemdBootOrder) {
  std::vector<BlsEntry> v = {entry("m-6.1.0-9-amd64.conf", "6.1.0-9-amd64"),
                             entry("m-6.1.0-47-amd64.conf", "6.1.0-47-amd64"),
                             entry("z-6.1.0-56-amd64.conf", "6.1.0-56-amd64", "debian"),
                             entry("a-6.1.0-10-amd64.conf", "6.1.0-10-amd64", "debian")};
  sort_bls_entries(v);
  // sort-key first (then version newest first), then the rest by id newest first
  EXPECT_EQ(ids(v), (std::vector<std::string>{"z-6.1.0-56-amd64.conf", "a-6.1.0-10-amd64.conf",
                                              "m-6.1.0-47-amd64.conf", "m-6.1.0-9-amd64.conf"}));
}

TEST(LoaderConf, DefaultPattern) {
  EXPECT_EQ(parse_loader_conf_default("timeout 3\n# default x\ndefault  debian-*  \n"), "debian-*");
  EXPECT_EQ(parse_loader_conf_default("timeout 3\n"), std::nullopt);
  std::vector<BlsEntry> v = {entry("debian-6.1.0-56-amd64.conf", ""),
                             entry("debian-6.1.0-47-amd64.conf", "")};
  EXPECT_EQ(match_loader_default(v, "*47*"), 1u);
  EXPECT_EQ(match_loader_default(v, "debian-6.1.0-56-amd64"), 0u);  // without .conf
  EXPECT_EQ(match_loader_default(v, "debian-*.conf"), 0u);
  EXPECT_EQ(match_loader_default(v, "fedora-*"), std::nullopt);
}

}  // namespace
}  // namespace ofsck::read
