#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SA adds per second through ov2rx's control socket with 1,000,000 SAs
present (run by hand, not a meson test).

usage: bench_ctl.py OV2RX OV2CTL [PRESENT] [BATCH] [RUNS]

Starts ov2rx (one lcore polling an idle net_ring port, --no-huge) with
--ctl, fills the table to PRESENT SAs (default 1,000,000) through the
socket, then times RUNS (default 3) batches of BATCH (default 50,000) more
'sa add' requests, pipelined on one connection by 'ov2ctl -q -s PATH -',
and as many 'sa del' of them. Prints every run and the medians.
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

RX, CTL = sys.argv[1], sys.argv[2]
PRESENT = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
BATCH = int(sys.argv[4]) if len(sys.argv) > 4 else 50000
RUNS = int(sys.argv[5]) if len(sys.argv) > 5 else 3
KEY = ':'.join('%02x' % (i * 7 + 3) for i in range(20))


def add_req(i):
    return ('sa add %d aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel '
            'dst 10.%d.%d.%d replay-window 64\n'
            % (0x10000 + i, KEY, (i >> 16) & 255, (i >> 8) & 255, i & 255))


def del_req(i):
    return 'sa del %d dst 10.%d.%d.%d\n' % (0x10000 + i, (i >> 16) & 255, (i >> 8) & 255,
                                            i & 255)


def batch(sock, text, n, what):
    t0 = time.perf_counter()
    p = subprocess.run([CTL, '-q', '-s', sock, '-'], input=text.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=3600)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit('%s failed (%d): %s' % (what, p.returncode, p.stderr[-500:]))
    return n / dt, dt


def main():
    tmp = tempfile.mkdtemp(prefix='bench_ctl_')
    conf = os.path.join(tmp, 'one.conf')
    with open(conf, 'w') as f:
        f.write('sa in 300 ' + add_req(0)[len('sa add 65536 '):])
    sock = os.path.join(tmp, 'ctl.sock')
    prefix = 'bench_ctl_%d' % os.getpid()
    cap = PRESENT + (RUNS + 1) * BATCH
    cmd = [RX, '--no-huge', '-m', str(max(512, cap * 2300 // (1 << 20))), '--no-pci',
           '--no-telemetry', '-l', '0', '--file-prefix', prefix, '--log-level',
           'lib.eal:warning', '--vdev', 'net_ring0', '--', '-f', conf,
           '--ctl', sock, '--sa-capacity', str(cap)]
    rx = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not os.path.exists(sock):
            if rx.poll() is not None:
                raise SystemExit('ov2rx failed: %s' % rx.stderr.read().decode()[-1000:])
            time.sleep(0.1)
        n_fill = PRESENT - 1
        rate, dt = batch(sock, ''.join(add_req(i) for i in range(1, PRESENT)), n_fill, 'fill')
        print('filled to %d SAs: %d adds in %.1f s (%.0f adds/s)' % (PRESENT, n_fill, dt, rate))
        adds, dels = [], []
        for r in range(RUNS):
            lo = PRESENT + r * BATCH
            rate, dt = batch(sock, ''.join(add_req(i) for i in range(lo, lo + BATCH)), BATCH,
                             'add')
            adds.append(rate)
            print('run %d: %d sa add with %d..%d SAs present: %.2f s, %.0f adds/s'
                  % (r + 1, BATCH, lo, lo + BATCH, dt, rate))
        for r in range(RUNS):
            lo = PRESENT + r * BATCH
            rate, dt = batch(sock, ''.join(del_req(i) for i in range(lo, lo + BATCH)), BATCH,
                             'del')
            dels.append(rate)
            print('run %d: %d sa del: %.2f s, %.0f dels/s' % (r + 1, BATCH, dt, rate))
        print('median of %d runs with %d SAs present: %.0f SA adds/s, %.0f SA deletes/s '
              '(one connection, pipelined)' % (RUNS, PRESENT, statistics.median(adds),
                                               statistics.median(dels)))
    finally:
        rx.send_signal(signal.SIGINT)
        try:
            rx.wait(timeout=300)
        except subprocess.TimeoutExpired:
            rx.kill()
        subprocess.run(['rm', '-rf', tmp, '/var/run/dpdk/' + prefix])


if __name__ == '__main__':
    main()
