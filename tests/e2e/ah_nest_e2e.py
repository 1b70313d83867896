#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""AH, AH + ESP bundles and nested SAs (a transport SA inside a tunnel SA,
OV2's NextCryptoDone) end to end, with traffic made by scapy 2.5
(ah_nest_scapy.py: scapy's AH, an RFC 4543 GMAC adapter for AH, ESP through
algos_scapy.py).

Groups (usage: ah_nest_e2e.py OV2RX GROUP), each one or more ov2rx runs
with its own file prefix, all SAs of a run in one configuration:
  algos     AH for sha1/sha256/sha384/sha512/md5(allow-deprecated)/aes-gmac
            128/192/256 x transport IPv4, transport IPv6, ipv4-tunnel and
            ipv6-tunnel (each with inner IPv4 and IPv6): delivered byte for
            byte (transport: the packet without AH; tunnel: the inner
            packet); one ICV bit and one immutable header byte changed:
            *_ah_auth_failed; TTL / hop limit, TOS / traffic class, DF,
            flow label changed in flight: delivered; a replayed packet:
            replay_duplicate; ESN across 2^32 and a wrong high half.
  options   AH with IPv4 options (router alert: immutable; record route and
            timestamp: mutable, filled in flight) and IPv6 extension headers
            (hop-by-hop and destination options with mutable options,
            routing headers type 0 and 2 processed hop by hop), transport and
            tunnel: default caps (software path: sw_processed) and
            --caps net_pcap0:+ipv4-options,+ipv6-ext (the engine): the same
            result.
  bundle    AH + ESP, transport (IPv4, IPv6) and tunnel (ipv4-, ipv6-tunnel),
            ESN, IPv4 options (software path); the bundled ESP SA alone, AH
            over another ESP SPI or over UDP: invalid_protocol; bad AH:
            *_ah_auth_failed; bad ESP inside good AH: *_esp_auth_failed;
            replays of either part; both SAs' counters. bundle_policy: a
            protect rule naming either SA accepts, another SA's does not.
  nest      transport ESP SA inside a tunnel ESP SA, IPv4/IPv6 in both
            layers, ESN and GMAC inner SAs, transport over a UDP-ESP tunnel,
            UDP-ESP transport inside a tunnel, a transport SA without dst,
            inner IPv4 options; inner ICV bad: transport_esp_auth_failed;
            outer bad: tunnel_esp_auth_failed; unknown inner SPI and an inner
            tunnel-mode SA: the tunnel's inner packet delivered as it is;
            replays of either layer; outer IPv4 options (software path).
            nest_notc: the same traffic with --caps net_pcap0:-transport-tunnel:
            what ov2rx does (asserted as observed): NextCryptoDone 0, the
            tunnel's inner packet (the transport SA's ESP, unchecked, a bad
            inner ICV included) delivered as it is; but the packets with
            outer IPv4 options take the software path, which nests whatever
            the port's capabilities: decrypted twice, NextCryptoDone set.
            nest_policy: protect rules naming either SA.
  bug_*     product bugs found here, each asserting what ov2rx should do
            (meson: should_fail until fixed): bug_ah_cksum, AH with a wrong
            outer IPv4 header checksum delivered; bug_bundled_nested, a
            bundle's ESP SA accepted alone inside a tunnel; bug_nest_err,
            a nested packet whose inner ICV fails reaches the error port
            with its tunnel payload decrypted.
