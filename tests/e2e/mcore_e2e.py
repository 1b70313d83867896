#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two lcores, two rx queues, one writer per SA (docs/MULTICORE.md).

ov2rx runs on lcores 0 and 1 with one net_pcap input port of two queues
(one rx_pcap file each: lcore 0 polls queue 0, lcore 1 queue 1; net_pcap
has no RSS, so each file is a source of its own). Traffic made by scapy
(an independent ESP implementation):

  shared  SAs A (ipv4-tunnel) and B (ipv6-tunnel) on both queues (odd
          sequence numbers on queue 0, even on queue 1), C (transport) on
          queue 0 only, D (ipv4-tunnel) on queue 1 only; the same frame on
          both queues (a replay across lcores), a frame twice on one queue,
          bad ICVs, IPv4 outer headers with options and fragmented ESP
          (the consumer's software path, then the handoff), cleartext.
  nest    a transport SA N nested in a tunnel SA T (NextCryptoDone) on
          queue 0, N's own packets on queue 1: N is often owned by the other
          lcore than T (the NESTED handoff stage; which lcore claims N is a
          race, and both outcomes are checked exactly).
  nest_sw the same with --caps net_pcap0:-transport-tunnel: the NIC side
          checks the tunnel only, the consumer checks the inner ESP in
          software (possibly on the inner SA's owner: the INNER stage).

Checked: every frame delivered exactly once (the multiset of scapy's
plaintexts), every global counter against the model, per-SA counters
exact and adding up to the totals (e2e_common.check_stats), each replay
caught once, handed_off exactly the packets that reached the lcore not
owning their SA (owners read from the per-SA JSON), no handoff_full, the
order of each SA's packets from each queue, the port's receive-spread
line, no mbuf left.

usage: mcore_e2e.py OV2RX [shared|nest|nest_sw]"""

import json
import os
import struct
import sys

from scapy.all import Ether, IP, IPv6, UDP, Raw, fragment, raw
from scapy.layers.inet import IPOption_Router_Alert

import e2e_common as C

EAL = ['--no-huge', '-m', '512', '--no-pci', '--no-telemetry',
       '--log-level', 'lib.eal:warning']

A = C.make_sa(0x3001, 'aes-128-gcm', 'ipv4-tunnel', '172.16.1.5', '172.16.2.5')
B = C.make_sa(0x3002, 'aes-256-gcm', 'ipv6-tunnel', '2001:db8:1::5', '2001:db8:2::5')
CT = C.make_sa(0x3003, 'aes-192-gcm', 'transport', None, '10.0.0.9')
D = C.make_sa(0x3004, 'aes-128-gcm', 'ipv4-tunnel', None, '172.16.3.5')
T = C.make_sa(0x3101, 'aes-128-gcm', 'ipv4-tunnel', '172.16.9.4', '172.16.9.5')
N = C.make_sa(0x3102, 'aes-256-gcm', 'transport', None, '10.9.0.9')


def frame(pkt):
    return raw(Ether(dst=C.ETH_DST, src=C.ETH_SRC) / pkt)


def inner(k, v6=False):
    """A unique inner packet (its payload names k), fields final."""
    data = Raw(b'mcore %06d ' % k + bytes((k + i) & 0xff for i in range(40 + k % 50)))
    if v6:
        a = 'fd00::%x:%x' % (k >> 16, k & 0xffff)
        p = IPv6(src=a + ':1', dst=a + ':2') / UDP(sport=1000 + k % 999, dport=7) / data
    else:
        p = IP(src='192.168.%d.1' % (k % 250), dst='192.168.%d.2' % (k % 250), id=k & 0xffff) \
            / UDP(sport=1000 + k % 999, dport=7) / data
    return p.__class__(raw(p))


def transport_plain(sa, k, df=True):
    p = IP(src='198.51.100.1', dst=sa['dst'], ttl=55, id=k & 0xffff,
           flags='DF' if df else 0) / UDP(sport=2000 + k % 999, dport=9) / \
        Raw(b'mcore-t %06d ' % k + bytes(30 + k % 40))
    return p.__class__(raw(p))


def encrypt(sa, p, seq, options=False):
    iv = struct.pack('!II', sa['spi'], seq * 2654435761 & 0xffffffff)
    csa = C.scapy_sa(sa, ip_options=[IPOption_Router_Alert()] if options else None)
    e = csa.encrypt(p, seq_num=seq, iv=iv)
    return e.__class__(raw(e))


class Traffic:
    """Frames per queue, what must be delivered from each, the counters."""

    def __init__(self, sas):
        self.sas = sas
        self.q = [[], []]
        self.exp = [[], []]
        self.man = C.new_manifest()
        self.per_sa = {sa['spi']: {'delivered': 0, 'drops': {}} for sa in sas}
        self.queue_count = {sa['spi']: [0, 0] for sa in sas}  # frames reaching an owner
        self.nested = []	# the queue of each nested packet
        self.exp_of = {}	# input frame -> the frame delivered for it
        self.unordered = set()	# delivered frames whose copy came on both queues

    def sa_drop(self, sa, reason):
        d = self.per_sa[sa['spi']]['drops']
        d[reason] = d.get(reason, 0) + 1

    def good(self, q, sa, k, seq):
        p = inner(k, v6=k % 3 == 0) if C.is_tunnel(sa) else transport_plain(sa, k)
        f = frame(encrypt(sa, p, seq))
        self.q[q].append(f)
        self.exp[q].append(frame(p))
        self.exp_of[f] = frame(p)
        self.man_count('good', 'CRYPTO_SUCCESS', delivered=True)
        self.per_sa[sa['spi']]['delivered'] += 1
        self.queue_count[sa['spi']][q] += 1
        return f

    def again(self, q, sa, f):
        """A frame sent before, once more (on this queue or the other)."""
        if f not in self.q[q]:
            self.unordered.add(self.exp_of[f])	# either copy may be delivered
        self.q[q].append(f)
        self.man_count('replay', 'CRYPTO_SUCCESS', drop='replay_duplicate')
        self.sa_drop(sa, 'replay_duplicate')
        self.queue_count[sa['spi']][q] += 1

    def bad_icv(self, q, sa, k, seq):
        b = bytearray(frame(encrypt(sa, inner(k), seq)))
        b[-1] ^= 0x80
        self.q[q].append(bytes(b))
        self.man_count('bad-icv', 'CRYPTO_TUNNEL_ESP_AUTH_FAILED',
                       drop='tunnel_esp_auth_failed')
        self.sa_drop(sa, 'tunnel_esp_auth_failed')
        self.queue_count[sa['spi']][q] += 1

    def with_options(self, q, sa, k, seq):
        """Tunnel header with a Router Alert option: the NIC side leaves it,
        the receiving lcore's software path decrypts it, the owner goes on."""
        p = inner(k)
        e = encrypt(sa, p, seq, options=True)
        assert e.ihl == 6 and e.proto == 50
        self.q[q].append(frame(e))
        self.exp[q].append(frame(p))
        self.man_count('ipv4-options', 'CRYPTO_SUCCESS', delivered=True, software=True)
        self.per_sa[sa['spi']]['delivered'] += 1
        self.queue_count[sa['spi']][q] += 1

    def fragmented(self, q, sa, k, seq):
        """ESP in IPv4 fragments, all on one queue (reassembly is per lcore)."""
        p = inner(k, v6=False)
        s, d = C.sa_addrs(sa)
        e = encrypt(sa, p, seq)
        e = IP(src=s, dst=d, id=0x4000 + k, proto=50) / Raw(raw(e.payload))
        frags = fragment(IP(raw(e)), fragsize=(len(raw(e.payload)) // 3 + 7) & ~7)
        assert len(frags) >= 2
        for fr in frags:
            self.q[q].append(frame(IP(raw(fr))))
        self.exp[q].append(frame(p))
        self.man_count('fragment', 'CRYPTO_SUCCESS', delivered=True, frames=len(frags),
                       software=True)
        self.per_sa[sa['spi']]['delivered'] += 1
        self.queue_count[sa['spi']][q] += 1

    def cleartext(self, q, k):
        p = inner(900000 + k, v6=k % 2 == 1)
        self.q[q].append(frame(p))
        self.exp[q].append(frame(p))
        self.man_count('cleartext', delivered=True)

    def man_count(self, kind, status=None, drop=None, delivered=False, frames=1,
                  software=False):
        C.manifest_count(self.man, kind, frames, status, drop, delivered, software)


def build_shared():
    t = Traffic([A, B, CT, D])
    k = 0
    cross = []
    for i in range(1, 61):
        for sa in (A, B):
            q = i % 2 == 0		# odd sequence numbers on queue 0
            k += 1
            f = t.good(int(q), sa, k, i)
            if i in (5, 22):
                cross.append((1 - int(q), sa, f))	# the same frame on the other queue
            if i == 13:
                t.again(int(q), sa, f)			# twice on the same queue
        k += 1
        t.good(0, CT, k, i)
        k += 1
        t.good(1, D, k, i)
        if i % 15 == 0:
            t.cleartext(0, i)
            t.cleartext(1, i + 1)
    # sequence numbers above 60: new, so never replays
    t.bad_icv(0, A, 7001, 61)
    t.bad_icv(1, B, 7002, 61)
    t.with_options(1, A, 7003, 62)	# received by lcore 1, A owned by either
    t.with_options(1, D, 7004, 62)
    t.fragmented(0, A, 7005, 63)
    t.fragmented(1, A, 7006, 64)
    for q, sa, f in cross:
        t.again(q, sa, f)
    return t


def build_nest():
    t = Traffic([T, N])
    k = 0
    # N's own packets on queue 1, the nested ones on queue 0
    for j in range(1, 21):
        k += 1
        t.good(1, N, k, 1000 + j)
    for i in range(1, 41):
        q = 0
        k += 1
        plain = transport_plain(N, k)
        outer = encrypt(T, encrypt(N, plain, i), i)
        t.q[q].append(frame(outer))
        t.exp[q].append(frame(plain))
        t.man_count('nested', 'CRYPTO_SUCCESS', delivered=True)
        t.per_sa[T['spi']]['delivered'] += 1
        t.per_sa[N['spi']]['delivered'] += 1
        t.queue_count[T['spi']][q] += 1
        t.nested.append(q)
    t.man['next_crypto_done'] = 40
    return t


def run_rx(rx, tmp, name, t, sas, extra=()):
    conf = os.path.join(tmp, name + '.conf')
    C.write_conf(conf, sas)
    q0, q1 = os.path.join(tmp, name + '.q0.pcap'), os.path.join(tmp, name + '.q1.pcap')
    C.write_pcap(q0, t.q[0])
    C.write_pcap(q1, t.q[1])
    out, stats = os.path.join(tmp, name + '.out.pcap'), os.path.join(tmp, name + '.json')
    fp = 'ov2mc_%s_%d' % (name, os.getpid())
    cmd = [rx] + EAL + ['-l', '0,1', '--file-prefix', fp,
                        '--vdev', 'net_pcap0,rx_pcap=%s,rx_pcap=%s' % (q0, q1),
                        '--vdev', 'net_pcap1,tx_pcap=%s' % out,
                        '--', '-f', conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                        '--replay-window', '4096', '--exit-when-idle', '400',
                        '--stats-json', stats] + list(extra)
    try:
        p = C.run(cmd, timeout=120, check=False)
    finally:
        C.remove_runtime_dir(fp)
    if p.returncode != 0:
        print('ov2rx failed (%d): %s\n%s\n%s' % (p.returncode, ' '.join(cmd),
                                                   p.stdout[-3000:], p.stderr[-3000:]))
        return None, None, p
    with open(stats) as f:
        return json.load(f), C.read_frames(out), p


def check_common(fl, what, t, st, got, p):
    fl.check(st.get('lcores') == 2, '%s: lcores %s, expected 2' % (what, st.get('lcores')))
    fl.check('2 rx queues, no RSS' in p.stdout,
             '%s: the port does not say it has 2 rx queues and no RSS: %s'
             % (what, [ln for ln in p.stdout.splitlines() if 'receive spread' in ln]))
    want = [f for e in t.exp for f in e]
    fl.check(sorted(got) == sorted(want),
             '%s: delivered %d frames, expected the %d scapy plaintexts once each '
             '(missing %d, unexpected %d)'
             % (what, len(got), len(want), len(set(want) - set(got)),
                len(set(got) - set(want))))
    fl.check(len(set(got)) == len(got), '%s: a frame delivered twice' % what)
    if not t.nested:
        C.check_stats(fl, st, t.man, what)
    else:
        # a nested packet counts for both its SAs: check_stats' per-SA sums
        # do not apply; the counters one by one, and the per-SA ones below
        for key in ('rx_packets', 'delivered', 'next_crypto_done') + C.MANIFEST_COUNTERS:
            want = t.man['frames'] if key == 'rx_packets' else t.man.get(key, 0)
            fl.check(st.get(key) == want, '%s: %s %s, expected %s'
                     % (what, key, st.get(key), want))
        for group in ('crypto_status', 'drops'):
            for name, n in st.get(group, {}).items():
                fl.check(n == t.man[group].get(name, 0), '%s: %s.%s %s, expected %s'
                         % (what, group, name, n, t.man[group].get(name, 0)))
        C.check_invariant(fl, st, what)
    fl.check(st.get('drops', {}).get('handoff_full', 0) == 0,
             '%s: handoff_full %s' % (what, st.get('drops', {}).get('handoff_full')))
    fl.check(st.get('mbufs_in_use_at_exit') == 0,
             '%s: mbufs in use at exit %s' % (what, st.get('mbufs_in_use_at_exit')))
    by_spi = {s.get('spi'): s for s in st.get('sas', [])}
    for spi, want_sa in t.per_sa.items():
        s = by_spi.get(spi, {})
        fl.check(s.get('delivered') == want_sa['delivered'],
                 '%s: SA %#x delivered %s, expected %d'
                 % (what, spi, s.get('delivered'), want_sa['delivered']))
        fl.check(s.get('drops') == want_sa['drops'], '%s: SA %#x drops %s, expected %s'
                 % (what, spi, s.get('drops'), want_sa['drops']))
        fl.check(s.get('owner') in (0, 1), '%s: SA %#x owner %s' % (what, spi, s.get('owner')))
    # per source, each SA's packets in order (the cross-queue replays aside:
    # either copy may be the one delivered)
    for q in (0, 1):
        spis = C.spi_by_payload(t.q[q], t.sas)
        exp = [f for f in t.exp[q] if f not in t.unordered]
        bad = C.in_order_per_sa(got, exp, spis)
        fl.check(not bad, '%s: queue %d: SAs %s delivered out of order' % (what, q, bad))
    return by_spi


def test_shared(fl, rx, tmp):
    t = build_shared()
    st, got, p = run_rx(rx, tmp, 'shared', t, [A, B, CT, D])
    if not fl.check(st is not None, 'shared: ov2rx failed'):
        return
    by_spi = check_common(fl, 'shared', t, st, got, p)
    own = {spi: by_spi.get(spi, {}).get('owner') for spi in t.per_sa}
    fl.check(own[CT['spi']] == 0 and own[D['spi']] == 1,
             'shared: an SA seen on one queue only is owned by its lcore: C %s (0), D %s (1)'
             % (own[CT['spi']], own[D['spi']]))
    fl.check(t.unordered and len(t.unordered) == 4, 'shared: test setup: %d cross-queue '
             'replays' % len(t.unordered))
    # handed off: every packet of an SA (known to the NIC side) that came
    # in on the queue of the lcore not owning it
    want = sum(t.queue_count[spi][1 - own[spi]] for spi in t.per_sa if own[spi] in (0, 1))
    fl.check(st.get('handed_off') == want and want > 0,
             'shared: handed_off %s, expected %d' % (st.get('handed_off'), want))
    print('shared: %d + %d frames, delivered %d, handed off %s, owners %s'
          % (len(t.q[0]), len(t.q[1]), len(got), st.get('handed_off'),
             {hex(k): v for k, v in own.items()}))


def test_nest(fl, rx, tmp, software=False):
    what = 'nest_sw' if software else 'nest'
    t = build_nest()
    extra = []
    if software:
        # no TransportTunnelCombined: the consumer checks the tunnel's inner
        # ESP in software, after the tunnel SA's stage (the INNER stage)
        extra = ['--caps', 'net_pcap0:-transport-tunnel']
        t.man['next_crypto_done'] = 0
        t.man['sw_processed'] = 40
        t.man['crypto_status']['CRYPTO_SUCCESS'] += 40
    st, got, p = run_rx(rx, tmp, what, t, [T, N], extra)
    if not fl.check(st is not None, '%s: ov2rx failed' % what):
        return
    by_spi = check_common(fl, what, t, st, got, p)
    ot, on = by_spi.get(T['spi'], {}).get('owner'), by_spi.get(N['spi'], {}).get('owner')
    if ot not in (0, 1) or on not in (0, 1):
        return
    # T's packets on the other lcore's queue; N's own packets (queue 1)
    # unless lcore 1 owns N; nested packets once more when N's owner is not
    # T's (the NESTED stage)
    want = sum(1 for q in t.nested if q != ot) + (20 if on != 1 else 0) + \
        (len(t.nested) if on != ot else 0)
    fl.check(st.get('handed_off') == want, '%s: handed_off %s, expected %d (T owned by %d, '
             'N by %d)' % (what, st.get('handed_off'), want, ot, on))
    print('%s: delivered %d, handed off %s, T owned by lcore %d, N by lcore %d'
          % (what, len(got), st.get('handed_off'), ot, on))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    rx = sys.argv[1]
    groups = sys.argv[2:] or ['shared', 'nest', 'nest_sw']
    fl = C.Failures('mcore_e2e ' + ' '.join(groups))
    tmp = C.tmpdir('mcore')
    for g in groups:
        {'shared': test_shared, 'nest': test_nest,
         'nest_sw': lambda fl, rx, tmp: test_nest(fl, rx, tmp, True)}[g](fl, rx, tmp)
    fl.finish(tmp)


if __name__ == '__main__':
    sys.exit(main())
