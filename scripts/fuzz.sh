#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the libFuzzer harnesses of tests/fuzz with clang (build-fuzz/,
# -Dfuzz=true: ASan + UBSan + coverage on the harness and lib/) and run
# each for a bounded time on a corpus made of the committed seeds
# (tests/fuzz/corpus/<harness>/), the regression inputs
# (tests/fuzz/regress/<harness>/) and, for the packet harness, ov2gen traffic
# and scapy-made AH / bundle / nesting generated now for tests/fuzz/packet.conf.
#
# Environment:
#   FUZZ_SECONDS  seconds per harness (default: 180 s shared by all of them)
#   FUZZ_JOBS     parallel libFuzzer processes per harness (default 1)
#   FUZZ_OUT      work directory (default out/fuzz): corpora, logs, findings
#   FUZZ_HARNESSES  harnesses to run (default: every one tests/fuzz builds)
#   FUZZ_NICE     niceness of the fuzzers (default 10)
#
# Prints the executions of each harness and ends with "N passed, N failed";
# a harness that finds a crash, a sanitizer report or a broken invariant
# fails, and its input is left in $FUZZ_OUT/<harness>/ (crash-*, leak-*,
# timeout-*): add it to tests/fuzz/regress/<harness>/ with the fix.
# Exit status: 0 when every harness passed.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${FUZZ_BUILD:-build-fuzz}
OUT=${FUZZ_OUT:-out/fuzz}
JOBS=${FUZZ_JOBS:-1}
NICE=${FUZZ_NICE:-10}

if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang is needed (Debian: clang, libclang-rt-dev)" >&2
	exit 2
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_lundef=false >"$OUT/setup.log" 2>&1 ||
		{ cat "$OUT/setup.log" >&2; exit 2; }
fi
HARNESSES=${FUZZ_HARNESSES:-$(sed -n "s/^ *'\(fuzz_[a-z0-9_]*\)',*$/\1/p" tests/fuzz/meson.build)}
targets="app/ov2gen/ov2gen tests/fuzz/fuzz_packet_replay"
for h in $HARNESSES; do
	targets="$targets tests/fuzz/$h"
done
# shellcheck disable=SC2086
if ! nice -n "$NICE" ninja -C "$BUILD" $targets >"$BUILD/fuzz-ninja.log" 2>&1; then
	cat "$BUILD/fuzz-ninja.log" >&2
	echo "fuzz.sh: build failed" >&2
	exit 2
fi
n_h=$(echo "$HARNESSES" | wc -w)
SECONDS_EACH=${FUZZ_SECONDS:-$((180 / n_h))}
par=()
[ "$JOBS" -gt 1 ] && par=(-jobs="$JOBS" -workers="$JOBS")

# Seeds for the packet harness, made now: ov2gen frames of every SA of
# packet.conf with every fault kind, jumbo frames, cleartext and IKE, plus
# the known-answer packets and (when scapy is there) AH, a bundle, nesting.
packet_seeds() {
	local d=$OUT/gen g=$BUILD/app/ov2gen/ov2gen conf=tests/fuzz/packet.conf scapy=
	rm -rf "$d"
	mkdir -p "$d"
	"$g" -f $conf -o "$d/a.pcap" --count 3 --sizes 48,200,1400 --fault bad-icv:4 \
		--fault unknown-spi --fault wrong-dst --fault truncated:2 --fault ipv4-options:2 \
		--fault fragment:6 --fault wrong-proto:2 --fault bad-pad:2 --fault bad-inner:2 \
		--cleartext 2 --ike 2 >/dev/null &&
	"$g" -f $conf -o "$d/b.pcap" --count 2 --size 3000 --inner-family 6 \
		--fault fragment:4 >/dev/null &&
	"$g" -f $conf -o "$d/c.pcap" --count 4 --random-order --seed 7 --size 100 >/dev/null ||
		{ echo "fuzz.sh: ov2gen failed" >&2; return 1; }
	/usr/bin/python3 -c 'import scapy' 2>/dev/null && scapy=--scapy
	/usr/bin/python3 tests/fuzz/gen_seeds.py "$d/seeds" --pcap "$d/a.pcap" --pcap "$d/b.pcap" \
		--pcap "$d/c.pcap" --kat tests/vectors/esp-kat.txt $scapy >"$d/log" 2>&1 ||
		{ cat "$d/log" >&2; return 1; }
	# seal-mode seeds: the frames the NIC side decrypted, in plaintext
	mkdir -p "$d/seal"
	OV2_FUZZ_SEAL_SEEDS="$d/seal" "$BUILD/tests/fuzz/fuzz_packet_replay" "$d/seeds" \
		>>"$d/log" 2>&1 || { cat "$d/log" >&2; return 1; }
}

passed=0
failed=0
for h in $HARNESSES; do
	w=$OUT/$h
	mkdir -p "$w/corpus"
	rm -f "$w"/crash-* "$w"/leak-* "$w"/timeout-* "$w"/oom-*
	seeds="$ROOT/tests/fuzz/corpus/$h"
	extra=()
	if [ "$h" = fuzz_packet ]; then
		packet_seeds || { failed=$((failed + 1)); continue; }
		extra=("$OUT/gen/seeds" "$OUT/gen/seal")
		maxlen=20000
	else
		maxlen=4096
	fi
	regress=()
	[ -d "tests/fuzz/regress/$h" ] && regress=("$ROOT/tests/fuzz/regress/$h")
	# Leak checks stay on (per input and at exit: EAL's and DPDK's own
	# allocations do not show up as leaks); a report aborts, so libFuzzer
	# keeps the input.
	(cd "$w" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		nice -n "$NICE" "$ROOT/$BUILD/tests/fuzz/$h" -max_total_time="$SECONDS_EACH" \
		-max_len=$maxlen -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 "${par[@]}" \
		corpus "$seeds" "${regress[@]}" "${extra[@]}") >"$w/log" 2>&1
	rc=$?
	logs=$(cat "$w"/log "$w"/fuzz-*.log 2>/dev/null)
	execs=$(echo "$logs" | awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}')
	rate=$(echo "$logs" | awk '/stat::average_exec_per_sec/ {s += $2} END {print s + 0}')
	cov=$(echo "$logs" | grep -o 'cov: [0-9]*' | tail -1)
	found=$(ls "$w" | grep -c -E '^(crash|leak|timeout|oom)-')
	if [ $rc -eq 0 ] && [ "$found" -eq 0 ]; then
		echo "$h: PASS: $execs executions in ${SECONDS_EACH}s ($rate/s), $cov," \
		     "corpus $(ls "$w/corpus" | wc -l) inputs"
		passed=$((passed + 1))
	else
		echo "$h: FAIL: $execs executions, $found finding(s) in $w (exit $rc); log: $w/log"
		grep -m 3 -E 'ERROR|invariant violated|runtime error' "$w"/log "$w"/fuzz-*.log 2>/dev/null
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
