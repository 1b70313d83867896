#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Instructions per packet of ov2rx's receive path, counted by callgrind:
# repeatable where wall-clock rates are not (a shared, noisy machine).
#
# Generates COUNT packets of one AES-GCM-128 tunnel SA (or the SAs of
# CONF) with ov2gen, runs ov2rx under callgrind with --no-huge on net_pcap
# (finite, --exit-when-idle) into net_null, replay check off, and prints
# the inclusive instruction count per packet of:
#   ov2_offload_rx       the NIC side (the software offload engine the
#                        rx callback runs; the callback itself also runs
#                        on empty polls, so it is not the figure)
#   ov2_consumer_rx      the transport side
# and the self cost per packet of the hottest functions below those.
#
# usage: tests/bench/perf/callgrind.sh [-b BUILD] [-s SIZE] [-n COUNT]
#        [-c CONF] [-m MB] [-x "ov2rx options"] [-k] [-- extra ov2gen options]
#   -n packets per SA; -m EAL memory (default 256); -x more ov2rx options
#   (e.g. "--sa-capacity 131072"); -k keeps the work directory
#   (callgrind.out for callgrind_annotate).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../../build
size=64
count=20000
conf=
keep=0
mem=256
rxopts=
while getopts "b:s:n:c:m:x:k" o; do
	case $o in
	b) build=$OPTARG ;;
	s) size=$OPTARG ;;
	n) count=$OPTARG ;;
	c) conf=$OPTARG ;;
	m) mem=$OPTARG ;;
	x) rxopts=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: $0 [-b BUILD] [-s SIZE] [-n COUNT] [-c CONF] [-m MB] [-x OPTS] [-k]" \
		"[-- ov2gen options]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))

for t in valgrind callgrind_annotate; do
	command -v $t >/dev/null || { echo "$0: $t not found" >&2; exit 1; }
done
gen=$build/app/ov2gen/ov2gen
rx=$build/app/ov2rx/ov2rx
[ -x "$gen" ] && [ -x "$rx" ] || { echo "$0: build ov2rx and ov2gen first ($build)" >&2; exit 1; }

dir=$(mktemp -d /tmp/ov2perf.XXXXXX)
if [ $keep = 0 ]; then
	trap 'rm -rf "$dir"' EXIT
fi
if [ -z "$conf" ]; then
	conf=$dir/one.conf
	cat > "$conf" <<'CONF'
sa in 1000 aead_algo aes-128-gcm \
aead_key 2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:de:ad:be:ef \
mode ipv4-tunnel src 172.16.1.5 dst 172.16.2.5
CONF
fi
"$gen" -f "$conf" -o "$dir/in.pcap" --count "$count" --size "$size" "$@" >/dev/null
pkts=$(/usr/bin/python3 -c 'import sys,struct
f=open(sys.argv[1],"rb"); f.read(24); n=0
while True:
    h=f.read(16)
    if len(h)<16: break
    f.seek(struct.unpack("<IIII",h)[2],1); n+=1
print(n)' "$dir/in.pcap")

valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
	--toggle-collect=ov2_offload_rx --toggle-collect=ov2_consumer_rx \
	"$rx" -l 0 --no-pci --no-huge -m "$mem" --file-prefix ov2cg$$ \
	--vdev "net_pcap0,rx_pcap=$dir/in.pcap" --vdev net_null0,no-rx=1 -- \
	-f "$conf" --in 0 --out 1 --exit-when-idle 1000 --replay-window 0 \
	--stats-json "$dir/stats.json" $rxopts > "$dir/ov2rx.log" 2>&1 ||
	{ cat "$dir/ov2rx.log" >&2; exit 1; }
got=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rx_packets"])' \
	"$dir/stats.json")
[ "$got" = "$pkts" ] || { echo "$0: ov2rx received $got of $pkts packets" >&2; exit 1; }

echo "size $size, $pkts packets; instructions per packet (callgrind Ir)"
# One row per function: functions inlined from several files (with -g)
# appear once per file; self costs add up, inclusive costs take the largest.
annotate() {
	callgrind_annotate --auto=no "$@" "$dir/callgrind.out" 2>/dev/null |
	awk '/^ *[0-9,]+ +\( *[0-9.]+%\) / && !/PROGRAM TOTALS/ {
		c = $1; gsub(",", "", c);
		f = $0; sub(/^[^)]*\) +/, "", f); lib = f;
		sub(/ \[.*$/, "", f); sub(/^.*:/, "", f);
		if (lib ~ /\[/) { sub(/^.*\[/, "", lib); sub(/\]$/, "", lib); sub(/^.*\//, "", lib) }
		else lib = "";
		print c "\t" f "\t" lib }'
}
echo "receive path (inclusive; the rx callback adds a call and a return):"
annotate --inclusive=yes | awk -F'\t' -v n="$pkts" '
	$2 ~ /^(ov2_offload_rx|ov2_consumer_rx)$/ {
		if ($1 > v[$2]) v[$2] = $1 }
	END {
		printf "  %-28s %8.1f\n", "NIC side (ov2_offload_rx)", v["ov2_offload_rx"] / n;
		printf "  %-28s %8.1f\n", "consumer (ov2_consumer_rx)", v["ov2_consumer_rx"] / n;
		printf "  %-28s %8.1f\n", "total", (v["ov2_offload_rx"] + v["ov2_consumer_rx"]) / n }'
echo "self cost inside the receive path (>= 2 per packet):"
annotate | awk -F'\t' -v n="$pkts" '
	{ v[$2] += $1; l[$2] = $3 }
	END { for (f in v) if (v[f] / n >= 2) printf "  %-44s %8.1f  %s\n", f, v[f] / n, l[f] }' |
	sort -k2 -rn -t$'\t' | sort -rn -k2 | head -30
if [ $keep = 1 ]; then
	echo "kept: $dir (callgrind.out, ov2rx.log, stats.json)"
fi
