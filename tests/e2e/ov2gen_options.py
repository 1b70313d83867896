#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ov2gen's command line: bad options exit non-zero with a message that names
the problem (never a crash, never a half-written output); good ones work.

usage: ov2gen_options.py OV2GEN"""

import os
import subprocess
import sys

import e2e_common as C


def main():
    gen = sys.argv[1]
    fl = C.Failures('ov2gen_options')
    tmp = C.tmpdir('options')
    conf = os.path.join(tmp, 'all.conf')
    C.write_conf(conf, C.SAS_ALL)
    v6 = os.path.join(tmp, 'v6.conf')
    C.write_conf(v6, [sa for sa in C.SAS_ALL if C.outer_family(sa) == 6])
    transport = os.path.join(tmp, 'transport.conf')
    C.write_conf(transport, [sa for sa in C.SAS_ALL if not C.is_tunnel(sa)])
    nodst = os.path.join(tmp, 'nodst.conf')
    C.write_conf(nodst, [C.SAS_ALL[4]])
    outonly = os.path.join(tmp, 'out.conf')
    C.write_conf(outonly, [dict(C.SAS_ALL[0], dir='out')])
    badconf = os.path.join(tmp, 'bad.conf')
    with open(badconf, 'w') as f:
        f.write('sa in 300 aead_algo aes-128-gcm mode transport\n')
    out = os.path.join(tmp, 'o.pcap')
    base = ['-f', conf, '-o', out]
    out_spi = str(C.SAS_ALL[0]['spi'])

    bad = [
        ([], 'missing -f'),
        (['-f', conf], 'missing -o'),
        (base + ['--bogus'], 'bogus'),
        (base + ['extra'], "unexpected argument 'extra'"),
        (base + ['--count'], 'count'),
        (base + ['--count', 'abc'], "bad number 'abc'"),
        (base + ['--count', '-1'], "bad number '-1'"),
        (base + ['--count', '12x'], "bad number '12x'"),
        (base + ['--count', '99999999999999999999999'], 'bad number'),
        (base + ['--size', '10'], 'too small'),
        (base + ['--size', '0'], 'too small'),
        (base + ['--size', '70000'], 'too large'),
        (base + ['--size', '16380'], 'maximum'),
        (base + ['--size', '28'], 'too small for IPv6'),
        (base + ['--sizes', '64,,x'], "bad size 'x'"),
        (base + ['--sizes', ''], 'bad list'),
        (base + ['--sizes', ','], 'bad list'),
        (base + ['--sizes', '64,5'], "size '5' too small"),
        (base + ['--inner-family', '5'], 'not 4 or 6'),
        (base + ['--fault', 'nope'], "unknown fault kind 'nope'"),
        (base + ['--fault', 'none'], "unknown fault kind 'none'"),
        (base + ['--fault', 'bad-icv:0'], "bad number '0'"),
        (base + ['--fault', 'bad-icv:x'], "bad number 'x'"),
        (base + ['--fault', ':3'], 'unknown fault kind'),
        (base + ['--spi', '12345'], '--spi 12345: no inbound ESP SA'),
        (base + ['--spi', 'abc'], "bad number 'abc'"),
        (base + ['--seq-start', 'x'], "bad number 'x'"),
        (base + ['--seed', '-5'], "bad number '-5'"),
        (base + ['--cleartext', 'many'], "bad number 'many'"),
        (['-f', os.path.join(tmp, 'missing.conf'), '-o', out], 'missing.conf'),
        (['-f', badconf, '-o', out], 'bad.conf:1'),
        (['-f', outonly, '-o', out], 'no inbound ESP SA'),
        (['-f', outonly, '-o', out, '--spi', out_spi], 'no inbound ESP SA'),
        (['-f', v6, '-o', out, '--fault', 'ipv4-options'], 'ipv4-options applies to none'),
        (['-f', transport, '-o', out, '--fault', 'bad-inner'], 'bad-inner applies to none'),
        (['-f', nodst, '-o', out, '--fault', 'wrong-dst'], 'wrong-dst applies to none'),
        (['-f', conf, '-o', os.path.join(tmp, 'no', 'such', 'dir.pcap')], 'dir.pcap'),
        (base + ['--expect', os.path.join(tmp, 'no', 'e.pcap')], 'e.pcap'),
    ]
    for args, msg in bad:
        if os.path.exists(out):
            os.unlink(out)
        p = subprocess.run([gen] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        what = 'ov2gen %s' % ' '.join(a.replace(tmp, 'TMP') for a in args)
        fl.check(p.returncode > 0, '%s: exit %d, expected an error' % (what, p.returncode))
        fl.check(msg in p.stderr, '%s: message %r lacks %r' % (what, p.stderr.strip(), msg))
        fl.check(p.stdout == '', '%s: printed a summary: %r' % (what, p.stdout))
        fl.check(not os.path.exists(out) or 'dir.pcap' in msg or 'e.pcap' in msg,
                 '%s: left %s behind' % (what, out))

    # A failed run removes what it created, and only that.
    keep = os.path.join(tmp, 'keep.json')
    with open(keep, 'w') as f:
        f.write('keep')
    p = subprocess.run([gen, '-f', conf, '-o', os.path.join(tmp, 'no', 'o.pcap'),
                        '--manifest', keep], capture_output=True, text=True)
    fl.check(p.returncode > 0 and open(keep).read() == 'keep',
             'failed run touched an existing manifest')
    p = subprocess.run([gen] + base + ['--manifest', os.path.join(tmp, 'no', 'm.json')],
                       capture_output=True, text=True)
    fl.check(p.returncode > 0 and 'm.json' in p.stderr and not os.path.exists(out),
             'manifest failure: exit %d, %r, out left: %s'
             % (p.returncode, p.stderr, os.path.exists(out)))

    p = subprocess.run([gen, '--help'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    fl.check(p.returncode == 0 and 'usage: ov2gen' in p.stdout and '--fault' in p.stdout,
             '--help: exit %d, %r' % (p.returncode, p.stdout[:200]))

    good = [
        (base, 'frames', 70),
        (base + ['--count', '0', '--cleartext', '2'], 'cleartext 2', 2),
        (base + ['--count', '1', '--spi', '0x%x' % C.SAS_ALL[2]['spi'], '--fault', 'fragment:2'],
         'fragment 2', 5),
        (base + ['--size', '16000', '--count', '1', '--spi', out_spi], 'good 1', 1),
        (['-f', nodst, '-o', out, '--fault', 'bad-icv', '--size', '28'], 'bad-icv 1', 11),
    ]
    for args, msg, frames in good:
        p = subprocess.run([gen] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        what = 'ov2gen %s' % ' '.join(a.replace(tmp, 'TMP') for a in args)
        fl.check(p.returncode == 0 and msg in p.stdout, '%s: exit %d, %r %r'
                 % (what, p.returncode, p.stdout, p.stderr))
        fl.check(len(C.read_frames(out)) == frames, '%s: %d frames, expected %d'
                 % (what, len(C.read_frames(out)), frames))
    fl.finish(tmp)


if __name__ == '__main__':
    main()
