# ofsck — see README.md. `make demo` and `make test` work on a fresh Debian 12 machine as root.
JOBS ?= $(shell nproc)
BUILD ?= build/release
TESTBUILD ?= build/asan

.PHONY: all deps demo test build testbuild testdata fuzz bench lint clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DOFSCK_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target ofsck

testbuild: deps
	@cmake -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DOFSCK_SANITIZE=ON >/dev/null
	@cmake --build $(TESTBUILD) -j $(JOBS)

testdata: deps
	@bash scripts/fetch-testdata.sh
	@for k in 6.1.0-47-amd64 6.1.0-56-amd64 k7; do bash scripts/build-test-modules.sh $$k >/dev/null; done

demo: build
	@bash scripts/demo.sh $(BUILD)/ofsck

test: testbuild testdata
	@bash scripts/run-tests.sh $(TESTBUILD)

# Every libFuzzer target (fuzz/*_fuzz.cc) built with clang-14 in build/fuzz, each run for
# FUZZ_SECONDS (20) over a copy of its corpus. `make test` runs it too (scripts/run-tests.sh).
fuzz: deps
	@bash scripts/fuzz.sh build/fuzz

# clang-format-14 --dry-run over the tracked C++ files, clang-tidy-14 over src/ (.clang-format,
# .clang-tidy); non-zero on any finding. LINT_BASE=<rev> checks only files changed since <rev>.
# `make test` runs it too (scripts/run-tests.sh; OFSCK_SKIP_LINT=1 skips it).
lint: deps
	@bash scripts/lint.sh

bench: build testdata
	@cmake --build $(BUILD) -j $(JOBS) --target floor
	@bash bench/run.sh $(BUILD)/ofsck

clean:
	rm -rf build
