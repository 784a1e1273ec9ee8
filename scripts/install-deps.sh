#!/usr/bin/env bash
# Installs (with apt-get, Debian 12) every package ofsck needs to build, test and run its demo.
# Idempotent: does nothing when all packages are present. Needs root for the install step.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config        # toolchain
  libexpected-dev                          # tl::expected: errors as values across layers
  libfmt-dev                               # formatting of diagnostics
  libcli11-dev                             # command-line parsing
  nlohmann-json3-dev                       # JSON output
  liblzma-dev libzstd-dev zlib1g-dev       # .ko.xz / .ko.zst / .ko.gz and compressed symvers
  liblz4-dev liblzo2-dev libbz2-dev        # kernel image payloads: lz4 (Debian's cloud kernels), lzo, bzip2
  lzop bzip2                               # real lzop/bzip2 tools: recompressed image payloads in tests
  libkmod-dev                              # the reference modules.dep.bin reader (kmod_dump_index)
  libjemalloc-dev                          # the tool's allocator (many small strings, all cores)
  libarchive-dev                           # initramfs images: gzip/xz/zstd/lz4/bzip2 parts
  dracut-core lz4                          # real initramfs images in tests (ofsck image)
  libssl-dev                               # PKCS#7 module signatures, X.509 certificates
  librpm-dev rpm                           # package ownership from the RPM database; rpmbuild in tests
  libgtest-dev libgmock-dev libbenchmark-dev  # tests and benchmarks
  kmod                                     # depmod/modinfo/modprobe: the oracle in tests
  xz-utils zstd cpio dpkg-dev              # unpacking real kernel packages
  qemu-system-x86 busybox-static           # real-kernel oracle boots
  bc flex bison libelf-dev                 # kbuild of out-of-tree test modules
  mmdebstrap                               # a Debian unstable chroot for the 7.x kbuild (glibc 2.38+)
  clang-14 llvm-14-tools                   # libFuzzer targets, FileCheck
  clang-format-14 clang-tidy-14            # make lint: one format (.clang-format), bug/perf/size checks (.clang-tidy)
  openssl python3 time                     # time: peak RSS in bench/run.sh
  initramfs-tools-core                     # mkinitramfs: real initramfs-tools images in tests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
