#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the whole project and its test suite with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc) into build-asan, run every meson test
# there, and print "N passed, N failed". Exits non-zero when a test failed.
#
# Any sanitizer report fails the test it happens in: ASan stops at the first
# error (halt_on_error), UB is not recovered from (-fno-sanitize-recover),
# and LeakSanitizer turns a leak into exit status 23 at process exit.
# DPDK and libipsec-mb are not instrumented: ASan sees their heap use only
# through malloc/free, which is what the suppressions in
# scripts/sanitize.supp are about (each one is explained there).
#
# Usage: bash scripts/sanitize.sh [meson test names...]
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bdir=build-asan

if [ ! -f "$bdir/build.ninja" ]; then
	# debugoptimized: -O2 -g, so reports carry file:line; werror stays on
	meson setup "$bdir" --buildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined >/dev/null ||
		{ echo "sanitize: meson setup failed"; exit 1; }
fi
ninja -C "$bdir" >/dev/null || { ninja -C "$bdir"; echo "0 passed, 1 failed"; exit 1; }

supp="$top/scripts/sanitize.supp"
# halt_on_error: the first report ends the process with a failure status.
# abort_on_error=0: exit with that status, no core dump per finding.
# detect_leaks: LeakSanitizer at exit, with the suppressions file (see it
# for why each entry is there). strict_string_checks and
# check_initialization_order: stricter than the defaults. Nothing is
# turned off: DPDK's memory (--no-huge: anonymous mmap) is not malloc'd,
# so ASan neither tracks nor reports it; mbuf data lives there too, which
# is why tests/unit/test_hostile.c and the e2e tests compare bytes and
# counters rather than rely on ASan for mbuf overruns.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:check_initialization_order=1:print_summary=1"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1"
# tests that must not run under the sanitizers (timing, valgrind) skip
# themselves when this is set, and say why
export OV2_SANITIZED=1

meson test -C "$bdir" --print-errorlogs --num-processes 2 "$@"
rc=$?
/usr/bin/python3 "$top/scripts/meson-results.py" "$bdir/meson-logs/testlog.json"
exit $rc