Every run: delivered frames byte for byte, the error port (--errors) frame
for frame (failed authentication and protocol mismatches: the bytes as they
arrived), every global counter (crypto_status, drops, delivered,
next_crypto_done, not_offloaded, sw_processed, ...), the port engine's
counters, every per-SA counter (both SAs of a bundle or nest), the
accounting invariant, mbufs_in_use_at_exit 0."""

import json
import os
import shutil
import socket
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from scapy.all import ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, IPv6, Raw, raw
from scapy.layers.inet import IPOption
from scapy.layers.inet6 import (HBHOptUnknown, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrRouting, PadN, RouterAlert)

import algos_scapy as A
import ah_nest_scapy as S
import e2e_common as C

MAC_DST = '02:00:00:00:ab:02'
MAC_SRC = '02:00:00:00:ab:01'
DELIVER = 'deliver'
SAME = 'same'		# the error port shows the frame as it arrived


def fail_reason(proto, mode):
    return '%s_%s_auth_failed' % ('transport' if mode == 'transport' else 'tunnel', proto)


def status_of(reason):
    """The CryptoStatus a drop reason stands for (None: none)."""
    if reason.endswith('_auth_failed') or reason in ('invalid_protocol',
                                                     'invalid_packet_syntax'):
        return 'CRYPTO_' + reason.upper()
    return None


def final(p):
    return p.__class__(raw(p))


def payload(n, k):
    return Raw(bytes((k * 29 + i * 13 + 3) & 0xff for i in range(n)))


def l4(k, n, family):
    kind = k % 3
    if kind == 0:
        return UDP(sport=20000 + k % 1000, dport=53) / payload(n, k)
    if kind == 1:
        return TCP(sport=30000 + k % 1000, dport=443, flags='PA', seq=k * 1000) / payload(n, k)
    if family == 4:
        return ICMP(id=k, seq=k) / payload(n, k)
    return ICMPv6EchoRequest(id=k, seq=k) / payload(n, k)


def pkt(family, k, n, src=None, dst=None, **kw):
    """An inner / original packet (scapy, serialised once)."""
    if family == 4:
        return final(IP(src=src or '10.9.%d.1' % (k % 250), dst=dst or '10.8.%d.2' % (k % 250),
                        ttl=63, id=k & 0xffff, tos=0x28, flags='DF', **kw) / l4(k, n, 4))
    return final(IPv6(src=src or '2001:db8:9::%x' % (k + 1), dst=dst or '2001:db8:8::%x' % (k + 1),
                      hlim=61, tc=0x20, fl=k & 0xfffff, **kw) / l4(k, n, 6))


def eth(ip):
    return raw(Ether(dst=MAC_DST, src=MAC_SRC, type=0x86dd if ip[0] >> 4 == 6 else 0x0800)) + ip


def family_of(addr):
    return 6 if ':' in addr else 4


# ---------------------------------------------------------------------------
# One ov2rx run: configuration, frames, the model of what must come out
# ---------------------------------------------------------------------------

class Run:
    def __init__(self, fl, name, extra=(), sp=()):
        self.fl, self.name, self.extra = fl, name, list(extra)
        self.conf = ['# %s: generated by ah_nest_e2e.py' % name] + ['sp ' + r for r in sp]
        self.sas = {}
        self.events = []
        self.k = 0
        self.per_sa = True	# compare every per-SA counter

    def kk(self):
        self.k += 1
        return self.k

    # -- configuration ----------------------------------------------------
    def add(self, spi, algo, mode, dst, src=None, esn=None, more=''):
        """An inbound SA: algo an ah_nest_scapy.AhAlgo (AH) or an
        algos_scapy.Algo (ESP); esn: the 'esn N' start, or None."""
        ah = isinstance(algo, S.AhAlgo)
        words = '%s mode %s' % (algo.conf_words(spi), mode)
        if src:
            words += ' src %s' % src
        if dst:
            words += ' dst %s' % dst
        if esn is not None:
            words += ' esn %d' % esn
        if more:
            words += ' ' + more
        self.conf.append('sa in %d %s' % (spi, words))
        sa = {'spi': spi, 'algo': algo, 'proto': 'ah' if ah else 'esp', 'mode': mode,
              'dst': dst, 'src': src, 'esn': esn is not None, 'udp': 'udp-encap' in more,
              'family': 6 if mode == 'ipv6-tunnel' or (dst and ':' in dst) else 4,
              'delivered': 0, 'bytes': 0, 'drops': Counter(), 'top': esn or 0,
              'lp': 0, 'lb': 0}
        sa['fail'] = fail_reason(sa['proto'], mode)
        self.sas[spi] = sa
        return sa

    # -- the model ----------------------------------------------------------
    def ev(self, ip, reason, out=None, path='engine', nxt=False, err=SAME, verdict=(),
           life=(), top=()):
        """One frame. reason: DELIVER or the drop reason; out: the IP packet
        delivered; path: 'engine' (CryptoDone by the port), 'sw' (the
        port's engine could not: the consumer's software path), 'nosa',
        'clear'; nxt: NextCryptoDone; err: the error port's frame (SAME:
        as sent; None: not compared); verdict: the SAs that count the
        consumer's verdict; life: (sa, bytes) verified by the NIC side;
        top: (sa, 64-bit sequence number) accepted by the replay window."""
        f = eth(ip)
        o = eth(out) if out is not None else None
        self.events.append({'frame': f, 'reason': reason, 'out': o, 'path': path, 'nxt': nxt,
                            'err': (f if err == SAME else err) if reason != DELIVER else None})
        for sa in verdict:
            if reason == DELIVER:
                sa['delivered'] += 1
                sa['bytes'] += len(o)
            else:
                sa['drops'][reason] += 1
        for sa, n in life:
            sa['lp'] += 1
            sa['lb'] += n
        for sa, seq in top:
            sa['top'] = max(sa['top'], seq)

    # -- run and check ------------------------------------------------------
    def go(self, rx, tmp):
        d = os.path.join(tmp, self.name)
        os.makedirs(d, exist_ok=True)
        conf, inp, out, err, stats = (os.path.join(d, f) for f in (
            'ov2rx.conf', 'in.pcap', 'out.pcap', 'err.pcap', 'stats.json'))
        with open(conf, 'w') as f:
            f.write('\n'.join(self.conf) + '\n')
        C.write_pcap(inp, [e['frame'] for e in self.events])
        prefix = 'ahnest_%s_%d' % (self.name, os.getpid())
        cmd = [rx, '--no-huge', '-m', '512', '--no-pci', '--no-telemetry', '-l', '0',
               '--file-prefix', prefix, '--log-level', 'lib.eal:warning',
               '--vdev', 'net_pcap0,rx_pcap=%s' % inp, '--vdev', 'net_pcap1,tx_pcap=%s' % out,
               '--vdev', 'net_pcap2,tx_pcap=%s' % err,
               '--', '-f', conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
               '--errors', 'net_pcap2', '--exit-when-idle', '300',
               '--stats-json', stats] + self.extra
        try:
            p = C.run(cmd, timeout=120, check=False)
        finally:
            C.remove_runtime_dir(prefix)
        if not self.fl.check(p.returncode == 0, '%s: ov2rx exit %d\n%s\n%s' % (
                self.name, p.returncode, p.stdout[-2000:], p.stderr[-2000:])):
            return None
        with open(stats) as f:
            st = json.load(f)
        self.check(st, C.read_frames(out), C.read_frames(err))
        return st

    def compare(self, what, got, want):
        n = self.name
        self.fl.check(len(got) == len(want), '%s: %d %s frames, expected %d'
                      % (n, len(got), what, len(want)))
        bad = 0
        for i, (g, w) in enumerate(zip(got, want)):
            if w is not None and g != w:
                bad += 1
                if bad <= 4:
                    self.fl.check(False, '%s: %s frame %d differs\n  got  %s\n  want %s'
                                  % (n, what, i, g.hex(), w.hex()))
        self.fl.check(bad == 0, '%s: %d %s frames differ' % (n, bad, what))

    def check(self, st, got, errs):
        fl, n, ev = self.fl, self.name, self.events
        self.compare('delivered', got, [e['out'] for e in ev if e['reason'] == DELIVER])
        if getattr(self, 'host_nests', False):
            # the port without TransportTunnelCombined: the NIC side checks
            # only the tunnel; the consumer finds the transport SA's ESP in
            # the inner packet and checks it in software. Same packets
            # delivered, same drops; nothing with NextCryptoDone, the inner
            # checks counted as software ones.
            drops = Counter(e['reason'] for e in ev if e['reason'] != DELIVER)
            got_drops = {k: v for k, v in st.get('drops', {}).items() if v}
            fl.check(got_drops == dict(drops), '%s: drops %s, expected %s'
                     % (n, got_drops, dict(drops)))
            # only the software path (outer IPv4 options) still nests
            sw_nests = sum(1 for e in ev if e['nxt'] and e['path'] == 'sw')
            fl.check(st.get('next_crypto_done') == sw_nests, '%s: next_crypto_done %s, '
                     'expected %d' % (n, st.get('next_crypto_done'), sw_nests))
            plain = sum(1 for e in ev if e['nxt'] and e['path'] != 'sw')
            fl.check(st.get('sw_processed', 0) > sw_nests, '%s: sw_processed %s: the inner '
                     'ESP of %d nested packets was not checked in software'
                     % (n, st.get('sw_processed'), plain))
            fl.check(st.get('mbufs_in_use_at_exit') == 0, '%s: mbufs in use' % n)
            fl.check(st.get('delivered', 0) + sum(st.get('drops', {}).values()) ==
                     st.get('rx_packets'), '%s: accounting' % n)
            return
        self.compare('error-port', errs, [e['err'] for e in ev if e['reason'] != DELIVER])
        status, drops = Counter(), Counter()
        for e in ev:
            if e['path'] in ('engine', 'sw'):
                s = status_of(e['reason'])
                status[s or 'CRYPTO_SUCCESS'] += 1
            if e['reason'] != DELIVER:
                drops[e['reason']] += 1
        done = [e for e in ev if e['path'] in ('engine', 'sw')]
        sw = [e for e in ev if e['path'] == 'sw']
        want = {'rx_packets': len(ev),
                'delivered': sum(1 for e in ev if e['reason'] == DELIVER),
                'delivered_bytes': sum(len(e['out']) for e in ev if e['reason'] == DELIVER),
                'crypto_done': len(done), 'next_crypto_done': sum(1 for e in ev if e['nxt']),
                'not_offloaded': len(ev) - len(done) + len(sw), 'sw_processed': len(sw),
                'fragments': 0, 'reassembled': 0, 'frag_merged': 0, 'frag_held': 0,
                'sa_deleted': 0, 'pair_deleted': 0, 'soft_expired': 0,
                'mbufs_in_use_at_exit': 0, 'sa_count': len(self.sas)}
        for key, v in want.items():
            fl.check(st.get(key) == v, '%s: %s %s, expected %s' % (n, key, st.get(key), v))
        for group, w in (('crypto_status', status), ('drops', drops)):
            g = st.get(group, {})
            for name in sorted(set(g) | set(w)):
                fl.check(g.get(name, 0) == w.get(name, 0), '%s: %s.%s %s, expected %s'
                         % (n, group, name, g.get(name, 0), w.get(name, 0)))
        C.check_invariant(fl, st, n)
        eng = (st.get('ports') or [{}])[0].get('engine', {})
        w = {'packets': len(ev), 'crypto_done': len(done) - len(sw),
             'no_sa': sum(1 for e in ev if e['path'] == 'nosa'), 'unsupported': len(sw),
             'disabled': 0, 'sa_delete_req': 0, 'ike': 0,
             'next_crypto_done': sum(1 for e in ev if e['nxt'] and e['path'] == 'engine')}
        g = {k: eng.get(k) for k in w}
        fl.check(g == w, '%s: port engine %s\n  expected %s' % (n, g, w))
        by_spi = {s.get('spi'): s for s in st.get('sas', [])}
        fl.check(sorted(by_spi) == sorted(self.sas), '%s: SAs listed %s' % (n, sorted(by_spi)))
        for spi, sa in self.sas.items() if self.per_sa else ():
            s = by_spi.get(spi, {})
            want_sa = {'proto': sa['proto'], 'delivered': sa['delivered'],
                       'delivered_bytes': sa['bytes'], 'drops': dict(+sa['drops']),
                       'drops_total': sum(sa['drops'].values()), 'replay_top': sa['top'],
                       'lifetime_packets': sa['lp'], 'lifetime_bytes': sa['lb'],
                       'deleted': False}
            got_sa = {k: s.get(k) for k in want_sa}
            fl.check(got_sa == want_sa, '%s: SA %d (%s %s %s)\n  got  %s\n  want %s'
                     % (n, spi, sa['proto'], sa['algo'].label, sa['mode'], got_sa, want_sa))
        print('%s: %d frames (%d software path), %d delivered, next_crypto_done %d, drops %s'
              % (n, len(ev), len(sw), want['delivered'], want['next_crypto_done'],
                 dict(+drops)))


# ---------------------------------------------------------------------------
# AH traffic
# ---------------------------------------------------------------------------

def ah_tunnel_header(sa, **kw):
    src = sa['src'] or ('192.0.2.200' if sa['family'] == 4 else '2001:db8:c8::1')
    return S.ip_hdr(sa['family'], src, sa['dst'], **kw)


def ah_send(r, sa, plain, seq, hi=None, th=None):
    """scapy's AH packet of plain for sa: (wire, expected delivered IP,
    bytes after AH)."""
    tunnel = sa['mode'] != 'transport'
    if tunnel and th is None:
        th = ah_tunnel_header(sa, **({'ttl': 9, 'tos': 0x48} if sa['family'] == 4 else
                                     {'hlim': 9, 'tc': 0x48, 'fl': 0xbeef}))
    b = sa['algo'].encrypt(sa['spi'], plain, seq, hi, th if tunnel else None)
    pl = S.after_ah(b)
    if tunnel:
        assert pl == raw(plain)
    else:
        assert S.strip_ah(b) == raw(plain), 'strip_ah is not the inverse of scapy AH'
    return b, pl


def ah_good(r, sa, b, seq64, out=None, path='engine'):
    """b verifies and is delivered (out: expected IP packet, default: AH
    removed the transport / tunnel way)."""
    if out is None:
        out = S.strip_ah(b) if sa['mode'] == 'transport' else S.after_ah(b)
    r.ev(b, DELIVER, out, path=path, verdict=[sa], life=[(sa, len(S.after_ah(b)))],
         top=[(sa, seq64)])


def ah_bad(r, sa, b, path='engine'):
    r.ev(b, sa['fail'], path=path, verdict=[sa])


def ah_corruptions(r, sa, b, k, path='engine'):
    """One ICV bit, one immutable header byte (the source address)."""
    alg = sa['algo']
    ah_bad(r, sa, S.flip(b, alg.icv_off(b) + k % alg.icv, 1 << (k % 8)), path)
    ah_bad(r, sa, S.flip(b, 13 if b[0] >> 4 == 4 else 8 + 15 - k % 16, 0x80 >> (k % 8)), path)


def build_algos(fl):
    r = Run(fl, 'algos')
    spi = 0x2000
    for i, label in enumerate(S.AH_ALGOS):
        alg = S.AH_ALGOS[label]
        for mode, fam in (('transport', 4), ('transport', 6), ('ipv4-tunnel', 4),
                          ('ipv6-tunnel', 6)):
            spi += 1
            if mode == 'transport':
                dst = '10.20.%d.%d' % (spi >> 8 & 0xff, spi & 0xff) if fam == 4 else \
                    '2001:db8:20::%x' % spi
                # every third transport SA is bound to any local address
                sa = r.add(spi, alg, mode, None if spi % 3 == 0 else dst)
            else:
                dst = '192.0.2.%d' % (spi % 250) if fam == 4 else '2001:db8:a::%x' % spi
                src = '203.0.113.%d' % (spi % 250) if fam == 4 else '2001:db8:cb::%x' % spi
                sa = r.add(spi, alg, mode, dst, src=src)
            inners = (fam,) if mode == 'transport' else (4, 6)
            seq = 0
            for inf in inners:
                k = r.kk()
                seq += 1
                plain = pkt(inf, k, (0, 40, 333)[k % 3],
                            dst=dst if mode == 'transport' else None)
                b, _ = ah_send(r, sa, plain, seq)
                if inf == inners[0]:
                    assert alg.verifies(spi, b), 'scapy does not verify its own AH'
                    ah_corruptions(r, sa, b, k)
                ah_good(r, sa, b, seq)
                if inf == inners[0] and i % 2 == 0:
                    # the same packet again: verified, then a replay
                    r.ev(b, 'replay_duplicate', verdict=[sa], life=[(sa, len(S.after_ah(b)))])
            # changed in flight: TTL / hop limit, DSCP+ECN, DF, flow label
            for inf in inners:
                k = r.kk()
                seq += 1
                plain = pkt(inf, k, 57, dst=dst if mode == 'transport' else None)
                b, _ = ah_send(r, sa, plain, seq)
                m = S.router(b, 3, tos=0xb9, df=(k % 2 == 0), fl=0x54321 + k)
                ah_good(r, sa, m, seq)
            if mode != 'transport':
                # the inner header's TTL / hop limit is payload: covered
                k = r.kk()
                b, _ = ah_send(r, sa, pkt(4, k, 20), seq + 1)
                inner_off = len(b) - len(S.after_ah(b))
                ah_bad(r, sa, S.flip(b, inner_off + 8, 0x01, fix=False))
    # ESN: esn start 0x4fffffff0, sequence numbers across 2^32; after the
    # wrap a packet signed with the old high half fails, a late packet from
    # before the wrap (inside the window) is accepted
    for label, mode, dst in (('sha256', 'transport', '10.21.0.1'),
                             ('gmac256', 'ipv6-tunnel', '2001:db8:21::1'),
                             ('sha1', 'transport', '2001:db8:21::2'),
                             ('md5', 'ipv4-tunnel', '192.0.2.251'),
                             ('gmac128', 'transport', '10.21.0.2')):
        spi += 1
        sa = r.add(spi, S.AH_ALGOS[label], mode, dst, esn=0x4fffffff0)
        for lo, hi in ((0xfffffff8, 4), (0xfffffffe, 4), (3, 5), (9, 5)):
            k = r.kk()
            fam = family_of(dst) if mode == 'transport' else 4 + 2 * (lo % 2)
            b, _ = ah_send(r, sa, pkt(fam, k, 30 + lo % 50,
                                      dst=dst if mode == 'transport' else None), lo, hi)
            ah_good(r, sa, b, hi << 32 | lo)
        k = r.kk()
        b, _ = ah_send(r, sa, pkt(fam, k, 30, dst=dst if mode == 'transport' else None), 10, 4)
        ah_bad(r, sa, b)		# the high half is 5 now
        # a late packet from before the wrap, inside the window: accepted
        k = r.kk()
        b, _ = ah_send(r, sa, pkt(fam, k, 31, dst=dst if mode == 'transport' else None),
                       0xfffffffa, 4)
        ah_good(r, sa, b, 5 << 32 | 9)
    return r


# ---------------------------------------------------------------------------
# AH with IPv4 options and IPv6 extension headers
# ---------------------------------------------------------------------------

V4_OPTS = [IPOption(b'\x94\x04\x00\x00'),			# router alert: immutable
           IPOption(b'\x07\x0f\x04' + bytes(12)),		# record route, 3 slots
           IPOption(b'\x44\x0c\x05\x00' + bytes(8))]	# timestamps, 2 slots
HBH = [RouterAlert(value=0), HBHOptUnknown(otype=0x3e, optdata=b'\x01\x02\x03\x04')]
DO1 = [HBHOptUnknown(otype=0x3f, optdata=b'\xaa\xbb'),		# may change
       HBHOptUnknown(otype=0x1e, optdata=b'\xcc\xdd')]		# may not
DO2 = [PadN(optdata=b'\0\0\0\0')]


def v4opt_pkt(k, n, dst):
    p = IP(src='10.9.0.%d' % (k % 250), dst=dst, ttl=60, id=k, flags='DF',
           options=V4_OPTS) / l4(k, n, 4)
    p = final(p)
    assert (raw(p)[0] & 0xf) == 13, raw(p)[:60].hex()
    return p


def build_options(fl, name, extra, sw):
    """sw: the port leaves IPv4 options / IPv6 extension headers to the
    software path."""
    r = Run(fl, name, extra=extra)
    path = 'sw' if sw else 'engine'
    spi = 0x3000
    # IPv4 options, transport and tunnel (options on the outer header)
    for label, mode in (('sha256', 'transport'), ('gmac128', 'transport'), ('md5', 'transport'),
                        ('sha1', 'ipv4-tunnel'), ('gmac256', 'ipv4-tunnel'),
                        ('sha512', 'ipv4-tunnel')):
        spi += 1
        dst = '10.30.%d.2' % (spi % 250) if mode == 'transport' else '192.0.2.%d' % (spi % 250)
        sa = r.add(spi, S.AH_ALGOS[label], mode, dst, esn=0x100000000 if spi % 2 else None)
        hi = 1 if spi % 2 else None
        base = 1 << 32 if hi else 0
        for seq in (1, 2, 3):
            k = r.kk()
            if mode == 'transport':
                b, _ = ah_send(r, sa, v4opt_pkt(k, 20 * seq, dst), seq, hi)
            else:
                th = IP(src='203.0.113.9', dst=dst, ttl=9, tos=0x10, options=V4_OPTS)
                b, _ = ah_send(r, sa, pkt(4 if seq % 2 else 6, k, 30), seq, hi, th)
                assert (b[0] & 0xf) == 13
            if seq == 1:
                ah_good(r, sa, b, base | seq, path=path)
                ra = [o for o in S.v4_options(b) if o[0] == 148][0]
                ah_bad(r, sa, S.flip(b, ra[1] + 3, 0x01), path=path)	# router alert value
                ah_bad(r, sa, S.flip(b, S.ah_position(b)[0] + 8 + 3, 0x02), path=path)  # seq
                ah_corruptions(r, sa, b, k, path=path)
            elif seq == 2:
                # two routers: record route and timestamp slots filled,
                # TTL / TOS / DF changed
                m = S.v4_record(S.router(b, 1, tos=0x04, df=False), b'\xc6\x33\x64\x01', 0x11)
                m = S.v4_record(S.router(m, 1), b'\xc6\x33\x64\x02', 0x22)
                assert m != b
                ah_good(r, sa, m, base | seq, path=path)
            else:
                # four: record route full, timestamp overflow counted
                m = b
                for h in range(4):
                    m = S.v4_record(S.router(m, 1), bytes([198, 51, 100, h + 1]), 0x100 + h)
                ah_good(r, sa, m, base | seq, path=path)
    # IPv6: transport with hop-by-hop, destination options, a type 0
    # routing header (3 addresses) and destination options after it (which
    # scapy puts after AH): processed hop by hop on the way, it arrives with
    # Segments Left 0 at the final destination
    for label in ('sha256', 'gmac192', 'sha384'):
        spi += 1
        final_dst = '2001:db8:f::%x' % spi
        sa = r.add(spi, S.AH_ALGOS[label], 'transport', final_dst)
        for seq in (1, 2):
            k = r.kk()
            p = final(IPv6(src='2001:db8:1::1', dst='2001:db8:e::a', hlim=64, tc=0x12,
                           fl=0xabcde) / IPv6ExtHdrHopByHop(options=HBH) /
                      IPv6ExtHdrDestOpt(options=DO1) /
                      IPv6ExtHdrRouting(addresses=['2001:db8:e::1', '2001:db8:e::2', final_dst]) /
                      IPv6ExtHdrDestOpt(options=DO2) / l4(k, 60 + seq, 6))
            b = sa['algo'].encrypt(spi, p, seq)
            assert S.strip_ah(b) == raw(p)
            w = b
            for hop in range(3):
                w = S.v6_mutable_opts(S.v6_route_hop(w), 0x40 + hop + seq)
                w = S.router(w, 0, tos=0x30 + hop, fl=0x10000 + hop)
            rh = [h for h in S.v6_headers(w) if h[0] == 43][0]
            assert w[24:40] == socket.inet_pton(socket.AF_INET6, final_dst) and w[rh[1] + 3] == 0
            ah_good(r, sa, w, seq, path=path)
            if seq == 1:
                ah_bad(r, sa, S.flip(w, S.v6_opt_data_pos(w, 0x1e), 0x01), path=path)
                # an address of the routing header (the 48 bytes before AH)
                ah_bad(r, sa, S.flip(w, S.ah_position(w)[0] - 48 + 5, 0x01), path=path)
                ah_corruptions(r, sa, w, k, path=path)
    # the same, as sent (Segments Left 3, destination the first hop), to an
    # SA bound to any address: the ICV covers the route as the final
    # destination will see it (RFC 4302 3.3.3.1.2.2)
    spi += 1
    sa = r.add(spi, S.AH_ALGOS['sha512'], 'transport', None)
    for seq in (1, 2):
        k = r.kk()
        p = final(IPv6(src='2001:db8:1::1', dst='2001:db8:e::a') /
                  IPv6ExtHdrRouting(addresses=['2001:db8:e::1', '2001:db8:e::2',
                                               '2001:db8:f::99']) / l4(k, 40, 6))
        b = sa['algo'].encrypt(spi, p, seq)
        if seq == 2:
            b = S.v6_route_hop(b)		# between two hops
        ah_good(r, sa, b, seq, path=path)
    # IPv6 tunnel whose outer header has hop-by-hop options and a type 2
    # routing header (Mobile IPv6: care-of address -> home address)
    for label in ('sha384', 'gmac256'):
        spi += 1
        home = '2001:db8:ee::%x' % spi
        sa = r.add(spi, S.AH_ALGOS[label], 'ipv6-tunnel', home, esn=0 if spi % 2 else None)
        for seq in (1, 2, 3):
            k = r.kk()
            th = IPv6(src='2001:db8:a::1', dst='2001:db8:c0a::1', hlim=7, tc=0x48, fl=0xbeef) / \
                IPv6ExtHdrHopByHop(options=HBH) / IPv6ExtHdrRouting(type=2, addresses=[home])
            b, _ = ah_send(r, sa, pkt(4 if seq % 2 else 6, k, 40 + seq), seq,
                           0 if spi % 2 else None, th)
            w = S.v6_mutable_opts(S.v6_route_hop(b), 0x99 + seq)
            assert w[24:40] == socket.inet_pton(socket.AF_INET6, home)
            ah_good(r, sa, w, seq, path=path)
            if seq == 1:
                ah_corruptions(r, sa, w, k, path=path)
    # IPv6 hop-by-hop + destination options only, transport and tunnel
    for label, mode in (('sha1', 'transport'), ('gmac128', 'ipv6-tunnel')):
        spi += 1
        dst = '2001:db8:d0::%x' % spi
        sa = r.add(spi, S.AH_ALGOS[label], mode, dst)
        for seq in (1, 2):
            k = r.kk()
            if mode == 'transport':
                p = final(IPv6(src='2001:db8:1::5', dst=dst, hlim=50) /
                          IPv6ExtHdrHopByHop(options=HBH) / IPv6ExtHdrDestOpt(options=DO1) /
                          l4(k, 70, 6))
                b = sa['algo'].encrypt(spi, p, seq)
            else:
                th = IPv6(src='2001:db8:a::5', dst=dst, hlim=7) / \
                    IPv6ExtHdrHopByHop(options=HBH) / IPv6ExtHdrDestOpt(options=DO1)
                b, _ = ah_send(r, sa, pkt(6, k, 70), seq, None, th)
            if seq == 1:
                ah_good(r, sa, b, seq, path=path)
                ah_bad(r, sa, S.flip(b, 40 + 2, 0x01), path=path)	# router alert type
                ah_bad(r, sa, S.flip(b, S.v6_opt_data_pos(b, 0x1e) + 1, 0x01), path=path)
            else:
                m = S.router(S.v6_mutable_opts(b, 0x5a), 5, tos=0xff, fl=0xfffff)
                ah_good(r, sa, m, seq, path=path)
    # and no options at all: always the engine
    spi += 1
    sa = r.add(spi, S.AH_ALGOS['sha256'], 'transport', '10.31.0.1')
    for fam_seq in (1, 2):
        k = r.kk()
        b, _ = ah_send(r, sa, pkt(4, k, 40, dst='10.31.0.1'), fam_seq)
        ah_good(r, sa, b, fam_seq)
    return r


# ---------------------------------------------------------------------------
# AH + ESP bundles
# ---------------------------------------------------------------------------

def bundle_send(ah_sa, esp_sa, plain, seq_ah, seq_esp, hi_ah=None, hi_esp=None, th=None,
                esp_fault=None, opts=None):
    """ESP (esp_sa's mode) of plain, then AH over it (transport style):
    (wire, the ESP packet, ESP ciphertext length). esp_fault(e) changes the
    ESP packet before AH; opts: IPv4 options on a tunnel's outer header
    (transport: plain carries them)."""
    tunnel = esp_sa['mode'] != 'transport'
    if tunnel and th is None:
        th = tunnel_th(esp_sa)
    if opts and tunnel:
        th = IP(src=th.src, dst=th.dst, options=opts)
    e, ct = S.esp_encrypt(esp_sa['algo'], esp_sa['spi'], plain, seq_esp, hi_esp,
                          th if tunnel else None)
    if esp_fault:
        e = esp_fault(e)
    ep = (IPv6 if e[0] >> 4 == 6 else IP)(e)
    if opts and not tunnel:
        assert e[0] >> 4 == 4 and (e[0] & 0xf) > 5
    b = ah_sa['algo'].encrypt(ah_sa['spi'], ep, seq_ah, hi_ah)
    off = S.ah_position(b)[0]
    assert b[off] == 50 and S.after_ah(b) == e[40 if e[0] >> 4 == 6 else (e[0] & 0xf) * 4:]
    return b, e, ct


def bundle_good(r, ah_sa, esp_sa, b, e, ct, plain, s_ah, s_esp, path='engine', reason=DELIVER,
                out=None):
    r.ev(b, reason, raw(plain) if out is None and reason == DELIVER else out, path=path,
         verdict=[ah_sa, esp_sa], life=[(ah_sa, len(S.after_ah(b))), (esp_sa, ct)],
         top=[(ah_sa, s_ah), (esp_sa, s_esp)], err=None)


def add_bundle(r, spi, ah_label, esp_label, mode, dst, src=None, esn=None):
    esp = r.add(spi + 1, A.ALGOS[esp_label], mode, dst, src=src, esn=esn)
    ah = r.add(spi, S.AH_ALGOS[ah_label], mode, dst, src=src, esn=esn,
               more='bundle %d' % (spi + 1))
    return ah, esp


def build_bundle(fl):
    r = Run(fl, 'bundle')
    B = [add_bundle(r, 0x4000, 'sha256', 'aes-128-gcm', 'transport', '10.40.0.1'),
         add_bundle(r, 0x4010, 'gmac128', 'aes-256-cbc+sha1-hmac', 'transport',
                    '2001:db8:40::1'),
         add_bundle(r, 0x4020, 'sha1', 'aes-256-gcm', 'ipv4-tunnel', '192.0.2.40',
                    src='203.0.113.40'),
         add_bundle(r, 0x4030, 'sha512', 'aes-128-gmac', 'ipv6-tunnel', '2001:db8:41::1'),
         add_bundle(r, 0x4040, 'md5', 'null+sha256-hmac', 'transport', '10.40.0.2')]
    # a lone ESP SA and a lone AH SA for the same destination as bundle 0
    lone_esp = r.add(0x4100, A.ALGOS['aes-128-gcm'], 'transport', '10.40.0.1')
    lone_ah = r.add(0x4101, S.AH_ALGOS['sha1'], 'transport', '10.40.0.3')
    for bi, (ah, esp) in enumerate(B):
        tunnel = esp['mode'] != 'transport'
        s = 0
        for inf in ((4, 6) if tunnel else (esp['family'],)):
            for n in (0, 77, 500):
                k = r.kk()
                s += 1
                plain = pkt(inf, k, n, dst=None if tunnel else esp['dst'])
                b, e, ct = bundle_send(ah, esp, plain, s, s + 100)
                bundle_good(r, ah, esp, b, e, ct, plain, s, s + 100)
                if n == 77:
                    # AH's ICV / an immutable byte: AH failed (nothing else counted)
                    ah_corruptions(r, ah, b, k)
                    # ESP's ICV bad inside a good AH: AH verified, ESP failed
                    b2, e2, _ = bundle_send(ah, esp, plain, s + 50, s + 150,
                                            esp_fault=lambda x: S.esp_icv_flip(x, esp['algo'], k))
                    r.ev(b2, esp['fail'], verdict=[ah], life=[(ah, len(S.after_ah(b2)))])
                    # changed in flight
                    k = r.kk()
                    s += 1
                    plain = pkt(inf, k, 90, dst=None if tunnel else esp['dst'])
                    b, e, ct = bundle_send(ah, esp, plain, s, s + 100)
                    m = S.router(b, 2, tos=0x0c, df=True, fl=0x12345)
                    # transport: the header as received; tunnel: the inner packet
                    out = S.router(raw(plain), 2, tos=0x0c, df=True, fl=0x12345) \
                        if not tunnel else None
                    bundle_good(r, ah, esp, m, e, ct, plain, s, s + 100, out=out)
        # the bundled ESP SA alone: invalid_protocol (counted for the ESP SA)
        fam_in = 4 if tunnel else esp['family']
        k = r.kk()
        plain = pkt(fam_in, k, 33, dst=None if tunnel else esp['dst'])
        e, _ = S.esp_encrypt(esp['algo'], esp['spi'], plain, 1000, None,
                             tunnel_th(esp) if tunnel else None)
        r.ev(e, 'invalid_protocol', verdict=[esp])
        # AH over UDP / an inner packet (no ESP) with the bundle's AH SA:
        # AH verifies, then invalid_protocol
        k = r.kk()
        b, _ = ah_send(r, ah, pkt(fam_in, k, 20, dst=None if tunnel else ah['dst']), 1000)
        r.ev(b, 'invalid_protocol', verdict=[ah], life=[(ah, len(S.after_ah(b)))])
        # replays: the whole packet again (AH's window), then a fresh AH
        # over an ESP sequence number already received (ESP's window)
        k = r.kk()
        s += 1
        plain = pkt(4 if tunnel else esp['family'], k, 44, dst=None if tunnel else esp['dst'])
        b, e, ct = bundle_send(ah, esp, plain, s, s + 100)
        bundle_good(r, ah, esp, b, e, ct, plain, s, s + 100)
        r.ev(b, 'replay_duplicate', verdict=[ah], life=[(ah, len(S.after_ah(b))), (esp, ct)],
             err=None)
        s += 1
        b, e, ct = bundle_send(ah, esp, plain, s, s + 99)
        bundle_good(r, ah, esp, b, e, ct, plain, s, 0, reason='replay_duplicate')
    # AH of bundle 0 over the lone ESP SA (same destination, another SPI)
    ah0, esp0 = B[0]
    k = r.kk()
    plain = pkt(4, k, 50, dst='10.40.0.1')
    e, ct = S.esp_encrypt(lone_esp['algo'], lone_esp['spi'], plain, 1, None)
    b = ah0['algo'].encrypt(ah0['spi'], IP(e), 2000)
    r.ev(b, 'invalid_protocol', verdict=[ah0], life=[(ah0, len(S.after_ah(b)))])
    # ... and AH over ESP with an SPI nobody has
    e, ct = S.esp_encrypt(lone_esp['algo'], 0x4999, plain, 1, None)
    b = ah0['algo'].encrypt(ah0['spi'], IP(e), 2001)
    r.ev(b, 'invalid_protocol', verdict=[ah0], life=[(ah0, len(S.after_ah(b)))])
    # the lone ESP SA itself, and the lone AH SA over ESP of a bundle: as usual
    e, ct = S.esp_encrypt(lone_esp['algo'], lone_esp['spi'], plain, 2, None)
    r.ev(e, DELIVER, raw(plain), verdict=[lone_esp], life=[(lone_esp, ct)], top=[(lone_esp, 2)])
    k = r.kk()
    plain = pkt(4, k, 50, dst='10.40.0.3')
    b, _ = ah_send(r, lone_ah, plain, 1)
    ah_good(r, lone_ah, b, 1)
    # ESN: both SAs of a bundle across 2^32
    ah, esp = add_bundle(r, 0x4050, 'sha384', 'aes-128-cbc+sha512-hmac', 'ipv4-tunnel',
                         '192.0.2.50', esn=0x2fffffff0)
    for lo, hi in ((0xfffffff9, 2), (0xffffffff, 2), (1, 3), (5, 3)):
        k = r.kk()
        plain = pkt(4 if lo % 2 else 6, k, 40)
        b, e, ct = bundle_send(ah, esp, plain, lo, lo, hi, hi)
        bundle_good(r, ah, esp, b, e, ct, plain, hi << 32 | lo, hi << 32 | lo)
    k = r.kk()
    b, e, ct = bundle_send(ah, esp, pkt(4, k, 40), 6, 6, 3, 2)	# ESP's high half wrong
    r.ev(b, 'tunnel_esp_auth_failed', verdict=[ah], life=[(ah, len(S.after_ah(b)))])
    # IPv4 options on the outer header: the software path by default
    for (ah, esp), opts_n in ((B[0], 1), (B[2], 2)):
        k = r.kk()
        tunnel = esp['mode'] != 'transport'
        plain = pkt(4, k, 64, dst=None if tunnel else esp['dst'])
        if not tunnel:
            plain = v4opt_pkt(k, 64, esp['dst'])
        b, e, ct = bundle_send(ah, esp, plain, 500 + opts_n, 600 + opts_n, opts=V4_OPTS)
        assert (b[0] & 0xf) == 13
        bundle_good(r, ah, esp, b, e, ct, plain, 500 + opts_n, 600 + opts_n, path='sw')
        ah_corruptions(r, ah, b, k, path='sw')
    return r


def build_bundle_policy(r, B, policy):
    """Two packets per (bundle, inner destination, outcome)."""
    seqs = Counter()
    for (ah, esp), dst, outcome in policy:
        for _ in (1, 2):
            k = r.kk()
            seqs[ah['spi']] += 1
            seq = seqs[ah['spi']]
            plain = pkt(4, k, 30, dst=dst)
            b, e, ct = bundle_send(ah, esp, plain, seq, seq)
            bundle_good(r, ah, esp, b, e, ct, plain, seq, seq, reason=outcome)
    return r


# bundle 0x4000's AH SA protects 10.40.0.1 (transport), bundle 0x4020's ESP
# SA the tunnel's inner 10.41.0.0/24, the lone AH SA 10.42.0.0/24
BUNDLE_SP = ['ipv4 in esp protect %d dst 10.40.0.1/32' % 0x4000,
             'ipv4 in esp protect %d dst 10.41.0.0/24' % 0x4021,
             'ipv4 in esp protect %d dst 10.42.0.0/24' % 0x4101]


def build_bundle_policies(fl):
    r = Run(fl, 'bundle_policy', sp=BUNDLE_SP)
    B = [add_bundle(r, 0x4000, 'sha256', 'aes-128-gcm', 'transport', '10.40.0.1'),
         add_bundle(r, 0x4020, 'sha1', 'aes-256-gcm', 'ipv4-tunnel', '192.0.2.40',
                    src='203.0.113.40'),
         add_bundle(r, 0x4040, 'md5', 'null+sha256-hmac', 'transport', '10.40.0.2')]
    r.add(0x4101, S.AH_ALGOS['sha1'], 'transport', '10.40.0.3')
    build_bundle_policy(r, B, [
        (B[0], '10.40.0.1', DELIVER),			# the AH SA's rule
        (B[1], '10.41.0.7', DELIVER),			# the ESP SA's rule
        (B[1], '10.42.0.7', 'policy_mismatch'),		# another SA's rule
        (B[1], '10.43.0.7', 'policy_mismatch'),		# no rule
        (B[2], '10.40.0.2', 'policy_mismatch')])
    return r


# ---------------------------------------------------------------------------
# Nesting: a transport SA inside a tunnel SA
# ---------------------------------------------------------------------------

class Nest:
    """The SAs of the nesting runs."""

    def __init__(self, r):
        self.T4 = r.add(0x5001, A.ALGOS['aes-128-gcm'], 'ipv4-tunnel', '192.0.2.60',
                        src='203.0.113.60')
        self.T6 = r.add(0x5002, A.ALGOS['aes-256-cbc+sha256-hmac'], 'ipv6-tunnel',
                        '2001:db8:60::1')
        self.TU = r.add(0x5003, A.ALGOS['aes-256-gcm'], 'ipv4-tunnel', '192.0.2.61',
                        more='udp-encap')
        self.TE = r.add(0x5004, A.ALGOS['aes-128-cbc+sha1-hmac'], 'ipv4-tunnel', '192.0.2.62',
                        esn=0x1fffffff0)
        self.X4 = r.add(0x5101, A.ALGOS['aes-192-gcm'], 'transport', '10.60.0.2')
        self.X6 = r.add(0x5102, A.ALGOS['chacha20-poly1305'], 'transport', '2001:db8:61::2')
        self.XE = r.add(0x5103, A.ALGOS['aes-128-cbc+sha256-hmac'], 'transport', '10.60.0.5',
                        esn=0x2fffffff0)
        self.XG = r.add(0x5104, A.ALGOS['aes-256-gmac'], 'transport', '10.60.0.6')
        self.XU = r.add(0x5105, A.ALGOS['aes-128-gcm'], 'transport', '10.60.0.3',
                        more='udp-encap')
        self.XA = r.add(0x5106, A.ALGOS['null+sha384-hmac'], 'transport', None)
        self.XT = r.add(0x5107, A.ALGOS['aes-128-gcm'], 'ipv4-tunnel', '10.60.0.7')


def tunnel_th(t):
    src = t['src'] or ('203.0.113.66' if t['family'] == 4 else '2001:db8:66::1')
    return S.ip_hdr(t['family'], src, t['dst'])


def nest_send(t, x, plain, st, sx, ht=None, hx=None, inner_fault=None, th=None, x_spi=None):
    """plain encrypted with transport SA x (sequence number sx), the result
    with tunnel SA t (st): (wire, inner ESP packet, tunnel ciphertext
    length, transport ciphertext length)."""
    inner, cx = S.esp_encrypt(x['algo'], x_spi or x['spi'], plain, sx, hx, None,
                              ports=(4500, 4500) if x['udp'] else None)
    if inner_fault:
        inner = inner_fault(inner)
    ip = (IPv6 if inner[0] >> 4 == 6 else IP)(inner)
    b, ct = S.esp_encrypt(t['algo'], t['spi'], ip, st, ht, th or tunnel_th(t),
                          ports=(4500, 4500) if t['udp'] else None)
    return b, inner, ct, cx


def build_nest(fl, name, nested=True, extra=()):
    """nested: the model of a port that does TransportTunnelCombined (a
    port without it gives the same deliveries and drops: the consumer then
    checks the inner ESP in software, see notc())."""
    r = Run(fl, name, extra=extra)
    n = Nest(r)
    seqs = Counter()

    def nxt(sa):
        seqs[sa['spi']] += 1
        return seqs[sa['spi']]

    def good(t, x, plain, ht=None, hx=None, st=None, sx=None, path='engine', th=None):
        st = st or nxt(t)
        sx = sx or nxt(x)
        b, inner, ct, cx = nest_send(t, x, plain, st, sx, ht, hx, th=th)
        s64t = (ht or 0) << 32 | st
        s64x = (hx or 0) << 32 | sx
        if nested or path == 'sw':
            r.ev(b, DELIVER, raw(plain), path=path, nxt=True, verdict=[t, x],
                 life=[(t, ct), (x, cx)], top=[(t, s64t), (x, s64x)])
        else:
            r.ev(b, DELIVER, inner, path=path, verdict=[t], life=[(t, ct)], top=[(t, s64t)])
        return b, inner, ct, cx, st, sx

    combos = [(n.T4, n.X4, 4), (n.T4, n.X6, 6), (n.T6, n.X4, 4), (n.T6, n.X6, 6),
              (n.TU, n.X4, 4), (n.T4, n.XU, 4), (n.T6, n.XG, 4), (n.T4, n.XA, 4),
              (n.T6, n.XA, 6)]
    for ci, (t, x, fam) in enumerate(combos):
        dst = x['dst'] or ('10.60.9.%d' % ci if fam == 4 else '2001:db8:69::%x' % ci)
        for sz in (0, 61, 400):
            k = r.kk()
            good(t, x, pkt(fam, k, sz, dst=dst))
        # inner ICV bad (the tunnel verified): transport_esp_auth_failed,
        # counted for the tunnel SA; without nesting: delivered as it is
        k = r.kk()
        plain = pkt(fam, k, 50, dst=dst)
        st, sx = nxt(t), nxt(x)
        b, inner, ct, cx = nest_send(t, x, plain, st, sx,
                                     inner_fault=lambda e: S.esp_icv_flip(e, x['algo'], k))
        if nested:
            r.ev(b, 'transport_esp_auth_failed', nxt=True, verdict=[t], life=[(t, ct)],
                 err=None)
        else:
            r.ev(b, DELIVER, inner, verdict=[t], life=[(t, ct)], top=[(t, st)])
        # outer ICV bad
        b, inner, ct, cx = nest_send(t, x, plain, nxt(t), nxt(x))
        r.ev(S.esp_icv_flip(b, t['algo'], k), t['fail'], verdict=[t])
        # replays: the same packet again (the tunnel's window), a fresh
        # tunnel packet around an inner sequence number already seen
        k = r.kk()
        plain = pkt(fam, k, 70, dst=dst)
        b, inner, ct, cx, st, sx = good(t, x, plain)
        if nested:
            r.ev(b, 'replay_duplicate', nxt=True, verdict=[t], life=[(t, ct), (x, cx)],
                 err=None)
            b, inner, ct, cx = nest_send(t, x, plain, nxt(t), sx)
            r.ev(b, 'replay_duplicate', nxt=True, verdict=[t, x], life=[(t, ct), (x, cx)],
                 top=[(t, seqs[t['spi']])], err=None)
        else:
            r.ev(b, 'replay_duplicate', verdict=[t], life=[(t, ct)], err=None)
    # inner SPI that no SA has: not nested, the tunnel's inner packet is
    # delivered as it is (an inner ESP packet of a known tunnel-mode SA is
    # checked by the consumer in software, like any ESP the NIC side left)
    for t, x, spi in ((n.T4, n.X4, 0x5999),):
        k = r.kk()
        st = nxt(t)
        b, inner, ct, cx = nest_send(t, x, pkt(4, k, 40, dst=x['dst']), st, 1, x_spi=spi)
        r.ev(b, DELIVER, inner, verdict=[t], life=[(t, ct)], top=[(t, st)])
    # ESN in both layers, across 2^32
    for lo_t, lo_x, ht, hx in ((0xfffffff5, 0xfffffff7, 1, 2), (2, 0xfffffffa, 2, 2),
                               (3, 4, 2, 3), (0xfffffffd, 1, 1, 3)):
        k = r.kk()
        good(n.TE, n.XE, pkt(4, k, 33 + lo_x % 7, dst=n.XE['dst']), ht, hx, lo_t, lo_x)
    k = r.kk()
    # the inner SA's high half wrong (2 after its wrap to 3)
    b, inner, ct, cx = nest_send(n.TE, n.XE, pkt(4, k, 20, dst=n.XE['dst']), 4, 5, 2, 2)
    if nested:
        r.ev(b, 'transport_esp_auth_failed', nxt=True, verdict=[n.TE], life=[(n.TE, ct)],
             err=None)
    else:
        r.ev(b, DELIVER, inner, verdict=[n.TE], life=[(n.TE, ct)], top=[(n.TE, 2 << 32 | 4)])
    # an inner packet with IPv4 options (inside the tunnel: not a port
    # capability question)
    k = r.kk()
    good(n.T4, n.X4, v4opt_pkt(k, 40, n.X4['dst']))
    # IPv4 options on the outer header: the software path (which nests
    # whatever the port's capabilities)
    for t, x, st, sx, ht, hx in ((n.T4, n.X4, nxt(n.T4), nxt(n.X4), None, None),
                                 (n.TU, n.X4, nxt(n.TU), nxt(n.X4), None, None),
                                 (n.TE, n.XE, 5, 6, 2, 3)):
        k = r.kk()
        th = IP(src='203.0.113.60', dst=t['dst'], options=V4_OPTS)
        good(t, x, pkt(4, k, 45, dst=x['dst']), ht, hx, st, sx, path='sw', th=th)
    return r


def nest_policy(r, n, policy):
    for t, x, dst, outcome in policy:
        for _ in (1, 2):
            k = r.kk()
            t['_s'] = t.get('_s', 0) + 1
            x['_s'] = x.get('_s', 0) + 1
            plain = pkt(family_of(dst), k, 30, dst=dst)
            b, inner, ct, cx = nest_send(t, x, plain, t['_s'], x['_s'])
            r.ev(b, outcome, raw(plain) if outcome == DELIVER else None, nxt=True,
                 verdict=[t, x], life=[(t, ct), (x, cx)], top=[(t, t['_s']), (x, x['_s'])],
                 err=None)
    return r


NEST_SP = ['ipv4 in esp protect %d dst 10.60.0.2/32' % 0x5001,	# the tunnel SA's
           'ipv6 in esp protect %d dst 2001:db8:61::2/128' % 0x5102,	# the transport SA's
           'ipv4 in esp protect %d dst 10.60.0.6/32' % 0x5107,		# a third SA's
           'ipv4 in esp protect %d dst 10.60.9.0/24' % 0x5106]


def build_nest_policies(fl):
    r = Run(fl, 'nest_policy', sp=NEST_SP)
    n = Nest(r)
    nest_policy(r, n, [(n.T4, n.X4, '10.60.0.2', DELIVER),
                       (n.T6, n.X4, '10.60.0.2', 'policy_mismatch'),
                       (n.T4, n.X6, '2001:db8:61::2', DELIVER),
                       (n.T6, n.X6, '2001:db8:61::2', DELIVER),
                       (n.T4, n.XG, '10.60.0.6', 'policy_mismatch'),
                       (n.T6, n.XA, '10.60.9.9', DELIVER)])
    return r


# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Product bugs found by these tests: each run asserts what ov2rx should do
# (meson: should_fail until fixed; see tests/e2e/meson.build)
# ---------------------------------------------------------------------------

def build_bug_ah_cksum(fl):
    """An AH packet whose outer IPv4 header checksum is wrong (the ICV does
    not cover it: mutable) must be dropped as bad_ip_checksum, as the same
    ESP packet is (esp_decap) and as the same AH packet is when it takes
    the software path (not_offloaded). ov2rx delivers it; in transport mode
    ov2_ah_decap even rewrites a correct checksum. Per-SA counters are not
    compared (where the check goes is the fix's choice)."""
    r = Run(fl, 'bug_ah_cksum')
    r.per_sa = False
    ah = r.add(0x600, S.AH_ALGOS['sha256'], 'transport', '10.70.0.1')
    aht = r.add(0x601, S.AH_ALGOS['sha1'], 'ipv4-tunnel', '192.0.2.70')
    esp = r.add(0x602, A.ALGOS['aes-128-gcm'], 'transport', '10.70.0.2')
    bah, besp = add_bundle(r, 0x610, 'sha256', 'aes-128-gcm', 'transport', '10.70.0.3')
    b, _ = ah_send(r, ah, pkt(4, 1, 20, dst='10.70.0.1'), 1)
    r.ev(S.flip(b, 10, 0x01, fix=False), 'bad_ip_checksum')
    b, _ = ah_send(r, aht, pkt(4, 2, 20), 1)
    r.ev(S.flip(b, 11, 0x80, fix=False), 'bad_ip_checksum')
    plain = pkt(4, 3, 20, dst='10.70.0.3')
    b, e, ct = bundle_send(bah, besp, plain, 1, 1)
    r.ev(S.flip(b, 10, 0x04, fix=False), 'bad_ip_checksum', err=None)
    # the reference: ESP, same fault
    e, ct = S.esp_encrypt(esp['algo'], esp['spi'], pkt(4, 4, 20, dst='10.70.0.2'), 1)
    r.ev(S.flip(e, 10, 0x01, fix=False), 'bad_ip_checksum', err=None)
    return r


def build_bug_bundled_nested(fl):
    """The ESP SA of an AH + ESP bundle 'is never accepted alone'; inside a
    tunnel SA it is: rx_nested() does not look at OV2_SA_F_BUNDLED, sets
    NextCryptoDone, and the consumer delivers the decrypted packet,
    counted as delivered for the bundled SA. Expected here: the same
    answer as for that ESP packet without the tunnel,
    CRYPTO_INVALID_PROTOCOL (counted for the tunnel SA, which verified)."""
    r = Run(fl, 'bug_bundled_nested')
    t = r.add(0x620, A.ALGOS['aes-128-gcm'], 'ipv4-tunnel', '192.0.2.71')
    ah, es = add_bundle(r, 0x630, 'sha256', 'aes-256-gcm', 'transport', '10.71.0.1')
    b, inner, ct, cx = nest_send(t, es, pkt(4, 5, 30, dst='10.71.0.1'), 1, 1)
    r.ev(b, 'invalid_protocol', verdict=[t], life=[(t, ct)], err=None)
    r.ev(inner, 'invalid_protocol', verdict=[es])	# the same ESP without the tunnel
    return r


def build_bug_nest_err(fl):
    """README: 'Packets that failed authentication ... keep the bytes they
    arrived with' on the error port. A nested packet whose inner
    (transport) ICV fails leaves the error port with the tunnel's payload
    decrypted in place (only the inner ESP is restored)."""
    r = Run(fl, 'bug_nest_err')
    t = r.add(0x640, A.ALGOS['aes-128-gcm'], 'ipv4-tunnel', '192.0.2.72')
    x = r.add(0x641, A.ALGOS['aes-128-gcm'], 'transport', '10.72.0.1')
    b, inner, ct, cx = nest_send(t, x, pkt(4, 6, 30, dst='10.72.0.1'), 1, 1,
                                 inner_fault=lambda e: S.esp_icv_flip(e, x['algo'], 0))
    r.ev(b, 'transport_esp_auth_failed', nxt=True, verdict=[t], life=[(t, ct)])
    return r


def notc(r):
    """The nested traffic on a port without TransportTunnelCombined."""
    r.host_nests = True
    return r


GROUPS = {
    'algos': lambda fl: [build_algos(fl)],
    'options': lambda fl: [
        build_options(fl, 'options_sw', [], True),
        build_options(fl, 'options_engine', ['--caps', 'net_pcap0:+ipv4-options,+ipv6-ext'],
                      False)],
    'bundle': lambda fl: [build_bundle(fl), build_bundle_policies(fl)],
    'nest': lambda fl: [
        build_nest(fl, 'nest'),
        notc(build_nest(fl, 'nest_notc', extra=['--caps', 'net_pcap0:-transport-tunnel'])),
        build_nest_policies(fl)],
    'bug_ah_cksum': lambda fl: [build_bug_ah_cksum(fl)],
    'bug_bundled_nested': lambda fl: [build_bug_bundled_nested(fl)],
    'bug_nest_err': lambda fl: [build_bug_nest_err(fl)],
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        sys.exit(__doc__)
    rx, group = sys.argv[1], sys.argv[2]
    fl = C.Failures('ah_nest_e2e_' + group)
    tmp = C.tmpdir('ahnest_' + group)
    runs = GROUPS[group](fl)		# scapy first, one thread
    with ThreadPoolExecutor(max_workers=2) as ex:
        for fut in [ex.submit(r.go, rx, tmp) for r in runs]:
            fut.result()
    if group.startswith('bug_'):	# expected to fail: leave nothing behind
        shutil.rmtree(tmp, ignore_errors=True)
        tmp = None
    fl.finish(tmp)


if __name__ == '__main__':
    main()
