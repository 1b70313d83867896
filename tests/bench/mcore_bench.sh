#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ov2rx throughput on 1 and 2 lcores (docs/MULTICORE.md), median of RUNS
# runs of DURATION seconds each. Input: net_pcap replaying ov2gen files
# forever (infinite_rx=1), one rx_pcap per queue; output: a net_null sink.
# AES-128-GCM tunnel SAs, 512-byte packets, anti-replay off (the files
# repeat: every packet is decrypted, decapsulated and delivered).
#   1 lcore          one queue, four SAs
#   2 lcores split   two queues, two SAs each (as RSS on the SPI spreads):
#                    no handoff
#   2 lcores shared  two queues, all four SAs on both: half the packets
#                    are handed to the lcore owning their SA
# usage: tests/bench/mcore_bench.sh [BUILD_DIR] (hugepages: -m 256 each)
set -e
B=${1:-build}
RUNS=${RUNS:-3}
DURATION=${DURATION:-4}
T=$(mktemp -d /tmp/ov2mcbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
G=$B/app/ov2gen/ov2gen
R=$B/app/ov2rx/ov2rx
rundir=/var/run/dpdk
[ "$(id -u)" -eq 0 ] || rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk
for i in 1 2 3 4; do
	printf 'sa in %u aead_algo aes-128-gcm aead_key %02x:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:01:02:03:04 mode ipv4-tunnel dst 172.16.2.%u\n' \
		$((4096 + i)) $((i * 16)) $i
done > "$T/sa.conf"
$G -f "$T/sa.conf" -o "$T/all.pcap" --count 250 --size 512 > /dev/null
$G -f "$T/sa.conf" -o "$T/q0.pcap" --spi 4097 --spi 4098 --count 500 --size 512 > /dev/null
$G -f "$T/sa.conf" -o "$T/q1.pcap" --spi 4099 --spi 4100 --count 500 --size 512 > /dev/null
$G -f "$T/sa.conf" -o "$T/s1.pcap" --count 250 --size 512 --seq-start 5001 > /dev/null

# run NAME LCORES RX_PCAPS...: prints delivered Mpps, received Mpps, packets
# handed off, handoff_full drops
run() {
	local name=$1 lc=$2 rxs="" f
	shift 2
	for f in "$@"; do rxs="$rxs,rx_pcap=$f"; done
	$R -l "$lc" -m 256 --no-pci --no-telemetry --file-prefix "ov2mcb_$$_$name" \
		--log-level lib.eal:warning \
		--vdev "net_pcap0${rxs},infinite_rx=1" --vdev net_null0,no-rx=1 -- \
		-f "$T/sa.conf" --in net_pcap0 --out net_null0 --replay-window 0 \
		--duration "$DURATION" --stats-json "$T/$name.json" > "$T/$name.out" 2>&1
	# EAL leaves its runtime directory behind: remove ours
	rm -rf "$rundir/ov2mcb_$$_$name"
	/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=s["active_s"];
print("%.3f %.3f %d %d" % (s["delivered"] / t / 1e6, s["rx_packets"] / t / 1e6,
      s.get("handed_off", 0), s["drops"].get("handoff_full", 0)))' "$T/$name.json"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for sc in "1lcore 0 $T/all.pcap" "2lcores_split 0,1 $T/q0.pcap $T/q1.pcap" \
	  "2lcores_shared 0,1 $T/all.pcap $T/s1.pcap"; do
	set -- $sc
	name=$1
	vals=""
	for r in $(seq 1 "$RUNS"); do
		v=$(run "$name$r" "${@:2}")
		echo "  $name run $r: $v (delivered Mpps, received Mpps, handed_off, handoff_full)"
		vals="$vals $(echo "$v" | cut -d' ' -f1)"
	done
	echo "$name: median $(echo $vals | tr ' ' '\n' | median) Mpps delivered over $RUNS runs"
done
