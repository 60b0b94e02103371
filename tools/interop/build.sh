#!/usr/bin/env bash
# Builds tools/interop/bin/ttrpc-peer, the Go ttrpc interop peer, fully offline:
# GOPATH mode against the Go sources shipped by Debian in /usr/share/gocode.
# Missing Debian packages are installed with apt-get (as root or via sudo).
# Silent on success; idempotent (a rebuild with a warm cache takes ~0.3 s).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin"

# golang-github-containerd-ttrpc-dev already depends on the libraries below;
# they are listed because the peer imports them directly.
pkgs=(
  golang-go                             # Go toolchain (1.19 on bookworm)
  golang-github-containerd-ttrpc-dev    # github.com/containerd/ttrpc v1.1.1
  golang-github-gogo-protobuf-dev       # gogo proto (ttrpc's codec), types.BytesValue
  golang-google-grpc-dev                # grpc status/codes, health/grpc_health_v1
  golang-google-genproto-dev            # google.golang.org/genproto rpc status
  golang-github-golang-protobuf-1-3-dev # github.com/golang/protobuf v1.3
  golang-github-sirupsen-logrus-dev     # logrus (used by ttrpc)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "build.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

GO=go
command -v go >/dev/null || GO=/usr/lib/go/bin/go

mkdir -p "$bin/gopath"
cd "$here"
env GOENV=off GOFLAGS= GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 \
    GOPATH="$bin/gopath:/usr/share/gocode" GOCACHE="$bin/gocache" \
    "$GO" build -trimpath -o "$bin/ttrpc-peer" ./ttrpc-peer
