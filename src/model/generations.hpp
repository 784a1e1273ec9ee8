#pragma once
/// The kernel and kmod generations ofsck models: the range its load and selection rules are
/// written and tested for (README "How exact is it"; kernel-semantics.md). `ofsck --version`
/// prints them from here. Older or newer inputs are still read; their facts are decided from
/// their own evidence, but nothing outside this range was checked against the real tools.
namespace ofsck::model {

/// A kernel release's first two numbers ("3.10", "7.2").
struct KernelGeneration {
  int major = 0, minor = 0;
};

/// Oldest kernel modelled: 3.10 (RHEL 7), the legacy `__ksymtab`/`__kcrctab` layout.
inline constexpr KernelGeneration kOldestKernel{3, 10};
/// Newest kernel major modelled: 7.x (Debian unstable's 7.2 is the newest real tree tested).
inline constexpr int kNewestKernelMajor = 7;

/// kmod 30 (Debian 12) is what depmod selection and modprobe config reading default to
/// (KmodVersion::major); kmod 34 (Debian 13/unstable) is the newest checked as an oracle.
inline constexpr int kOldestKmod = 30;
inline constexpr int kNewestKmod = 34;

}  // namespace ofsck::model
