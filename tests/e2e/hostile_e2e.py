#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile traffic end to end: a corpus of broken packets, made with scapy,
replayed from a pcap through ov2rx with SAs of several kinds (ESP AES-GCM
IPv4 tunnel, AES-CBC + HMAC-SHA-256 IPv4 transport, AH HMAC-SHA-256 IPv4
transport, UDP-ESP AES-GCM IPv4 tunnel, AES-GCM IPv6 tunnel, AH HMAC-SHA1
IPv6 transport, ChaCha20-Poly1305 IPv6 transport).

tests/unit/test_hostile.c feeds the NIC side and the consumer directly
with truncations, bit flips and random payloads of ov2gen frames; this test
takes the whole process (net_pcap, pmd-shim, the poll loop, reassembly,
the output port) and adds what a bit flip cannot make: lies that keep the
IPv4 checksum right, trailers with a valid ICV, IPv6 header chains,
fragments, floods.

Groups (one ov2rx run each):
  trunc    every SA's valid packet, then that frame cut at every offset
           (0 bytes up to one byte short; runts included)
  lies     IPv4 total length / IHL and IPv6 payload length that lie (the
           IPv4 checksum redone), a wrong IP version; Ethernet padding
           behind a valid packet (delivered: the IP length is the truth)
  trailer  ESP whose ICV verifies but whose trailer is hostile: padding
           bytes not 1, 2, 3..., pad length past the payload (by one, and
           255), next header 59 (dummy) and 0, a tunnel whose next header
           names the wrong IP version; SPI 0 and the reserved 1-255; AH
           whose length field is wrong
  ext      IPv6 extension-header chains: valid ones (delivered), one header
           too many, a chain of destination options that runs to the end of
           the packet, a header whose length runs past the end
  frag     overlapping IPv4 and IPv6 fragments of ESP packets, a fragment
           past 64 KiB, a set never completed; a well-formed set (delivered)
  flood    400 forged packets per SA (a protected bit flipped, sequence
           numbers far ahead of the window) around 20 valid ones: no forged packet
           delivered, the window and the lifetime untouched by them

Checked for every group: the output pcap holds exactly the packets that
must pass, byte for byte (the decapsulated packet scapy encrypted); each
drop is counted under its reason (exactly where the reason is certain, else
under one of a small set named per case); rx_packets = delivered + drops +
frag_merged + frag_held; the per-SA counters agree with the global ones;
mbufs_in_use_at_exit == 0.

