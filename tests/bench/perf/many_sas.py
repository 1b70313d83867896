#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a configuration of N inbound AES-GCM-128 IPv4 tunnel SAs (SPI 0x10000 + i,
destination 10.a.b.c, keys from a seeded generator), and optionally a second file with a
random subset of K of those lines, for ov2gen to make traffic from (rate.sh -G).

usage: many_sas.py N OUT.conf [K SUBSET.conf]"""
import random
import sys


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    n = int(sys.argv[1])
    if not 1 <= n <= 1 << 22:
        sys.exit("N must be 1..%d" % (1 << 22))
    rnd = random.Random(1)
    lines = []
    for i in range(n):
        key = ':'.join('%02x' % rnd.randrange(256) for _ in range(20))
        lines.append('sa in %d aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel '
                     'src 172.16.1.5 dst 10.%d.%d.%d' %
                     (0x10000 + i, key, 10 + (i >> 16), (i >> 8) & 255, i & 255))
    with open(sys.argv[2], 'w') as f:
        f.write('\n'.join(lines) + '\n')
    if len(sys.argv) == 5:
        k = int(sys.argv[3])
        if not 1 <= k <= n:
            sys.exit("K must be 1..N")
        with open(sys.argv[4], 'w') as f:
            f.write('\n'.join(random.Random(7).sample(lines, k)) + '\n')


if __name__ == '__main__':
    main()
