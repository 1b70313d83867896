#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Faults around the dataplane, end to end (ov2gen traffic through ov2rx):

  txstuck   the output port stops accepting: a net_ring port whose ring
            nobody reads (as a stuck consumer process would leave it),
            for --out and for --errors. The ring takes what fits (1023
            packets), the rest of the delivered packets are counted as
            tx_failed (retried, then freed), a full error port changes no
            counter; ov2rx goes on to the end of its input and exits 0;
            every mbuf is either in those rings or back in the pool.
  exhaust   mbuf pool exhaustion (--mbufs): (a) a flood of first
            fragments that never complete, then valid packets: reassembly
            keeps a quarter of the pool free, so the valid packets are
            still received and delivered; (b) a stuck output ring that
            holds most of a small pool: the input port runs out of mbufs
            (rx_nombuf), ov2rx keeps polling and exits 0 when idle, every
            frame is either received or counted as rx_nombuf, nothing
            leaks; (c) --mbufs refuses values out of range (exit 2).
  sigterm   SIGTERM during heavy traffic: two lcores polling two endless
            inputs (ESP of several SAs, forged packets, fragments,
            cleartext), an error port writing a pcap; signalled at three
            different moments: exit status 0 within 5 s, the summary
            printed, the stats JSON written and consistent (accounting,
            per-SA counters, no mbuf in use at exit).

(tests/unit/test_faults.c: an SA deleted while its packets are in flight.)