usage: hostile_e2e.py OV2RX GROUP"""

import contextlib
import os
import struct
import sys
from collections import Counter

from scapy.all import IP, UDP, TCP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, Raw, raw
from scapy.layers.ipsec import ESP, CryptAlgo, SecurityAssociation

import ah_nest_scapy as H
import algos_scapy as A
import e2e_common as C

MAC_DST = b'\x02\x00\x00\x00\xbb\x02'
MAC_SRC = b'\x02\x00\x00\x00\xbb\x01'

# Reasons a broken packet may get depending on where the engine or the
# consumer notices first; a case names the subset it allows.
TRUNC = {'malformed', 'invalid_packet_syntax'}
AUTH = {'transport_esp_auth_failed', 'tunnel_esp_auth_failed',
        'transport_ah_auth_failed', 'tunnel_ah_auth_failed'}


class Sa:
    """One inbound SA of the configuration and how scapy makes its packets."""

    def __init__(self, spi, kind, mode, family, src, dst, algo=None, ah=None, udp=False):
        self.spi, self.kind, self.mode, self.family = spi, kind, mode, family
        self.src, self.dst, self.algo, self.ah, self.udp = src, dst, algo, ah, udp
        self.tunnel = mode != 'transport'
        self.seq = 0

    def conf_line(self):
        words = self.ah.conf_words(self.spi) if self.ah else self.algo.conf_words(self.spi)
        line = 'sa in %d %s mode %s' % (self.spi, words, self.mode)
        if self.tunnel:
            line += ' src %s' % self.src
        line += ' dst %s' % self.dst
        return line + (' udp-encap' if self.udp else '')

    def fail(self):
        return '%s_%s_auth_failed' % ('tunnel' if self.tunnel else 'transport',
                                      'ah' if self.ah else 'esp')

    def next_seq(self):
        self.seq += 1
        return self.seq

    def plain(self, k, n=40):
        """The packet the SA protects: tunnel: an inner packet; transport:
        the IP packet itself."""
        data = Raw(bytes((k * 13 + i * 7 + 3) & 0xff for i in range(n)))
        if self.tunnel:
            fam = 6 if k % 2 else 4
            if fam == 4:
                p = IP(src='10.7.0.%d' % (k % 200 + 1), dst='10.8.0.1', id=k) / \
                    UDP(sport=1000 + k, dport=53) / data
            else:
                p = IPv6(src='2001:db8:77::%x' % (k + 1), dst='2001:db8:88::1') / \
                    UDP(sport=1000 + k, dport=53) / data
        elif self.family == 4:
            p = IP(src=self.src, dst=self.dst, id=k, flags='DF') / \
                TCP(sport=2000 + k, dport=443, flags='PA') / data
        else:
            p = IPv6(src=self.src, dst=self.dst) / UDP(sport=2000 + k, dport=4000) / data
        return p.__class__(raw(p))


SAS = [
    Sa(0x4001, 'esp-gcm', 'ipv4-tunnel', 4, '192.0.2.1', '192.0.2.2',
       algo=A.ALGOS['aes-128-gcm']),
    Sa(0x4002, 'esp-cbc', 'transport', 4, '198.51.100.1', '198.51.100.7',
       algo=A.ALGOS['aes-128-cbc+sha256-hmac']),
    Sa(0x4003, 'ah', 'transport', 4, '198.51.100.1', '198.51.100.8', ah=H.AH_ALGOS['sha256']),
    Sa(0x4004, 'udp-esp', 'ipv4-tunnel', 4, '192.0.2.1', '192.0.2.4',
       algo=A.ALGOS['aes-256-gcm'], udp=True),
    Sa(0x4005, 'esp6', 'ipv6-tunnel', 6, '2001:db8:a::1', '2001:db8:a::2',
       algo=A.ALGOS['aes-256-gcm']),
    Sa(0x4006, 'ah6', 'transport', 6, '2001:db8:b::1', '2001:db8:b::8', ah=H.AH_ALGOS['sha1']),
    Sa(0x4007, 'chacha6', 'transport', 6, '2001:db8:b::1', '2001:db8:b::7',
       algo=A.ALGOS['chacha20-poly1305']),
]
BY_KIND = {sa.kind: sa for sa in SAS}
ESP_SAS = [sa for sa in SAS if sa.algo]
AH_SAS = [sa for sa in SAS if sa.ah]


@contextlib.contextmanager
def trailer(tweak):
    """scapy's ESP encryption with the plaintext trailer changed by tweak
    (an _ESPPlain with padding, padlen and nh set) before it is encrypted
    and authenticated: a sender with the key writing a hostile trailer."""
    orig = CryptAlgo.pad

    def pad(self, esp):
        esp = orig(self, esp)
        if tweak:
            tweak(esp)
        return esp
    CryptAlgo.pad = pad
    try:
        yield
    finally:
        CryptAlgo.pad = orig


_ivn = [0]


def esp_bytes(sa, plain, seq, tweak=None, spi=None):
    """Raw IP bytes of scapy's ESP packet of plain for sa (its keys),
    sequence number seq; tweak: see trailer(); spi: a different SPI on the
    wire (same keys)."""
    ck, ak = sa.algo.keys(sa.spi)
    hdr = A.tunnel_header(sa.family, sa.src, sa.dst) if sa.tunnel else None
    args = dict(spi=spi if spi is not None else sa.spi, seq_num=seq, crypt_algo=sa.algo.crypt,
                crypt_key=ck or None, tunnel_header=hdr)
    if sa.algo.hmac:
        args.update(auth_algo=sa.algo.auth, auth_key=ak)
    if sa.udp:
        args['nat_t_header'] = UDP(sport=4500, dport=4500)
    ssa = SecurityAssociation(ESP, **args)
    _ivn[0] += 1
    iv = struct.pack('!IIII', sa.spi, seq, _ivn[0], 0x3c3c3c3c)[:sa.algo.iv]
    with trailer(tweak):
        b = raw(ssa.encrypt(plain, seq_num=seq, iv=iv))
    if sa.udp:
        # scapy 2.5 writes UDP length 8 (before the ESP header is added)
        b = b[:24] + struct.pack('!H', len(b) - 20) + b[26:]
    if tweak is None and spi is None:
        # scapy decrypts its own packet (UDP-ESP: as plain ESP)
        pb = b
        if sa.udp:
            ip = IP(b[:20])
            ip.proto, ip.len = 50, len(b) - 8
            del ip.chksum
            pb = raw(ip)[:20] + b[28:]
        dec = SecurityAssociation(ESP, **{k: v for k, v in args.items()
                                          if k != 'nat_t_header'}).decrypt(
            (IPv6 if sa.family == 6 else IP)(pb))
        assert raw(dec) == raw(plain), 'scapy does not decrypt its own packet'
    return b


def ah_bytes(sa, plain, seq):
    return sa.ah.encrypt(sa.spi, plain, seq)


def protect(sa, plain, seq):
    return ah_bytes(sa, plain, seq) if sa.ah else esp_bytes(sa, plain, seq)


def frame(ip):
    return MAC_DST + MAC_SRC + (b'\x08\x00' if ip[0] >> 4 == 4 else b'\x86\xdd') + ip


def delivered_frame(sa, plain, ip=None):
    """What ov2rx must put on the output port: tunnel: the inner packet
    behind the same Ethernet header; transport: the packet without ESP/AH."""
    if sa.ah and not sa.tunnel:
        return frame(H.strip_ah(ip))
    return frame(raw(plain))


def fix4(b):
    return H.fix4(b)


def set16(b, off, v):
    return b[:off] + struct.pack('!H', v & 0xffff) + b[off + 2:]


class Run:
    """The frames of one group, what must come out, and the checks."""

    def __init__(self, fl, name):
        self.fl, self.name = fl, name
        self.events = []	# (frame, outcome, out, sa): outcome 'deliver',
        # a reason, or a set of reasons
        self.frag = Counter()	# expected fragment counters

    def deliver(self, sa, fr, out):
        self.events.append((fr, 'deliver', out, sa))

    def cleartext(self, fr):
        """A frame that is cleartext as its IP header tells (no ESP or AH
        there): delivered unchanged, as the configuration (no sp lines)
        accepts every cleartext packet; counted for no SA."""
        self.events.append((fr, 'deliver', fr, None))

    def drop(self, sa, fr, why):
        self.events.append((fr, why, None, sa))

    def merged(self, sa, fr):
        """A fragment that reassembly merges into a later one (counted as
        frag_merged: neither delivered nor dropped)."""
        self.events.append((fr, 'merged', None, sa))

    def valid(self, sa, k, n=40):
        """A valid packet of sa, delivered; returns (its frame, plain, ip)."""
        plain = sa.plain(k, n)
        ip = protect(sa, plain, sa.next_seq())
        fr = frame(ip)
        self.deliver(sa, fr, delivered_frame(sa, plain, ip))
        return fr, plain, ip

    def go(self, rx, tmp):
        d = os.path.join(tmp, self.name)
        os.makedirs(d, exist_ok=True)
        conf, inp, out, stats = (os.path.join(d, f) for f in (
            'ov2rx.conf', 'in.pcap', 'out.pcap', 'stats.json'))
        with open(conf, 'w') as f:
            f.write('# hostile_e2e.py %s\n' % self.name)
            f.write('\n'.join(sa.conf_line() for sa in SAS) + '\n')
        C.write_pcap(inp, [e[0] for e in self.events])
        print('%s: %d frames, %d to deliver' % (self.name, len(self.events),
                                                 sum(e[1] == 'deliver' for e in self.events)))
        st, _ = C.ov2rx(rx, tmp, 'hostile_' + self.name, conf, inp, out, stats, timeout=240)
        self.check(st, C.read_frames(out))
        return st

    def check(self, st, got):
        fl, n = self.fl, self.name
        want = [e[2] for e in self.events if e[1] == 'deliver']
        allowed = set(want)
        bad = [g for g in got if g not in allowed]
        fl.check(not bad, '%s: %d delivered frames are none of the valid packets '
                 '(first: %s)' % (n, len(bad), bad[0].hex() if bad else ''))
        fl.check(len(got) == len(want), '%s: %d frames delivered, expected %d'
                 % (n, len(got), len(want)))
        diff = sum(1 for g, w in zip(got, want) if g != w)
        fl.check(diff == 0, '%s: %d delivered frames differ from the expected ones' % (n, diff))
        # drops: exact reasons, then the cases with a set of reasons
        exact, loose = Counter(), []
        for e in self.events:
            if e[1] in ('deliver', 'merged'):
                continue
            if isinstance(e[1], str):
                exact[e[1]] += 1
            else:
                loose.append(e[1])
        drops = Counter({k: v for k, v in st.get('drops', {}).items() if v})
        extra = drops - exact
        fl.check(not (exact - drops), '%s: drops %s, expected at least %s'
                 % (n, dict(drops), dict(exact)))
        fl.check(sum(extra.values()) == len(loose), '%s: %d drops beyond the certain ones %s, '
                 'expected %d' % (n, sum(extra.values()), dict(extra), len(loose)))
        possible = set().union(*loose) if loose else set()
        fl.check(set(extra) <= possible, '%s: drop reasons %s not expected for any packet '
                 '(possible: %s)' % (n, sorted(set(extra) - possible), sorted(possible)))
        for r, c in extra.items():
            most = sum(1 for s in loose if r in s)
            fl.check(c <= most, '%s: %d %s drops, at most %d packets may have it'
                     % (n, c, r, most))
        fl.check(st.get('delivered') == len(want), '%s: delivered %s, expected %d'
                 % (n, st.get('delivered'), len(want)))
        fl.check(st.get('rx_packets') == len(self.events), '%s: rx_packets %s, expected %d'
                 % (n, st.get('rx_packets'), len(self.events)))
        for key, v in self.frag.items():
            fl.check(st.get(key) == v, '%s: %s %s, expected %d' % (n, key, st.get(key), v))
        C.check_invariant(fl, st, n)
        C.check_per_sa(fl, st, n)
        fl.check(st.get('mbufs_in_use_at_exit') == 0, '%s: mbufs_in_use_at_exit %s, '
                 'expected 0' % (n, st.get('mbufs_in_use_at_exit')))
        # no packet that failed authentication was delivered, per SA
        for s in st.get('sas', []):
            sa = next((x for x in SAS if x.spi == s['spi']), None)
            if sa is None:
                continue
            w = sum(1 for e in self.events if e[3] is sa and e[1] == 'deliver')
            fl.check(s.get('delivered') == w, '%s: SA %#x delivered %s, expected %d'
                     % (n, sa.spi, s.get('delivered'), w))


# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------

def build_trunc(r):
    for k, sa in enumerate(SAS):
        fr, _, _ = r.valid(sa, k, 24 + 8 * k)
        for i in range(len(fr)):
            r.drop(sa, fr[:i], TRUNC)


def build_lies(r):
    k = 100
    for sa in SAS:
        fr, plain, ip = r.valid(sa, k)
        k += 1
        # Ethernet padding behind a valid packet (what short frames carry on
        # the wire): the IP length says where the packet ends
        ip2 = protect(sa, plain, sa.next_seq())
        r.deliver(sa, frame(ip2) + b'\0' * 18, delivered_frame(sa, plain, ip2))
        lies = []
        if sa.family == 4:
            hl = 20
            for tot in (len(ip) + 1, len(ip) + 100, 0xffff):
                lies.append((set16(ip, 2, tot), TRUNC))
            # shorter than the header, the header alone, the ESP/UDP header
            # alone, one byte short: the rest is junk behind the packet
            lies.append((set16(ip, 2, 0), {'malformed'}))
            lies.append((set16(ip, 2, 19), {'malformed'}))
            # UDP-ESP: a UDP header alone, or UDP without its header: not
            # ESP by what the IP header says (the rest is Ethernet padding)
            # but a (useless) cleartext packet
            lies.append((set16(ip, 2, hl), 'clear' if sa.udp else
                         {'malformed', 'invalid_packet_syntax', 'no_sa'}))
            lies.append((set16(ip, 2, hl + 8), 'clear' if sa.udp else
                         {'invalid_packet_syntax', 'no_sa', 'malformed'}))
            lies.append((set16(ip, 2, len(ip) - 1), {'invalid_packet_syntax', sa.fail()}))
            # IHL below 5, and past the end of the frame
            for ihl in (0, 4):
                lies.append((bytes([0x40 | ihl]) + ip[1:], {'malformed'}))
            lies.append((bytes([0x4f]) + ip[1:hl] + ip[hl:hl + 20], {'malformed'}))
            # IHL 15 where the packet is long enough: 40 bytes of the
            # payload read as options (the checksum over 60 bytes redone)
            # (UDP-ESP: then UDP to other ports, a cleartext packet)
            x = bytes([0x4f]) + ip[1:]
            lies.append((fix4(x) if len(x) >= 60 else x, 'clear' if sa.udp else
                         {'malformed', 'no_sa', 'not_processed', 'bad_ip_checksum'}))
            lies.append((bytes([0x65]) + ip[1:], {'malformed'}))	# version 6 behind 0x0800
            for b, why in lies:
                if b[0] >> 4 == 4 and (b[0] & 0xf) >= 5 and (b[0] & 0xf) * 4 <= len(b):
                    b = fix4(b)		# a liar who keeps the checksum right
                if why == 'clear':
                    r.cleartext(frame(b))
                else:
                    r.drop(sa, frame(b), why)
        else:
            for plen in (len(ip) - 40 + 1, len(ip) - 40 + 1000, 0xffff):
                lies.append((set16(ip, 4, plen), TRUNC))
            lies.append((set16(ip, 4, 0), {'malformed', 'invalid_packet_syntax', 'no_sa'}))
            lies.append((set16(ip, 4, 8), {'invalid_packet_syntax', 'malformed', 'no_sa'}))
            lies.append((set16(ip, 4, len(ip) - 41), {'invalid_packet_syntax', sa.fail()}))
            lies.append((bytes([0x45]) + ip[1:], {'malformed'}))	# version 4 behind 0x86dd
            for b, why in lies:
                r.drop(sa, frame(b), why)


def pad_plain(sa, k, min_pad, max_len=None):
    """A plaintext of sa whose ESP padding is at least min_pad bytes."""
    for n in range(8, 200):
        p = sa.plain(k, n)
        data = len(raw(p)) if sa.tunnel else len(raw(p.payload))
        pad = -(data + 2) % sa.algo.align
        if pad >= min_pad and (max_len is None or data < max_len):
            return p
    raise AssertionError('no size gives %d bytes of padding' % min_pad)


def build_trailer(r):
    k = 200
    for sa in ESP_SAS:
        r.valid(sa, k)
        k += 1
        inner_fail = 'bad_inner_packet'

        def bad_pad(esp):
            esp.padding = bytes([esp.padding[0] ^ 0x55]) + esp.padding[1:]

        def past_by_one(esp):
            esp.padlen = len(esp.data) + len(esp.padding) + 1

        def pad255(esp):
            esp.padlen = 255

        def dummy(esp):
            esp.nh = 59

        def nh0(esp):
            esp.nh = 0

        def wrong_ip(esp):
            esp.nh = 41 if esp.nh == 4 else 4

        for tweak, why in ((bad_pad, 'bad_padding'), (past_by_one, 'bad_trailer'),
                           (pad255, 'bad_trailer'), (dummy, 'dummy_packet')):
            p = pad_plain(sa, k, 2, 200 if tweak is pad255 else None)
            k += 1
            r.drop(sa, frame(esp_bytes(sa, p, sa.next_seq(), tweak)), why)
        # next header 0: tunnel: not an IP packet inside; transport: the
        # sender (who has the key) says protocol 0: delivered as such
        p = pad_plain(sa, k, 0)
        k += 1
        b = esp_bytes(sa, p, sa.next_seq(), nh0)
        if sa.tunnel:
            r.drop(sa, frame(b), inner_fail)
            r.drop(sa, frame(esp_bytes(sa, pad_plain(sa, k, 0), sa.next_seq(), wrong_ip)),
                   inner_fail)
        else:
            want = bytearray(raw(p))
            want[9 if sa.family == 4 else 6] = 0
            r.deliver(sa, frame(b), frame(fix4(bytes(want))))
        # the SPIs RFC 4303 reserves: 0 (local use) and 1-255 (IANA); ov2rx
        # refuses them in its configuration, so they never match an SA.
        # On a UDP-ESP port, SPI 0 is the non-ESP marker (RFC 3948): IKE,
        # passed up untouched.
        for spi in (0, 1, 255):
            fr = frame(esp_bytes(sa, p, sa.next_seq(), spi=spi))
            if sa.udp and spi == 0:
                r.cleartext(fr)
            else:
                r.drop(sa, fr, 'no_sa')
        r.valid(sa, k)		# the SA still works after all that
        k += 1
    for sa in AH_SAS:
        r.valid(sa, k)
        k += 1
        for delta in (-1, 1, -3, 60):
            ip = bytearray(ah_bytes(sa, sa.plain(k), sa.next_seq()))
            k += 1
            off, _ = H.ah_position(bytes(ip))
            ip[off + 1] = (ip[off + 1] + delta) & 0xff
            r.drop(sa, frame(fix4(bytes(ip))), {'invalid_packet_syntax', sa.fail()})
        ip = bytearray(ah_bytes(sa, sa.plain(k), sa.next_seq()))
        off, _ = H.ah_position(bytes(ip))
        ip[off + 4:off + 8] = b'\0\0\0\0'	# SPI 0
        r.drop(sa, frame(fix4(bytes(ip))), 'no_sa')
        r.valid(sa, k)
        k += 1


def with_ext(pkt6, headers):
    """IPv6 packet pkt6 with scapy extension headers inserted after the
    fixed header."""
    p = IPv6(raw(pkt6))
    body = p.payload
    p.remove_payload()
    chain = None
    for h in headers:
        chain = h if chain is None else chain / h
    q = p / chain / body
    del q[IPv6].plen
    del q[IPv6].nh
    return IPv6(raw(q))


def build_ext(r):
    k = 300
    for sa in (BY_KIND['chacha6'], BY_KIND['ah6']):
        r.valid(sa, k)
        k += 1
        for nhdr in (2, 8):	# valid chains, 8: the most ov2rx walks
            plain = with_ext(sa.plain(k), [IPv6ExtHdrHopByHop()] +
                             [IPv6ExtHdrDestOpt() for _ in range(nhdr - 1)])
            k += 1
            if sa.ah:
                ip = ah_bytes(sa, plain, sa.next_seq())
                r.deliver(sa, frame(ip), frame(H.strip_ah(ip)))
            else:
                ip = esp_bytes(sa, plain, sa.next_seq())
                r.deliver(sa, frame(ip), frame(raw(plain)))
        # one too many (9): refused whole
        plain = with_ext(sa.plain(k), [IPv6ExtHdrDestOpt() for _ in range(9)])
        k += 1
        ip = ah_bytes(sa, plain, sa.next_seq()) if sa.ah else esp_bytes(sa, plain, sa.next_seq())
        r.drop(sa, frame(ip), {'malformed'})
        # destination options naming destination options to the end
        b = bytearray(protect(sa, sa.plain(k), sa.next_seq()))
        k += 1
        b[6] = 60
        for off in range(40, len(b) - 7, 8):
            b[off], b[off + 1] = 60, 0
        r.drop(sa, frame(bytes(b)), {'malformed'})
        # a hop-by-hop header whose length runs past the end
        b = bytearray(protect(sa, sa.plain(k), sa.next_seq()))
        k += 1
        b = b[:40] + bytes([b[6], 200]) + b'\x01\x04\0\0\0\0' + b[40:]
        b[6] = 0
        b = set16(bytes(b), 4, len(b) - 40)
        r.drop(sa, frame(b), {'malformed'})
        # a chain longer than the payload length says
        plain = with_ext(sa.plain(k), [IPv6ExtHdrDestOpt() for _ in range(3)])
        k += 1
        b = protect(sa, plain, sa.next_seq())
        r.drop(sa, frame(set16(b, 4, 16)), {'malformed'})
        r.valid(sa, k)
        k += 1


def frag4(ip, pieces):
    """IPv4 fragments of packet ip: pieces = [(offset, length, more)] in
    bytes of the payload (offsets multiples of 8)."""
    hl = (ip[0] & 0xf) * 4
    body = ip[hl:]
    out = []
    for off, ln, mf in pieces:
        h = bytearray(ip[:hl])
        h[2:4] = struct.pack('!H', hl + ln)
        h[6:8] = struct.pack('!H', (0x2000 if mf else 0) | off // 8)
        out.append(fix4(bytes(h) + body[off:off + ln]))
    return out


def frag6(ip, pieces, ident):
    """IPv6 fragments (fragment header right after the fixed header)."""
    nh, body = ip[6], ip[40:]
    out = []
    for off, ln, mf in pieces:
        fh = bytes([nh, 0]) + struct.pack('!HI', off | (1 if mf else 0), ident)
        h = bytearray(ip[:40])
        h[6] = 44
        h[4:6] = struct.pack('!H', 8 + ln)
        out.append(bytes(h) + fh + body[off:off + ln])
    return out


def build_frag(r):
    k = 400
    ident = 0x1000
    for sa in (BY_KIND['esp-gcm'], BY_KIND['esp6'], BY_KIND['esp-cbc']):
        v6 = sa.family == 6
        hl = 40 if v6 else 20

        def cut(ip, pieces):
            nonlocal ident
            ident += 1
            if v6:
                return frag6(ip, pieces, ident)
            # tunnel: scapy's outer headers all have ID 1, give each its
            # own; transport: the ID is the delivered packet's (unique)
            return frag4(set16(ip, 4, ident) if sa.tunnel else ip, pieces)

        # a well-formed set, reassembled and delivered
        plain = sa.plain(k, 600)
        k += 1
        ip = protect(sa, plain, sa.next_seq())
        n = len(ip) - hl
        fr = cut(ip, [(0, 256, True), (256, 256, True), (512, n - 512, False)])
        for f in fr[:-1]:
            r.merged(sa, frame(f))
        want = delivered_frame(sa, plain, ip)
        if not sa.tunnel and not v6:
            # the header of the reassembled packet: the fragments' (no DF)
            want = want[:14] + fix4(set16(want[14:], 6, 0))
        r.deliver(sa, frame(fr[-1]), want)
        r.frag['frag_merged'] += 2
        r.frag['reassembled'] += 1
        # overlapping: the second starts 8 bytes inside the first
        ip = protect(sa, sa.plain(k, 600), sa.next_seq())
        k += 1
        n = len(ip) - hl
        for f in cut(ip, [(0, 256, True), (248, n - 248, False)]):
            r.drop(sa, frame(f), 'reassembly_failed')
        # overlapping, the second fragment inside the first, then the rest
        ip = protect(sa, sa.plain(k, 600), sa.next_seq())
        k += 1
        n = len(ip) - hl
        for f in cut(ip, [(0, 512, True), (256, 128, True), (512, n - 512, False)]):
            r.drop(sa, frame(f), 'reassembly_failed')
        # a fragment that ends past 64 KiB
        ip = protect(sa, sa.plain(k, 100), sa.next_seq())
        k += 1
        for f in cut(ip, [(65528 - 8, 64, False)]):
            r.drop(sa, frame(f), {'reassembly_failed', 'malformed'})
        # never completed: still waiting when ov2rx exits
        ip = protect(sa, sa.plain(k, 600), sa.next_seq())
        k += 1
        for f in cut(ip, [(0, 256, True)]):
            r.drop(sa, frame(f), 'reassembly_failed')
        r.valid(sa, k)
        k += 1


def build_flood(r):
    k = 500
    for sa in SAS:
        good = []
        for i in range(20):
            plain = sa.plain(k + i, 30)
            ip = protect(sa, plain, i + 1)
            good.append((frame(ip), delivered_frame(sa, plain, ip)))
        k += 20
        # a forger trying to move the window: sequence numbers far ahead,
        # one bit of the last 12 bytes changed (ESP: the ICV; AH: the
        # payload, which its ICV covers)
        base = protect(sa, sa.plain(k, 30), 0x40000000)
        k += 1
        if sa.ah:
            seq_off = H.ah_position(base)[0] + 8
        else:
            seq_off = (40 if sa.family == 6 else 20) + (8 if sa.udp else 0) + 4
        assert struct.unpack('!I', base[seq_off:seq_off + 4])[0] == 0x40000000
        forged = []
        for i in range(400):
            ip = bytearray(base)
            ip[seq_off:seq_off + 4] = struct.pack('!I', 0x40000000 + i)
            ip[-1 - i % 12] ^= 1 << (i % 8)
            forged.append(frame(bytes(ip)))
        for i in range(20):
            for f in forged[i * 20:(i + 1) * 20]:
                r.drop(sa, f, sa.fail())
            r.deliver(sa, good[i][0], good[i][1])
        sa.seq = 20


def check_flood(r, st):
    fl = r.fl
    for s in st.get('sas', []):
        sa = next((x for x in SAS if x.spi == s['spi']), None)
        if sa is None:
            continue
        fl.check(s.get('replay_top') == 20, 'flood: SA %#x replay_top %s, expected 20 (forged '
                 'sequence numbers moved the window)' % (sa.spi, s.get('replay_top')))
        fl.check(s.get('lifetime_packets') == 20, 'flood: SA %#x lifetime_packets %s, expected '
                 '20 (forged packets counted)' % (sa.spi, s.get('lifetime_packets')))
        fl.check(s.get('drops') == {sa.fail(): 400}, 'flood: SA %#x drops %s, expected %d %s'
                 % (sa.spi, s.get('drops'), 400, sa.fail()))


GROUPS = {'trunc': build_trunc, 'lies': build_lies, 'trailer': build_trailer,
          'ext': build_ext, 'frag': build_frag, 'flood': build_flood}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        print(__doc__)
        return 2
    rx, group = sys.argv[1], sys.argv[2]
    fl = C.Failures('hostile_' + group)
    tmp = C.tmpdir('hostile_' + group)
    r = Run(fl, group)
    GROUPS[group](r)
    st = r.go(rx, tmp)
    if group == 'flood':
        check_flood(r, st)
    fl.finish(tmp)


if __name__ == '__main__':
    sys.exit(main())
