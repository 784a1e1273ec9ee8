#pragma once
/// Locating real test data (Debian kernel packages fetched by scripts/fetch-testdata.sh, modules
/// built by scripts/build-test-modules.sh). Tests that need it GTEST_SKIP() only when the
/// environment variable OFSCK_ALLOW_MISSING_TESTDATA=1 is set; otherwise they fail, so CI
/// cannot silently pass without the real data.
#include <string>

namespace ofsck::testdata {

/// $OFSCK_TESTDATA or ~/.cache/ofsck-testdata
std::string cache_dir();
/// Extracted package tree for a kernel release, e.g. tree("6.1.0-47-amd64").
std::string tree(const std::string& kver);
/// <tree>/lib/modules/<kver> (or usr/lib/modules).
std::string module_dir(const std::string& kver);
/// <tree>/usr/src/linux-headers-<kver>/Module.symvers
std::string symvers(const std::string& kver);
/// Built test modules dir for kver ($cache/modules/<kver>).
std::string test_modules(const std::string& kver);
/// Source dir and build dir.
std::string source_dir();
std::string binary_dir();
/// Path of the ofsck binary under test.
std::string ofsck_bin();
/// True if a path exists.
bool exists(const std::string& path);
/// Runs a shell command, returns stdout; exit status in *status when given.
std::string run(const std::string& cmd, int* status = nullptr);
/// Fresh temporary directory (removed by the caller or left under /tmp).
std::string make_temp_dir(const std::string& tag);
/// A module cache dir shared by the tests of this process (ctest runs one suite per process),
/// made on first use under /tmp and removed at exit: the first test of a suite reads a whole
/// tree, the others hit the cache as a repeat run would. Pass it where a test does not care
/// whether its read is cold (`--cache-dir`, NodeSpec::cache_dir).
std::string process_cache_dir();
/// A file's bytes, whole; "" when it cannot be read.
std::string slurp(const std::string& path);

inline constexpr const char* kOld61 = "6.1.0-47-amd64";
inline constexpr const char* kNew61 = "6.1.0-56-amd64";
inline constexpr const char* kCloud61 = "6.1.0-56-cloud-amd64";
inline constexpr const char* k612 = "6.12.117+deb12-amd64";
/// The newest Debian 7.x amd64 kernel in the cache (fetched from unstable by
/// scripts/fetch-testdata.sh k7, whose version is picked at fetch time), e.g.
/// "7.2.13+deb14-amd64"; "" when none is cached. Its tree keeps the package layout
/// (usr/lib/modules/KVER with vmlinuz beside the modules).
std::string k7();

}  // namespace ofsck::testdata

/// Skip-or-fail guard for tests needing real data at `path`.
#define OFSCK_REQUIRE_DATA(path)                                                        \
  do {                                                                                  \
    if (!::ofsck::testdata::exists(path)) {                                             \
      if (getenv("OFSCK_ALLOW_MISSING_TESTDATA")) GTEST_SKIP() << "missing " << (path); \
      FAIL() << "missing test data " << (path) << " (run scripts/fetch-testdata.sh)";   \
    }                                                                                   \
  } while (0)
