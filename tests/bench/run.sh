#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The receive benchmark: ov2rx beside raw libipsec-mb, dpdk-testpmd and
# ipsec-secgw on the same vdevs, in one run. See BENCHMARKS.md.
#   bash tests/bench/run.sh [--quick] [options of tests/bench/bench.py]
# Needs root (hugepages, DPDK runtime directories), the Debian packages
# dpdk, dpdk-dev, dpdk-doc, libipsec-mb-dev, valgrind and python3.
set -e
here=$(cd "$(dirname "$0")" && pwd)
# the packages (apt-get, only what is missing) and the build of ./build
bash "$here/../../scripts/setup.sh"
exec /usr/bin/python3 -B "$here/bench.py" "$@"
