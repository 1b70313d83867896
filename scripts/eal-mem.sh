#!/usr/bin/env bash
# Print the EAL memory options to use: hugepages when they can be had
# (mounting hugetlbfs and reserving 2 MiB pages as root), else --no-huge.
# usage: eal-mem.sh MEGABYTES
set -u
need_mb=${1:-1024}
pages=$(( (need_mb + 1) / 2 ))
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
free=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
if [ "$(id -u)" -eq 0 ] && [ -w "$nr" ]; then
	mountpoint -q /dev/hugepages 2>/dev/null ||
		{ mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } 2>/dev/null
	cur=$(cat "$free" 2>/dev/null || echo 0)
	if [ "$cur" -lt "$pages" ]; then
		total=$(cat "$nr")
		echo $(( total + pages - cur )) > "$nr" 2>/dev/null || true
	fi
fi
if mountpoint -q /dev/hugepages 2>/dev/null &&
   [ "$(cat "$free" 2>/dev/null || echo 0)" -ge "$pages" ]; then
	echo "-m $need_mb"
else
	echo "--no-huge -m $need_mb"
fi
