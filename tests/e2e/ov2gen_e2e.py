#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ov2gen traffic through ov2rx: the delivered frames must equal ov2gen's
--expect pcap byte for byte, and the stats JSON must match its --manifest in
every key (rx_packets = delivered + drops + frag_merged + frag_held; the
per-SA counters add up to the global ones).

usage: ov2gen_e2e.py OV2GEN OV2RX SCENARIO  (SCENARIO: see SCENARIOS)"""

import json
import os
import sys

import e2e_common as C

# Two of every fault; IPv4 options and fragments (processed by the
# consumer's software path) on every SA they apply to, transport included.
FAULT_N = {'fragment': len(C.SAS_ALL),
           'ipv4-options': len([sa for sa in C.SAS_ALL if C.outer_family(sa) == 4])}
ALL_FAULTS = sum((['--fault', '%s:%d' % (k, FAULT_N.get(k, 2))] for k in C.FAULTS), [])
TUNNELS = [sa for sa in C.SAS_ALL if C.is_tunnel(sa)]
V4 = [sa for sa in C.SAS_ALL if C.outer_family(sa) == 4]

# name: (SAs, ov2gen options)
SCENARIOS = {
    # every mode, key size and fault kind, several sizes, cleartext
    'all': (C.SAS_ALL, ['--count', '8', '--sizes', '48,97,128,333,1400'] + ALL_FAULTS +
            ['--cleartext', '4']),
    # tunnels carrying IPv6 (IPv6 in IPv4 and in IPv6)
    'inner6': (TUNNELS, ['--count', '10', '--inner-family', '6', '--sizes', '48,200,1000',
                         '--fault', 'bad-icv:2', '--fault', 'bad-pad:2',
                         '--fault', 'bad-inner:2', '--cleartext', '2']),
    # tunnels carrying IPv4 (IPv4 in IPv6 included), shuffled
    'inner4': (TUNNELS, ['--count', '25', '--inner-family', '4', '--sizes', '28,64,65,66,67',
                         '--random-order', '--seed', '3', '--fault', 'bad-icv:3',
                         '--fault', 'truncated:2', '--cleartext', '3']),
    # IPv4 outer only, every padding length 0..3, options and fragments
    'v4small': (V4, ['--count', '8', '--sizes', '28,29,30,31', '--inner-family', '4',
                     '--fault', 'ipv4-options:3', '--fault', 'fragment:3',
                     '--fault', 'wrong-proto:3', '--fault', 'wrong-dst:3']),
    # more packets, shuffled, sequence numbers near 2^32 (no ESN: no wrap)
    'bulk': (C.SAS_ALL, ['--count', '300', '--sizes', '64,128,256,512,1024,1500',
                         '--random-order', '--seed', '11', '--seq-start', '4294965000',
                         '--fault', 'bad-icv:5', '--cleartext', '20']),
}


def main():
    gen, rx, name = sys.argv[1:4]
    sas, args = SCENARIOS[name]
    fl = C.Failures('ov2gen_e2e %s' % name)
    tmp = C.tmpdir('gen_' + name)
    conf, inp, exp, man, out, stats = (os.path.join(tmp, f) for f in (
        'sa.conf', 'in.pcap', 'expect.pcap', 'manifest.json', 'out.pcap', 'stats.json'))
    C.write_conf(conf, sas)
    g = C.ov2gen(gen, conf, inp, args, exp, man)
    print(g.stdout.strip())
    with open(man) as f:
        manifest = json.load(f)
    st, p = C.ov2rx(rx, tmp, 'ov2gen_e2e_' + name, conf, inp, out, stats)
    C.compare_frames(fl, C.read_frames(out), C.read_frames(exp), name + ': delivered')
    C.check_stats(fl, st, manifest, name)
    if fl.msgs:
        print('stats: %s' % json.dumps(st, sort_keys=True))
        print('manifest: %s' % json.dumps(manifest, sort_keys=True))
    fl.finish(tmp)


if __name__ == '__main__':
    main()
