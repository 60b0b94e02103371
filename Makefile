# CopyTrade: the two commands a user needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build and the tests need; installed when missing.
TEST_PACKAGES := golang-go golang-github-containerd-ttrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libsqlite3-dev pkg-config
DEMO_PACKAGES := libsqlite3-dev

.PHONY: demo test build bench check-generated generate interop-peer clean

## make demo: set up, build, and run the demo scenario through the real daemon and copyctl.
demo:
	tools/ensure-packages $(DEMO_PACKAGES)
	$(SWIFT) build --product copytraded
	$(SWIFT) build --product copyctl
	tools/demo.sh

## make test: set up, build, and run every test (unit, end-to-end, interop with the Go peer).
test: interop-peer
	tools/ensure-packages $(TEST_PACKAGES)
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

build:
	$(SWIFT) build

interop-peer:
	tools/interop/build.sh

## make bench: the benchmarks behind BENCHMARKS.md (release build).
bench: interop-peer
	$(SWIFT) build -c release --product copytrade-bench
	$$($(SWIFT) build -c release --show-bin-path)/copytrade-bench all

## make check-generated: fail when committed protobuf code is stale.
check-generated:
	tools/check-generated

## make generate: regenerate Swift and C protobuf code from proto/.
generate:
	tools/gen-proto

clean:
	rm -rf .build tools/interop/bin