usage: faults_e2e.py OV2GEN OV2RX GROUP"""

import json
import os
import signal
import subprocess
import sys
import time

from scapy.all import IP, Raw, raw

import e2e_common as C

EAL = ['--no-huge', '-m', '512', '--no-pci', '--no-telemetry',
       '--log-level', 'lib.eal:warning']
RING_CAP = 1023		# net_ring's ring: 1024 slots, one kept empty
SAS = C.SAS_ALL[:3]	# IPv4 tunnel, IPv6 tunnel, IPv4 transport


class Ctx:
    def __init__(self, gen, rx, fl, tmp):
        self.gen, self.rx, self.fl, self.tmp = gen, rx, fl, tmp
        self.conf = self.path('sa.conf')
        C.write_conf(self.conf, SAS)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def prefix(self, name):
        return 'ov2flt_%s_%d' % (name, os.getpid())

    def cmd(self, name, vdevs, args, lcores='0'):
        c = [self.rx] + EAL + ['-l', lcores, '--file-prefix', self.prefix(name)]
        for v in vdevs:
            c += ['--vdev', v]
        return c + ['--', '-f', self.conf] + list(args)

    def run(self, name, vdevs, args, lcores='0', timeout=120):
        """ov2rx to completion: (process, stats dict or None)."""
        stats = self.path(name + '.json')
        cmd = self.cmd(name, vdevs, list(args) + ['--stats-json', stats], lcores)
        try:
            p = C.run(cmd, timeout=timeout, check=False)
        finally:
            C.remove_runtime_dir(self.prefix(name))
        self.fl.check(p.returncode == 0, '%s: exit status %d, expected 0: %s'
                      % (name, p.returncode, p.stderr[-800:]))
        st = load(stats)
        self.fl.check(st is not None, '%s: no stats JSON' % name)
        return p, st

    def gen_pcap(self, name, args):
        out, man = self.path(name + '.pcap'), self.path(name + '.manifest.json')
        C.ov2gen(self.gen, self.conf, out, args, manifest=man)
        return out, load(man)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def port(st, name):
    return next((p for p in st.get('ports', []) if p.get('name') == name), {})


def accounting(fl, st, what, mbufs_held=0):
    C.check_invariant(fl, st, what)
    C.check_per_sa(fl, st, what)
    fl.check(st.get('mbufs_in_use_at_exit') == mbufs_held, '%s: mbufs_in_use_at_exit %s, '
             'expected %d' % (what, st.get('mbufs_in_use_at_exit'), mbufs_held))


# ---------------------------------------------------------------------------

def test_txstuck(ctx):
    fl = ctx.fl
    inp, man = ctx.gen_pcap('stuck', ['--count', '1000', '--fault', 'bad-icv:1500',
                                      '--cleartext', '200'])
    p, st = ctx.run('stuck', ['net_pcap0,rx_pcap=%s' % inp, 'net_ring0', 'net_ring1'],
                    ['--in', 'net_pcap0', '--out', 'net_ring0', '--errors', 'net_ring1',
                     '--exit-when-idle', '300'])
    if st is None:
        return
    good = man['delivered']		# 3000 ESP + 200 cleartext
    bad = man['frames'] - good
    drops = st.get('drops', {})
    fl.check(st.get('rx_packets') == man['frames'], 'stuck: rx_packets %s, expected %d: ov2rx '
             'did not read its whole input' % (st.get('rx_packets'), man['frames']))
    fl.check(st.get('delivered') == RING_CAP, 'stuck: delivered %s, expected %d (what the '
             'ring took)' % (st.get('delivered'), RING_CAP))
    fl.check(drops.get('tx_failed') == good - RING_CAP, 'stuck: tx_failed %s, expected %d'
             % (drops.get('tx_failed'), good - RING_CAP))
    auth = drops.get('tunnel_esp_auth_failed', 0) + drops.get('transport_esp_auth_failed', 0)
    fl.check(auth == bad, 'stuck: %d auth failures counted, expected %d (a full error port '
             'must not change them)' % (auth, bad))
    out, err = port(st, 'net_ring0'), port(st, 'net_ring1')
    fl.check(out.get('opackets') == RING_CAP and err.get('opackets') == RING_CAP,
             'stuck: the rings took %s and %s packets, expected %d each'
             % (out.get('opackets'), err.get('opackets'), RING_CAP))
    # the per-SA counters keep the consumer's verdict (delivered)
    sa_del = sum(s.get('delivered', 0) for s in st.get('sas', []))
    fl.check(sa_del == good - 200, 'stuck: SAs delivered %d, expected %d' % (sa_del, good - 200))
    # what the two rings hold is all that is not back in the pool
    accounting(fl, st, 'stuck', mbufs_held=2 * RING_CAP)
    fl.check('%d mbufs still in use' % (2 * RING_CAP) in p.stderr,
             'stuck: ov2rx did not report the mbufs the rings hold: %s' % p.stderr[-400:])


def first_fragments(n):
    """n first fragments (MF set, distinct IDs) of ESP for SA 0x1001's
    tunnel endpoint: each waits in the reassembly table for the rest."""
    src, dst = C.sa_addrs(SAS[0])
    out = []
    for i in range(n):
        p = IP(src=src, dst=dst, proto=50, id=i + 1, flags='MF') / \
            Raw(bytes.fromhex('00001001') + bytes(i % 256 for _ in range(100)))
        out.append(bytes.fromhex('020000000002020000000001' + '0800') + raw(p))
    return out


def test_exhaust(ctx):
    fl = ctx.fl
    # (a) fragments would take the whole pool
    good_pcap, man = ctx.gen_pcap('exh_good', ['--count', '40', '--cleartext', '20'])
    good = C.read_frames(good_pcap)
    frags = first_fragments(1200)
    inp = ctx.path('exh_a.pcap')
    C.write_pcap(inp, frags + good)
    mbufs = 512
    _, st = ctx.run('exh_a', ['net_pcap0,rx_pcap=%s' % inp, 'net_null0'],
                    ['--in', 'net_pcap0', '--out', 'net_null0', '--exit-when-idle', '300',
                     '--mbufs', str(mbufs), '--rxd', '64', '--txd', '64'])
    if st is not None:
        in0 = port(st, 'net_pcap0')
        fl.check(st.get('rx_packets') == len(frags) + len(good), 'exhaust a: rx_packets %s, '
                 'expected %d (rx_nombuf %s)' % (st.get('rx_packets'), len(frags) + len(good),
                                                 in0.get('rx_nombuf')))
        fl.check(st.get('delivered') == man['delivered'], 'exhaust a: delivered %s, expected the '
                 '%d valid packets after the fragments' % (st.get('delivered'),
                                                           man['delivered']))
        drops = st.get('drops', {})
        fl.check(drops.get('reassembly_failed') == len(frags), 'exhaust a: reassembly_failed '
                 '%s, expected %d' % (drops.get('reassembly_failed'), len(frags)))
        fl.check(st.get('fragments', 0) < len(frags), 'exhaust a: every fragment (%s) was '
                 'held, though the pool has %d mbufs' % (st.get('fragments'), mbufs))
        accounting(fl, st, 'exhaust a')
    # (b) a stuck output ring holds most of a small pool
    inp, man = ctx.gen_pcap('exh_b', ['--count', '700', '--cleartext', '100'])
    mbufs = 1000		# fewer than the ring holds
    p, st = ctx.run('exh_b', ['net_pcap0,rx_pcap=%s' % inp, 'net_ring0'],
                    ['--in', 'net_pcap0', '--out', 'net_ring0', '--exit-when-idle', '300',
                     '--mbufs', str(mbufs), '--rxd', '64', '--txd', '64'])
    if st is not None:
        in0, ring = port(st, 'net_pcap0'), port(st, 'net_ring0')
        nombuf = in0.get('rx_nombuf', 0)
        fl.check(nombuf > 0, 'exhaust b: rx_nombuf 0: the pool (%d) never ran out (the ring '
                 'took %s)' % (mbufs, ring.get('opackets')))
        fl.check(st.get('rx_packets') + nombuf == man['frames'], 'exhaust b: rx_packets %s + '
                 'rx_nombuf %d != %d frames in the input' % (st.get('rx_packets'), nombuf,
                                                             man['frames']))
        fl.check(st.get('rx_packets') == in0.get('ipackets'), 'exhaust b: rx_packets %s, port '
                 'ipackets %s' % (st.get('rx_packets'), in0.get('ipackets')))
        fl.check(st.get('delivered') == ring.get('opackets'), 'exhaust b: delivered %s, the '
                 'ring took %s' % (st.get('delivered'), ring.get('opackets')))
        accounting(fl, st, 'exhaust b', mbufs_held=ring.get('opackets', -1))
    # (c) bad values: refused before anything starts
    for v in ('0', '255', '16777217', '-5', '1e3', '', 'x'):
        name = 'exh_bad'
        cmd = ctx.cmd(name, ['net_null0'], ['--mbufs', v])
        try:
            p = C.run(cmd, timeout=60, check=False)
        finally:
            C.remove_runtime_dir(ctx.prefix(name))
        fl.check(p.returncode == 2 and '--mbufs' in p.stderr,
                 'exhaust c: --mbufs %r: exit %d, expected 2 with a message naming --mbufs: %s'
                 % (v, p.returncode, p.stderr[-300:]))


def test_sigterm(ctx):
    fl = ctx.fl
    # every SA, forged packets, fragments (ov2gen's 'fragment' fault:
    # reassembled and delivered), wrong SPIs, cleartext; ~1000 frames per
    # input (net_pcap's infinite_rx keeps them all in mbufs of the pool)
    ins = []
    for k in range(2):
        inp, _ = ctx.gen_pcap('sig%d' % k, ['--count', '200', '--fault', 'bad-icv:200',
                                            '--fault', 'fragment:50', '--fault',
                                            'unknown-spi:50', '--cleartext', '100',
                                            '--seq-start', str(1 + 1000 * k),
                                            '--random-order', '--seed', str(k + 1)])
        ins.append(inp)
    for n, delay in enumerate((0.3, 1.5, 3.0)):
        name = 'sigterm%d' % n
        stats, errp = ctx.path(name + '.json'), ctx.path(name + '.errors.pcap')
        cmd = ctx.cmd(name, ['net_pcap0,rx_pcap=%s,infinite_rx=1' % ins[0],
                             'net_pcap1,rx_pcap=%s,infinite_rx=1' % ins[1],
                             'net_null0,no-rx=1', 'net_pcap2,tx_pcap=%s' % errp],
                      ['--in', 'net_pcap0', '--in', 'net_pcap1', '--out', 'net_null0',
                       '--errors', 'net_pcap2', '--stats-json', stats], lcores='0-1')
        errf = open(ctx.path(name + '.stderr'), 'w')
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, text=True)
        try:
            # started once it says it is polling
            line, t0 = '', time.monotonic()
            while 'polling' not in line and time.monotonic() - t0 < 30:
                line = proc.stdout.readline()
                if not line:
                    break
            started = fl.check('polling' in line, '%s: ov2rx did not start polling' % name)
            if started:
                time.sleep(delay)
                fl.check(proc.poll() is None, '%s: ov2rx exited before SIGTERM' % name)
                proc.send_signal(signal.SIGTERM)
            t1 = time.monotonic()
            try:
                out, _ = proc.communicate(timeout=5 if started else 1)
                rc = proc.returncode
            except subprocess.TimeoutExpired:
                rc, out = None, ''
            dt = time.monotonic() - t1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            errf.close()
            C.remove_runtime_dir(ctx.prefix(name))
        with open(ctx.path(name + '.stderr')) as f:
            err = f.read()
        if not fl.check(rc == 0, '%s: exit status %s after SIGTERM (None: still running after '
                        '5 s), expected 0: %s' % (name, rc, err[-600:])):
            continue
        fl.check(dt < 5, '%s: %.1f s to exit after SIGTERM' % (name, dt))
        fl.check('delivered' in out and 'dropped' in out, '%s: no summary printed' % name)
        st = load(stats)
        if not fl.check(st is not None, '%s: no stats JSON after SIGTERM' % name):
            continue
        fl.check(st.get('lcores') == 2, '%s: %s lcores polling, expected 2'
                 % (name, st.get('lcores')))
        fl.check(st.get('rx_packets', 0) > 1000, '%s: only %s packets received in %.1f s'
                 % (name, st.get('rx_packets'), delay))
        fl.check(st.get('delivered', 0) > 0 and st.get('drops_total', 0) > 0,
                 '%s: delivered %s, drops %s: expected both' % (name, st.get('delivered'),
                                                               st.get('drops_total')))
        ipk = sum(port(st, p).get('ipackets', 0) for p in ('net_pcap0', 'net_pcap1'))
        fl.check(ipk == st.get('rx_packets'), '%s: ports received %d, rx_packets %s'
                 % (name, ipk, st.get('rx_packets')))
        accounting(fl, st, name)
        print('%s: SIGTERM after %.1f s: %s packets, %s delivered, %s dropped, exit in %.2f s'
              % (name, delay, st.get('rx_packets'), st.get('delivered'),
                 st.get('drops_total'), dt))


GROUPS = {'txstuck': test_txstuck, 'exhaust': test_exhaust, 'sigterm': test_sigterm}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in GROUPS:
        print(__doc__)
        return 2
    gen, rx, group = sys.argv[1:]
    fl = C.Failures('faults_' + group)
    tmp = C.tmpdir('faults_' + group)
    GROUPS[group](Ctx(gen, rx, fl, tmp))
    fl.finish(tmp)


if __name__ == '__main__':
    sys.exit(main())
