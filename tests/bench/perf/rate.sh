#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Receive rate of ov2rx on one lcore: net_pcap with infinite_rx=1 (a pcap
# of one AES-GCM-128 tunnel SA made by ov2gen, replayed from memory) into
# net_null, hugepages, replay check off (the pcap repeats its sequence
# numbers). Prints the rate of each run and the median of RUNS runs for
# every size; with several builds (-b, repeatable) the runs alternate
# between them, so a before/after comparison sees the same machine load.
#
# Two figures per run: Mpps over the wall clock (rx_packets / active_s, as
# ov2rx prints it) and Mpps per CPU second (rx_packets / the user + system
# time the process used, EAL start-up included). On a machine other jobs
# share, a polling lcore is descheduled for part of the run and the wall
# rate drops with it; the CPU rate is what one dedicated core would do
# (less what sharing the caches costs), so it is the figure to compare.
#
# usage: tests/bench/perf/rate.sh [-b BUILD]... [-s SIZE]... [-r RUNS]
#        [-d SECONDS] [-m MB] [-c CONF] [-l LCORES] [-n COUNT]
#        [-g "ov2gen options"] [-x "ov2rx options"]
#   -n packets per SA in the pcap (default 4096); with many SAs, e.g.
#   -c many.conf -n 1 -g --random-order -x "--sa-capacity 131072 --rxd 16384"
#   -m 1024 (net_pcap holds the whole pcap in mbufs: at most ~16,000 packets)
#   -G GENCONF makes the pcap from GENCONF's SAs (a subset of CONF's, so
#   that a table of 100,000 SAs is looked up by 16,000 of them)
#   -e leaves start-up out (loading 100,000 SAs takes CPU seconds): each run
#   is a 2 s run and a (2 + SECONDS) s run, and its figures are the
#   differences (packets / active time, packets / CPU time) between them
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
builds=()
sizes=()
runs=3
dur=5
mem=256
conf=
lcores=0
count=4096
genopts=
rxopts=
excl=0
genconf=
while getopts "b:s:r:d:m:c:l:n:g:x:eG:" o; do
	case $o in
	b) builds+=("$OPTARG") ;;
	s) sizes+=("$OPTARG") ;;
	r) runs=$OPTARG ;;
	d) dur=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) conf=$OPTARG ;;
	l) lcores=$OPTARG ;;
	n) count=$OPTARG ;;
	g) genopts=$OPTARG ;;
	x) rxopts=$OPTARG ;;
	e) excl=1 ;;
	G) genconf=$OPTARG ;;
	*) echo "usage: $0 [-b BUILD]... [-s SIZE]... [-r RUNS] [-d S] [-m MB] [-c CONF]" \
		"[-l LCORES] [-n COUNT] [-g OPTS] [-x OPTS] [-e] [-G GENCONF]" >&2
	   exit 2 ;;
	esac
done
[ ${#builds[@]} -gt 0 ] || builds=("$here/../../../build")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 1400)
for b in "${builds[@]}"; do
	[ -x "$b/app/ov2rx/ov2rx" ] || { echo "$0: no ov2rx in $b" >&2; exit 1; }
done
[ -d /dev/hugepages ] || { echo "$0: no hugetlbfs at /dev/hugepages" >&2; exit 1; }

dir=$(mktemp -d /tmp/ov2rate.XXXXXX)
trap 'rm -rf "$dir"' EXIT
if [ -z "$conf" ]; then
	conf=$dir/one.conf
	cat > "$conf" <<'CONF'
sa in 1000 aead_algo aes-128-gcm \
aead_key 2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:de:ad:be:ef \
mode ipv4-tunnel src 172.16.1.5 dst 172.16.2.5
CONF
fi

# one ov2rx run of $3 seconds: prints "packets active_s cpu_s"
run1() {
	local b=$1 pcap=$2 d=$3 js=$dir/stats.json
	rm -f "$js"
	/usr/bin/time -f "%U %S" -o "$dir/time" "$b/app/ov2rx/ov2rx" -l "$lcores" --no-pci \
		-m "$mem" --file-prefix ov2rate$$ \
		--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
		-f "$conf" --in 0 --out 1 --duration "$d" --replay-window 0 \
		--stats-json "$js" $rxopts > "$dir/log" 2>&1 || { cat "$dir/log" >&2; return 1; }
	/usr/bin/python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))
u,k=(float(x) for x in open(sys.argv[2]).read().split()[-2:])
d=s["drops_total"]
if d: sys.exit("drops: %d" % d)
print(s["rx_packets"], s["active_s"], u + k)' "$js" "$dir/time"
}

# one figure: "Mpps wall/Mpps per CPU second"
run() {
	local a
	if [ $excl = 0 ]; then
		a=$(run1 "$1" "$2" "$dur") || return 1
		set -- 0 0 0 $a
	else
		a="$(run1 "$1" "$2" 2) $(run1 "$1" "$2" $((dur + 2)))" || return 1
		# shellcheck disable=SC2086
		set -- $a
	fi
	/usr/bin/python3 -c 'import sys
p1,a1,c1,p2,a2,c2=map(float,sys.argv[1:])
print("%.3f/%.3f" % ((p2 - p1) / (a2 - a1) / 1e6, (p2 - p1) / (c2 - c1) / 1e6))' "$@"
}

# median of field f (1: wall, 2: CPU) of "wall/cpu" words
median() {
	local f=$1
	shift
	printf '%s\n' "$@" | cut -d/ -f"$f" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

echo "ov2rx, AES-GCM-128 (${conf##*/}), lcores $lcores, $dur s runs, median of $runs" \
	"$([ $excl = 1 ] && echo "(start-up excluded)")"
echo "(Mpps wall clock / Mpps per CPU second)"
for s in "${sizes[@]}"; do
	"${builds[0]}/app/ov2gen/ov2gen" -f "${genconf:-$conf}" -o "$dir/g$s.pcap" --count "$count" --size "$s" \
		$genopts >/dev/null
	declare -A res=()
	for ((r = 0; r < runs; r++)); do
		for i in "${!builds[@]}"; do
			res[$i]="${res[$i]:-} $(run "${builds[$i]}" "$dir/g$s.pcap")"
		done
	done
	for i in "${!builds[@]}"; do
		# shellcheck disable=SC2086
		printf "size %5s  %-32s median %7s / %7s   runs:%s\n" "$s" "${builds[$i]}" \
			"$(median 1 ${res[$i]})" "$(median 2 ${res[$i]})" "${res[$i]}"
	done
	unset res
done
