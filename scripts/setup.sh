#!/usr/bin/env bash
# Install what ov2rx needs (Debian 12 packages) and build it into ./build.
# Safe to run again: installs only missing packages, rebuilds incrementally.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packages=(gcc pkg-config meson ninja-build dpdk-dev libdpdk-dev libipsec-mb-dev
          libnuma-dev libpcap-dev python3-scapy python3-cryptography tshark
          clang libclang-rt-14-dev dpdk-doc valgrind)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	# tshark brings wireshark-common, whose debconf question (may non-root
	# users capture packets?) must not wait for an answer: preseed it (no)
	# and install without a frontend. "env" passes DEBIAN_FRONTEND through
	# sudo, whose env_reset would drop a plain VAR=value prefix.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		$sudo debconf-set-selections
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

cd "$top"
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null || { ninja -C build; exit 1; }
echo "setup: built $(ls build/app/ov2rx/ov2rx build/app/ov2gen/ov2gen | tr '\n' ' ')"
