#!/usr/bin/env bash
# The ov2rx demo: generate ESP traffic for config/demo.conf (good packets of
# four SAs, every kind of fault, some cleartext), run ov2rx on net_pcap
# virtual devices, print its summary and check the delivered packets.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh

out=out/demo
mkdir -p "$out"
rm -f "$out"/*.pcap "$out"/*.json
echo
echo "== generating traffic with ov2gen"
build/app/ov2gen/ov2gen -f config/demo.conf -o "$out/traffic.pcap" \
	--count 250 --sizes 64,512,1400 --random-order --seed 7 \
	--fault bad-icv:20 --fault unknown-spi:10 --fault wrong-dst:5 \
	--fault truncated:5 --fault ipv4-options:5 --fault fragment:5 \
	--fault wrong-proto:5 --fault bad-pad:3 --cleartext 20 \
	--expect "$out/expected.pcap" --manifest "$out/manifest.json"

mem=$(bash scripts/eal-mem.sh 1024)
# with hugepages: unlink the page files once mapped, so the 1 GiB goes
# back to the system when ov2rx exits instead of staying reserved by its
# files in /dev/hugepages
case "$mem" in *--no-huge*) ;; *) mem="$mem --huge-unlink" ;; esac
echo
echo "== running ov2rx (EAL memory: $mem)"
build/app/ov2rx/ov2rx $mem --no-pci --no-telemetry -l 0 --file-prefix ov2rx-demo \
	--log-level 'lib.*:warning' \
	--vdev "net_pcap0,rx_pcap=$out/traffic.pcap" \
	--vdev "net_pcap1,tx_pcap=$out/delivered.pcap" \
	--vdev "net_pcap2,tx_pcap=$out/dropped.pcap" \
	-- -f config/demo.conf --in net_pcap0 --out net_pcap1 --errors net_pcap2 \
	--exit-when-idle 500 --stats-json "$out/stats.json"

echo
echo "== checking the delivered packets against what ov2gen encrypted"
/usr/bin/python3 scripts/pcapcmp.py "$out/delivered.pcap" "$out/expected.pcap"
echo "files: $out/{traffic,delivered,dropped,expected}.pcap, $out/stats.json"
