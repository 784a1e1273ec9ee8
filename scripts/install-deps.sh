#!/usr/bin/env bash
# Installs (with apt-get, Debian 12) the packages one set of ofsck's work needs:
#   install-deps.sh [build]   building and running ofsck (make build, make demo): the
#                             compiler and the libraries it links, nothing else;
#   install-deps.sh package   + the packaging tools (make package);
#   install-deps.sh test      + the whole test toolchain (make test, fuzz, lint, bench): qemu,
#                             clang, dracut, initramfs-tools, kbuild, gtest, lintian, man-db...
# Idempotent: does nothing when all packages are present. Needs root for the install step.
set -euo pipefail
set_name=${1:-build}
build=(
  build-essential cmake pkg-config        # toolchain
  libexpected-dev                          # tl::expected: errors as values across layers
  libfmt-dev                               # formatting of diagnostics
  libcli11-dev                             # command-line parsing, --help, man pages, completion
  nlohmann-json3-dev                       # JSON output
  liblzma-dev libzstd-dev zlib1g-dev       # .ko.xz / .ko.zst / .ko.gz and compressed symvers
  liblz4-dev liblzo2-dev libbz2-dev        # kernel image payloads: lz4 (Debian's cloud kernels), lzo, bzip2
  libkmod-dev                              # the reference modules.dep.bin reader (kmod_dump_index)
  libjemalloc-dev                          # the tool's allocator (many small strings, all cores)
  libarchive-dev                           # initramfs images: gzip/xz/zstd/lz4/bzip2 parts; .deb/.rpm payloads
  libssl-dev                               # PKCS#7 module signatures, X.509 certificates
  librpm-dev                               # package ownership from the RPM database
)
package=(
  dpkg-dev                                 # dpkg-shlibdeps: the .deb's Depends from the libraries linked
  rpm                                      # rpmbuild: the .rpm (its Requires from the same libraries)
)
test=(
  dracut-core lz4                          # real initramfs images in tests (ofsck image)
  lzop bzip2                               # real lzop/bzip2 tools: recompressed image payloads in tests
  libgtest-dev libgmock-dev libbenchmark-dev  # tests and benchmarks
  kmod                                     # depmod/modinfo/modprobe: the oracle in tests
  xz-utils zstd cpio                       # unpacking real kernel packages
  qemu-system-x86 busybox-static           # real-kernel oracle boots
  bc flex bison libelf-dev                 # kbuild of out-of-tree test modules
  mmdebstrap                               # a Debian unstable chroot for the 7.x kbuild (glibc 2.38+)
  clang-14 llvm-14-tools                   # libFuzzer targets, FileCheck
  clang-format-14 clang-tidy-14            # make lint: one format (.clang-format), bug/perf/size checks (.clang-tidy)
  openssl python3 time                     # time: peak RSS in bench/run.sh
  initramfs-tools-core                     # mkinitramfs: real initramfs-tools images in tests
  lintian                                  # the built .deb is lintian-clean of errors
  man-db                                   # man -l --warnings renders every generated page cleanly
  zsh                                      # the generated zsh completion parses (zsh -n)
  clustershell                             # nodeset -f/-e: the oracle for model/nodeset folding
)
case $set_name in
  build) pkgs=("${build[@]}") ;;
  package) pkgs=("${build[@]}" "${package[@]}") ;;
  test) pkgs=("${build[@]}" "${package[@]}" "${test[@]}") ;;
  *) echo "usage: install-deps.sh [build|package|test]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps ($set_name): installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
