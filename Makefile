# CopyTrade: the two commands a user needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build and the tests need; installed when missing. postgresql: the
# tests start a throwaway cluster of their own from its binaries (Tests/TestSupport/PostgresServer.swift).
TEST_PACKAGES := golang-go golang-github-containerd-ttrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libsqlite3-dev pkg-config chromium bsdutils gdb procps postgresql
DEMO_PACKAGES := libsqlite3-dev

.PHONY: demo test build bench check-generated generate interop-peer plugins clean

## make demo: set up, build, and run the demo scenario through the real daemon and copyctl.
demo:
	tools/ensure-packages $(DEMO_PACKAGES)
	$(SWIFT) build --product copytraded
	$(SWIFT) build --product copyctl
	tools/demo.sh

## make test: set up, build, and run every test (unit, end-to-end, interop with the Go peer).
test: interop-peer
	tools/ensure-packages $(TEST_PACKAGES)
	$(MAKE) plugins
	$(MAKE) -C plugins/margin-c test
	$(SWIFT) build --build-tests
	# tools/swift-test: `swift test` under a time limit that prints stacks instead of hanging.
	SWIFT=$(SWIFT) tools/swift-test --skip-build --skip ShardedEquivalenceTests
	# The 10,000-step equivalence runs on PostgreSQL (minutes each) on their own: their load
	# would stretch the timing-dependent suites beside them.
	COPYTRADE_TEST_LIMIT=1800 SWIFT=$(SWIFT) tools/swift-test --skip-build --filter ShardedEquivalenceTests
	# The end-to-end suite again with every module out of process, then with the C margin plugin.
	COPYTRADE_E2E_MODULES=processes SWIFT=$(SWIFT) tools/swift-test --skip-build --filter EndToEndTests
	COPYTRADE_E2E_MODULES=margin-c SWIFT=$(SWIFT) tools/swift-test --skip-build --filter EndToEndTests

build:
	$(SWIFT) build

interop-peer:
	tools/interop/build.sh

## The C margin plugin (plugins/margin-c), built with the normal build.
plugins:
	tools/ensure-packages libprotobuf-c-dev pkg-config
	$(MAKE) -C plugins/margin-c

## make bench: the benchmarks behind BENCHMARKS.md (release build).
# Release builds use their own scratch path so they never block (or get blocked by) the
# debug `.build` that `make test` and `make demo` use. copytrade-module is the out-of-process
# Swift ttrpc server the ttrpc benchmark measures; copytraded the two `--postgres` members the
# failover benchmark kills, on a throwaway PostgreSQL server started from Debian's binaries.
BENCH_SCRATCH := .build-release
bench: interop-peer
	tools/ensure-packages postgresql
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product copytrade-bench
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product copytrade-module
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product copytraded
	$$($(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --show-bin-path)/copytrade-bench all

## make check-generated: fail when committed protobuf code is stale.
check-generated:
	tools/check-generated

## make generate: regenerate Swift and C protobuf code from proto/.
generate:
	tools/gen-proto

clean:
	rm -rf .build .build-release tools/interop/bin
	$(MAKE) -C plugins/margin-c clean
