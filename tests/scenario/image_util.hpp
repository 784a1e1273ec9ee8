#pragma once
// Shared by the `ofsck image` tests (image_test.cc, image_boot_test.cc): small real images
// staged from the cached Debian 6.1 tree.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "scenario/image.hpp"
#include "testdata.hpp"

namespace ofsck::check::image_util {

inline const std::string kKver = testdata::kNew61;

/// The modules of build_image(): rdma_cm's closure and r8169's.
inline constexpr const char* kImageMods =
    "rdma_cm ib_core iw_cm ib_cm configfs r8169 realtek libphy mdio_devres";

/// Stages a small image tree from the real 6.1.0-56 tree: modules `mods` (with depmod -b), the
/// firmware r8169 names (dummy contents), one modprobe.d file. `drop` lists stage paths removed
/// after depmod (a module or firmware file lost from the image), then packs early + main cpio.
inline std::string build_image(const std::string& dir, const std::string& drop = "",
                               const std::string& comp = "zstd -q -c",
                               const std::string& mods = kImageMods) {
  std::string t = testdata::module_dir(kKver);
  std::string script =
      fmt::format(R"(set -e
cd {dir}; rm -rf stage early; K={k}; T={t}
mkdir -p stage/usr/lib/modules/$K stage/etc/modprobe.d early/kernel/x86/microcode
ln -s usr/lib stage/lib
for m in {mods}; do
  f=$(cd $T && find kernel -name "$m.ko"); mkdir -p stage/usr/lib/modules/$K/$(dirname $f)
  cp $T/$f stage/usr/lib/modules/$K/$f
done
cp $T/modules.order $T/modules.builtin $T/modules.builtin.modinfo stage/usr/lib/modules/$K/
depmod -b stage $K
for fw in $(modinfo -F firmware stage/usr/lib/modules/$K/kernel/drivers/net/ethernet/realtek/r8169.ko); do
  mkdir -p stage/usr/lib/firmware/$(dirname $fw); echo fw > stage/usr/lib/firmware/$fw
done
echo "options r8169 aspm=0" > stage/etc/modprobe.d/r8169.conf
echo ucode > early/kernel/x86/microcode/GenuineIntel.bin
{drop}
(cd early && find . | cpio -o -H newc --quiet) > image
(cd stage && find . | sort | cpio -o -H newc --quiet | {comp}) >> image
)",
                  fmt::arg("dir", dir), fmt::arg("k", kKver), fmt::arg("t", t),
                  fmt::arg("drop", drop), fmt::arg("comp", comp), fmt::arg("mods", mods));
  int st = 0;
  testdata::run("bash -c '" + script + "' 2>&1", &st);
  EXPECT_EQ(st, 0);
  return dir + "/image";
}

inline ImageOptions options(const std::string& image, std::vector<std::string> need) {
  ImageOptions o;
  o.image = image;
  o.node.spec.root = testdata::tree(kKver);
  o.node.spec.cmdline = "";
  o.node.rs.cache_dir = testdata::process_cache_dir();
  o.need = std::move(need);
  return o;
}

inline std::vector<const Finding*> with_rule(const ImageReport& r, std::string_view rule) {
  std::vector<const Finding*> v;
  for (const auto& f : r.result.findings)
    if (f.rule == rule) v.push_back(&f);
  return v;
}

inline size_t errors(const ImageReport& r) {
  size_t n = 0;
  for (const auto& f : r.result.findings) n += f.severity == Severity::kError;
  return n;
}

}  // namespace ofsck::check::image_util
