#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Traffic encrypted by scapy's ipsec layer (an implementation independent of
ov2gen and libipsec-mb) through ov2rx: tunnel IPv4/IPv6 (inner IPv4 and
IPv6), transport IPv4/IPv6, AES-128/192/256-GCM. ov2rx must deliver exactly
the plaintext packets scapy encrypted (in their Ethernet header), drop the
corrupted copies as authentication failures, pass cleartext through, and
count all of it.

Packets the NIC side does not take go through ov2rx's software path and must
come out the same: an outer IPv4 header with options (a transport packet
keeps them, RFC 4303 3.4.4.1), and ESP packets cut by scapy's fragment() /
fragment6() into 2 to 4 fragments, some sent last fragment first (RFC 791 /
RFC 8200 4.5: the reassembled packet is the original one).

usage: scapy_e2e.py OV2RX"""

import os
import struct
import sys

from scapy.all import ICMP, IP, IPv6, TCP, UDP, Ether, IPOption_Router_Alert, \
    IPv6ExtHdrFragment, Raw, fragment, fragment6, raw
from scapy.layers.ipsec import ESP, SecurityAssociation

import e2e_common as C

MAC_DST = '00:11:22:33:44:55'
MAC_SRC = '66:77:88:99:aa:bb'

SAS = [
    C.make_sa(0x2001, 'aes-128-gcm', 'ipv4-tunnel', '192.0.2.1', '192.0.2.2'),
    C.make_sa(0x2002, 'aes-256-gcm', 'ipv6-tunnel', '2001:db8:a::1', '2001:db8:a::2'),
    C.make_sa(0x2003, 'aes-256-gcm', 'transport', None, '198.51.100.7'),
    C.make_sa(0x2004, 'aes-128-gcm', 'transport', '2001:db8:b::1', '2001:db8:b::7'),
    C.make_sa(0x2005, 'aes-192-gcm', 'ipv4-tunnel', '192.0.2.11', '192.0.2.12'),
]
ROUNDS = 12


def payload(n, k):
    return Raw(bytes((k * 13 + i * 5) & 0xff for i in range(n)))


def inner_v4(k, size):
    hdr = IP(src='10.1.%d.1' % (k % 250), dst='10.2.%d.1' % (k % 250), ttl=63, id=k, tos=0x28)
    kind = k % 3
    if kind == 0:
        return hdr / UDP(sport=20000 + k, dport=53) / payload(size, k)
    if kind == 1:
        return hdr / TCP(sport=30000 + k, dport=443, flags='PA', seq=k) / payload(size, k)
    return hdr / ICMP(id=k, seq=k) / payload(size, k)


def inner_v6(k, size):
    hdr = IPv6(src='2001:db8:c::%x' % (k + 1), dst='2001:db8:d::1', hlim=61)
    if k % 2:
        return hdr / TCP(sport=30000 + k, dport=80, flags='A', seq=k) / payload(size, k)
    return hdr / UDP(sport=20000 + k, dport=5353) / payload(size, k)


def plaintext(sa, k, options=False, df=True):
    """The packet scapy encrypts for SA sa, round k (built, then re-parsed
    so that every field is final). options: a transport IPv4 packet with a
    Router Alert option; df: its DF flag."""
    size = (17, 64, 200, 555, 1300, 0, 1)[k % 7]
    if C.is_tunnel(sa):
        p = inner_v6(k, size) if k % 2 else inner_v4(k, size)
    elif C.outer_family(sa) == 4:
        l4 = inner_v4(k, size).payload
        p = IP(src='198.51.100.1', dst=sa['dst'], ttl=55, id=1000 + k,
               flags='DF' if df else 0,
               options=[IPOption_Router_Alert()] if options else []) / l4
    else:
        l4 = inner_v6(k, size).payload
        p = IPv6(src=sa['src'], dst=sa['dst'], hlim=60) / l4
    return p.__class__(raw(p))


def frame(pkt):
    return raw(Ether(dst=MAC_DST, src=MAC_SRC) / pkt)


class Traffic:
    def __init__(self):
        self.seq = {sa['spi']: 0 for sa in SAS}
        self.frames = []
        self.expected = []
        self.man = C.new_manifest()

    def count(self, kind, status=None, drop=None, delivered=False, frames=1,
              software=False):
        """One packet sent as `frames` frames (see e2e_common.manifest_count)."""
        C.manifest_count(self.man, kind, frames, status, drop, delivered, software)

    def encrypt(self, sa, p, options=False):
        """ESP of p; options: the tunnel header carries a Router Alert
        option (a transport packet has its own)."""
        self.seq[sa['spi']] += 1
        seq = self.seq[sa['spi']]
        iv = struct.pack('!II', sa['spi'], seq * 2654435761 & 0xffffffff)
        csa = C.scapy_sa(sa)
        if options and C.is_tunnel(sa):
            s, d = C.sa_addrs(sa)
            csa = SecurityAssociation(ESP, spi=sa['spi'], crypt_algo='AES-GCM',
                                      crypt_key=bytes(sa['keymat']),
                                      tunnel_header=IP(src=s, dst=d,
                                                       options=[IPOption_Router_Alert()]))
        e = csa.encrypt(p, seq_num=seq, iv=iv)
        return e.__class__(raw(e))

    def good(self, sa, k):
        p = plaintext(sa, k)
        self.frames.append(frame(self.encrypt(sa, p)))
        self.expected.append(frame(p))
        self.count('good', 'CRYPTO_SUCCESS', delivered=True)

    def with_options(self, sa, k):
        """IPv4 outer header with options: the NIC side does not take it."""
        p = plaintext(sa, k, options=True)
        e = self.encrypt(sa, p, options=True)
        assert e.ihl == 6 and e.proto == 50
        self.frames.append(frame(e))
        self.expected.append(frame(p))
        self.count('ipv4-options', 'CRYPTO_SUCCESS', delivered=True, software=True)

    def fragmented(self, sa, k, n, reverse, bad_icv=False, options=False):
        """The ESP packet of round k in up to n fragments (last first if reverse);
        bad_icv: its last ICV byte flipped (dropped after reassembly)."""
        p = plaintext(sa, k, options=options, df=False)
        e = self.encrypt(sa, p)
        if bad_icv:
            b = bytearray(raw(e))
            b[-1] ^= 0x01
            e = e.__class__(bytes(b))
        esp = raw(e.payload)
        if C.outer_family(sa) == 4:
            hl = e.ihl * 4
            size = (len(esp) + n - 1) // n + 7 & ~7
            frags = fragment(e, fragsize=size)
        else:
            hl = 48
            size = (len(esp) + n - 1) // n + 7 & ~7
            h = e.copy()
            h.remove_payload()
            h.nh = 44
            e6 = IPv6(raw(h / IPv6ExtHdrFragment(nh=50, id=0x5000 + k) / esp))
            frags = fragment6(e6, hl + size)
        n = len(frags)	# at most the n asked for: short packets give fewer
        assert n >= 2, (n, len(esp), size)
        frags = [raw(f) for f in frags]
        self.frames += [frame(IP(f) if C.outer_family(sa) == 4 else IPv6(f))
                        for f in (frags[::-1] if reverse else frags)]
        if bad_icv:
            mode = 'TUNNEL' if C.is_tunnel(sa) else 'TRANSPORT'
            self.count('fragment', 'CRYPTO_%s_ESP_AUTH_FAILED' % mode,
                       '%s_esp_auth_failed' % mode.lower(), frames=n, software=True)
            return
        self.expected.append(frame(p))
        self.count('fragment', 'CRYPTO_SUCCESS', delivered=True, frames=n, software=True)

    def corrupted(self, sa, k, where):
        """A fresh encryption of a plaintext with one byte flipped: the last
        ICV byte, or the first ciphertext byte."""
        f = bytearray(frame(self.encrypt(sa, plaintext(sa, k))))
        if where == 'icv':
            f[-1] ^= 0x80
        else:
            hl = 20 if C.outer_family(sa) == 4 else 40
            f[14 + hl + 16] ^= 0x01
        self.frames.append(bytes(f))
        mode = 'TUNNEL' if C.is_tunnel(sa) else 'TRANSPORT'
        self.count('bad-icv', 'CRYPTO_%s_ESP_AUTH_FAILED' % mode,
                   '%s_esp_auth_failed' % mode.lower())

    def cleartext(self, k):
        p = inner_v6(k, 100) if k % 2 else inner_v4(k, 100)
        p = p.__class__(raw(p))
        self.frames.append(frame(p))
        self.expected.append(frame(p))
        self.count('cleartext', delivered=True)


def build():
    t = Traffic()
    for k in range(ROUNDS):
        for j, sa in enumerate(SAS):
            t.good(sa, k)
            if k % 4 == 3:
                t.corrupted(sa, k, 'icv' if k % 8 == 3 else 'ciphertext')
            if k % 4 == 1 and C.outer_family(sa) == 4:
                t.with_options(sa, k)
            if k % 4 == 2:
                t.fragmented(sa, k, 2 + (k + j) % 3, reverse=(k + j) % 2 == 1,
                             bad_icv=k == 6 and j < 2)
            if k == 10 and not C.is_tunnel(sa) and C.outer_family(sa) == 4:
                t.fragmented(sa, k + 1, 3, reverse=True, options=True)
        if k % 3 == 0:
            t.cleartext(k)
    return t


def main():
    rx = sys.argv[1]
    fl = C.Failures('scapy_e2e')
    tmp = C.tmpdir('scapy')
    conf, inp, out, stats = (os.path.join(tmp, f) for f in (
        'sa.conf', 'in.pcap', 'out.pcap', 'stats.json'))
    C.write_conf(conf, SAS)
    t = build()
    C.write_pcap(inp, t.frames)
    print('scapy: %d frames, %d to deliver; kinds %s'
          % (len(t.frames), len(t.expected), t.man['kinds']))
    st, p = C.ov2rx(rx, tmp, 'scapy_e2e', conf, inp, out, stats)
    C.compare_frames(fl, C.read_frames(out), t.expected, 'scapy: delivered')
    C.check_stats(fl, st, t.man, 'scapy')
    fl.finish(tmp)


if __name__ == '__main__':
    main()
