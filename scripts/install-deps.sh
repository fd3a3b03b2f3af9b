#!/bin/sh
# Install tenet's build and test dependencies from Debian packages.
# Idempotent: does nothing when everything is present. Never downloads
# anything but Debian packages.
set -e
PKGS="build-essential pkg-config clang llvm libbpf-dev libxdp-dev libpcap-dev
libhyperscan-dev libcmocka-dev libyaml-dev gnuplot-nox libdpdk-dev iproute2
libclang-rt-14-dev python3 tcpdump libmicrohttpd-dev curl prometheus"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
