#!/usr/bin/env bash
# Install what heapdiff needs to build and test on Debian (bookworm or
# later): compiler, meson, protobuf-c, zlib, libdeflate, cJSON, elfutils'
# libdw (names the frames of C and C++ profiles), and the test oracles (go
# tool pprof, cmark-gfm, valgrind, chromium for the browser test of the SVG
# and HTML pictures, jemalloc with jeprof and tcmalloc for the native
# profiles), and libcurl (profiles from URLs, heapdiff watch).  Uses sudo
# when not root.
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
pkgs="gcc g++ libiberty-dev clang pkg-config meson ninja-build protobuf-c-compiler libprotobuf-c-dev
      zlib1g-dev libdeflate-dev libcjson-dev golang-go cmark-gfm valgrind python3
      gzip time bc chromium libdw-dev libjemalloc-dev libgoogle-perftools-dev
      openjdk-17-jdk-headless libcurl4-openssl-dev"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
