# ofsck — see README.md. `make demo` and `make test` work on a fresh Debian 12 machine as root.
JOBS ?= $(shell nproc)
BUILD ?= build/release
TESTBUILD ?= build/asan
PKGBUILD ?= build/package

.PHONY: all deps deps-package deps-test demo test build testbuild testdata package fuzz bench lint clean

all: build

# scripts/install-deps.sh sets: build (building and running: make build, make demo), package
# (+ dpkg-dev, rpm) and test (+ the whole test toolchain).
deps:
	@bash scripts/install-deps.sh build

deps-package:
	@bash scripts/install-deps.sh package

deps-test:
	@bash scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DOFSCK_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target ofsck

testbuild: deps-test
	@cmake -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DOFSCK_SANITIZE=ON >/dev/null
	@cmake --build $(TESTBUILD) -j $(JOBS)

testdata: deps-test
	@bash scripts/fetch-testdata.sh
	@for k in 6.1.0-47-amd64 6.1.0-56-amd64 k7; do bash scripts/build-test-modules.sh $$k >/dev/null; done

demo: build
	@bash scripts/demo.sh $(BUILD)/ofsck

# The test data (downloads, unpacking, a build chroot, kbuild) is made while the test build
# compiles: the network waits overlap the compiler instead of adding to it.
test: deps-test
	@$(MAKE) --no-print-directory testdata & fetch=$$!; \
	  $(MAKE) --no-print-directory testbuild; built=$$?; \
	  wait $$fetch && exit $$built
	@$(MAKE) --no-print-directory package
	@bash scripts/run-tests.sh $(TESTBUILD)

# $(PKGBUILD)/packages/ofsck_VERSION_ARCH.deb and ofsck-VERSION-1.ARCH.rpm (CPack; see
# packaging/package.cmake): /usr/sbin/ofsck, ofsck(8) and a page per command, bash and zsh
# completion, /etc/ofsck/ofsck.conf (conffile), the README in /usr/share/doc/ofsck.
package: deps-package
	@cmake -S . -B $(PKGBUILD) -DCMAKE_BUILD_TYPE=Release -DOFSCK_TESTS=OFF -DOFSCK_BENCH=OFF \
	  -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
	@cmake --build $(PKGBUILD) -j $(JOBS) --target ofsck ofsck_docs
	@cd $(PKGBUILD) && cpack -G DEB >/dev/null && cpack -G RPM >/dev/null
	@ls $(PKGBUILD)/packages/*.deb $(PKGBUILD)/packages/*.rpm

# Every libFuzzer target (fuzz/*_fuzz.cc) built with clang-14 in build/fuzz, each run for
# FUZZ_SECONDS (10) over a copy of its corpus. `make test` runs it too (scripts/run-tests.sh).
fuzz: deps-test
	@bash scripts/fuzz.sh build/fuzz

# clang-format-14 --dry-run over the tracked C++ files, clang-tidy-14 over src/ (.clang-format,
# .clang-tidy); non-zero on any finding. LINT_BASE=<rev> checks only files changed since <rev>.
# `make test` runs it too (scripts/run-tests.sh; OFSCK_SKIP_LINT=1 skips it).
lint: deps-test
	@bash scripts/lint.sh

bench: build testdata
	@cmake --build $(BUILD) -j $(JOBS) --target floor
	@bash bench/run.sh $(BUILD)/ofsck

clean:
	rm -rf build
