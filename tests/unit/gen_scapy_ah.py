#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""AH (RFC 4302) packets made by scapy for test_ah.

Every packet comes from scapy's SecurityAssociation(AH, ...).encrypt
(HMAC-SHA1-96, SHA2-256-128, SHA2-384-192, SHA2-512-256, HMAC-MD5-96), or,
for AES-GMAC which scapy 2.5 does not have, from scapy's AH layout and its
zero_mutable_fields() with the tag from python3-cryptography. Transport and
tunnel mode, IPv4 and IPv6, with and without ESN, IPv4 options (immutable,
mutable, source routes), IPv6 hop-by-hop / destination options (with
options of the "may change en route" type) and routing headers (type 0 and
2), extension headers after AH.

For each packet, besides the packet as sent:
  - copies as they look after routers changed mutable fields in flight
    (TTL / hop limit, TOS / traffic class / flow label, DF, record route
    and timestamp data, the data of mutable IPv6 options, source routes
    and routing headers processed hop by hop): ov2 must verify them;
  - copies with one immutable byte flipped: ov2 must refuse them;
  - scapy's sa.decrypt() of each good copy (what ov2_ah_decap must give);
  - for packets scapy can verify, a mask of the header bytes whose change
    scapy's own verification ignores (each byte flipped in turn, parsed
    back, zero_mutable_fields() compared), which test_ah compares with
    ov2's view byte by byte.

Where RFC 4302 and scapy 2.5 disagree the vector says so (scapy=differs)
and follows the RFC:
  - a source route that is not exhausted (IPv4 LSRR / SSRR with pointer <=
    length, an IPv6 routing header with segments left > 0 on arrival):
    the RFC covers the destination as it will be at the final
    destination; scapy's verify uses the header as it is (scapy's sign of
    an IPv6 routing header does predict it, for segments left = number of
    addresses);
  - the IPv4 options scapy leaves in the ICV are matched on the option
    number, not the whole type (so type 20 is immutable to scapy but not
    the Router Alert, 148, of the RFC). One vector shows this;
  - in the masks: scapy parses IPv4 options past an EOL and zeroes what
    it finds there (RFC 791: the options end at EOL, the rest is padding,
    covered), and zeroes options whose length runs past the header (ov2
    refuses the packet). See scapy_mask().

Output, one block per packet:
    ### ID auth=.. esn=0|1 ip=4|6 mode=transport|tunnel expect=ok|fail
        scapy=ok|fail|differs|na seal=0|1 desc=..
    authkey|salt|seqhi|pkt|plain|mask: hex
(expect=ok: must verify; fail: must not, why=icv (-EBADMSG) or syntax
(-EINVAL); inval: refused as too long. plain: the decapsulated packet,
only for expect=ok; mask: one byte per header byte, see scapy_mask();
seal=1: ov2_ah_seal over pkt with its ICV cleared must give pkt.)

usage: gen_scapy_ah.py OUTPUT"""

import random
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, UDP, TCP, IPv6, Raw, raw
from scapy.layers.inet import (IPOption, IPOption_LSRR, IPOption_NOP,
                               IPOption_Security, IPOption_SSRR)
from scapy.layers.inet6 import (HBHOptUnknown, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN,
                                RouterAlert)
from scapy.layers import ipsec
from scapy.layers.ipsec import (AH, AuthAlgo, IPSecIntegrityError,
                                SecurityAssociation, zero_mutable_fields)

RNG = random.Random(0xA4302)

# scapy name, ov2 name, key bytes, ICV bytes
HMACS = [
    ('HMAC-SHA1-96', 'sha1-hmac', 20, 12),
    ('SHA2-256-128', 'sha256-hmac', 32, 16),
    ('SHA2-384-192', 'sha384-hmac', 48, 24),
    ('SHA2-512-256', 'sha512-hmac', 64, 32),
    ('HMAC-MD5-96', 'md5-hmac', 16, 12),
]
GMACS = [('aes-128-gmac', 16), ('aes-192-gmac', 24), ('aes-256-gmac', 32)]

out = []
count = {'n': 0, 'ok': 0, 'fail': 0, 'inval': 0, 'masked': 0, 'eol': 0, 'malformed': 0}


def rbytes(n):
    return bytes(RNG.getrandbits(8) for _ in range(n))


class GmacAlgo(AuthAlgo):
    """RFC 4543 section 3 AH for scapy: the 'icv' scapy reserves holds the
    8-byte IV and the 16-byte tag; the AAD is scapy's zeroed packet with
    the IV put back, then the ESN high half."""

    def __init__(self):
        super().__init__('AES-GMAC-OV2TEST', mac=None, digestmod=None, icv_size=24)

    def _aad(self, pkt, sending, iv, esn_en, esn):
        clone = zero_mutable_fields(pkt.copy(), sending=sending)
        b = bytearray(raw(clone))
        off = len(b) - len(raw(clone[AH]))
        b[off + 12:off + 20] = iv
        if esn_en:
            b += struct.pack('!L', esn)
        return bytes(b)

    def sign(self, pkt, key, esn_en=False, esn=0):
        salt, k, iv = key[-4:], key[:-4], self.next_iv
        pkt[AH].icv = iv + b'\0' * 16
        tag = AESGCM(k).encrypt(salt + iv, b'', self._aad(pkt, True, iv, esn_en, esn))
        pkt[AH].icv = iv + tag
        return pkt

    def verify(self, pkt, key, esn_en=False, esn=0):
        salt, k = key[-4:], key[:-4]
        ah = pkt[AH]
        if len(ah.icv) != 24:
            ah.padding = ah.icv[24:]
            ah.icv = ah.icv[:24]
        iv, tag = ah.icv[:8], ah.icv[8:]
        want = AESGCM(k).encrypt(salt + iv, b'', self._aad(pkt, False, iv, esn_en, esn))
        if want != tag:
            raise IPSecIntegrityError('GMAC')


GMAC = GmacAlgo()
ipsec.AUTH_ALGOS['AES-GMAC-OV2TEST'] = GMAC


class Sa:
    """One SA: scapy's SecurityAssociation plus what the vectors record."""

    def __init__(self, alg, mode_tunnel_header, esn):
        self.alg = alg
        self.esn = esn
        self.seqhi = RNG.getrandbits(32) if esn else 0
        self.tunnel = mode_tunnel_header is not None
        if alg in [g[0] for g in GMACS]:
            klen = dict(GMACS)[alg]
            self.key, self.salt = rbytes(klen), rbytes(4)
            self.ov2, self.icv_size = alg, 24
            self.sa = SecurityAssociation(AH, spi=RNG.getrandbits(32) | 1,
                                          auth_algo='AES-GMAC-OV2TEST',
                                          auth_key=self.key + self.salt,
                                          tunnel_header=mode_tunnel_header,
                                          esn_en=bool(esn), esn=self.seqhi)
        else:
            sc, self.ov2, klen, self.icv_size = [h for h in HMACS if h[0] == alg][0]
            self.key, self.salt = rbytes(klen), None
            self.sa = SecurityAssociation(AH, spi=RNG.getrandbits(32) | 1, auth_algo=sc,
                                          auth_key=self.key,
                                          tunnel_header=mode_tunnel_header,
                                          esn_en=bool(esn), esn=self.seqhi)

    def encrypt(self, inner, seq):
        # GMAC: scapy's sign() takes no IV; the algorithm object holds it
        if self.salt is not None:
            GMAC.next_iv = rbytes(8)
        return raw(self.sa.encrypt(inner, seq_num=seq))

    def scapy_verifies(self, wire):
        try:
            self.sa.decrypt(parse(wire), verify=True)
            return True
        except IPSecIntegrityError:
            return False

    def decrypt(self, wire):
        return raw(self.sa.decrypt(parse(wire), verify=False))


def parse(wire):
    return (IPv6 if wire[0] >> 4 == 6 else IP)(wire)


def ah_offset(wire):
    p = parse(wire)
    return len(wire) - len(raw(p[AH]))


def options_well_formed(b):
    """RFC 791 / RFC 8200 TLV syntax of the IPv4 options, or of the options
    in the hop-by-hop / destination options headers before AH: False when
    an option has no room for its length or runs past its header. (Only
    this: other damage is left to scapy's view.)"""
    def tlv(start, end, single, stop):
        i = start
        while i < end:
            if b[i] in stop:
                return True
            if b[i] in single:
                i += 1
                continue
            if end - i < 2:
                return False
            n = b[i + 1] if b[0] >> 4 == 4 else b[i + 1] + 2
            if n < 2 or n > end - i:
                return False
            i += n
        return True
    if b[0] >> 4 == 4:
        hl = (b[0] & 0xf) * 4
        return hl < 20 or hl > len(b) or tlv(20, hl, (1,), (0,))
    nh, off = b[6], 40
    while nh in (0, 43, 60) and off + 8 <= len(b):
        end = off + (b[off + 1] + 1) * 8
        if end > len(b):
            return True
        if nh != 43 and not tlv(off + 2, end, (0,), ()):
            return False
        nh, off = b[off], end
    return True


def eol_padding(b):
    """Positions after an IPv4 End of Options List: header padding."""
    if b[0] >> 4 != 4:
        return set()
    hl, i = (b[0] & 0xf) * 4, 20
    while i < hl:
        if b[i] == 0:
            return set(range(i + 1, hl))
        i += 1 if b[i] == 1 else b[i + 1]
    return set()


def scapy_mask(sa, wire):
    """Per header byte, what changing it must do:
       1  nothing (scapy's verification ignores the byte: mutable);
       0  the ICV fails, or the packet is refused (scapy covers the byte);
       2  the packet is refused as malformed: the change breaks the option
          TLV syntax (scapy zeroes such options anyway, ov2 refuses them).
    Each byte is flipped in turn, the packet parsed back and zeroed the way
    AuthAlgo.verify does; the bytes the ICV sits in (and the GMAC IV) are
    compared as such, so they count as covered here. Padding after an IPv4
    EOL is covered: scapy parses options past EOL and zeroes what it finds
    there, RFC 791 ends the options at EOL."""
    def zeroed(b):
        p = parse(b)
        ah = p[AH]
        if len(ah.icv) != sa.icv_size:
            ah.padding = ah.icv[sa.icv_size:]
            ah.icv = ah.icv[:sa.icv_size]
        return raw(zero_mutable_fields(p, sending=False))

    ref = zeroed(wire)
    off = ah_offset(wire)
    ah_len = (wire[off + 1] + 2) * 4
    end = min(len(wire), off + ah_len + 8)
    mask = bytearray(end)
    for i in range(end):
        b = bytearray(wire)
        b[i] ^= 0xff
        try:
            z = zeroed(bytes(b))
        except Exception:		# no longer parses as IP + AH
            continue
        mask[i] = 1 if z == ref else 0
    for i in range(off + 12, off + 12 + sa.icv_size):	# IV, ICV
        mask[i] = 0
    for i in eol_padding(wire):
        if mask[i] == 1:
            count['eol'] += 1
        mask[i] = 0
    for i in range(end):
        b = bytearray(wire)
        b[i] ^= 0xff
        if not options_well_formed(bytes(b)):
            count['malformed'] += mask[i] == 1
            mask[i] = 2
    return bytes(mask)


def emit(sa, wire, expect, desc, scapy, plain=None, mask=None, seal=True, why='icv'):
    count[expect] += 1
    v6 = wire[0] >> 4 == 6
    attrs = [('auth', sa.ov2), ('esn', sa.esn), ('ip', 6 if v6 else 4),
             ('mode', 'tunnel' if sa.tunnel else 'transport'), ('expect', expect),
             ('scapy', scapy), ('seal', int(seal and expect == 'ok'))]
    if expect == 'fail':
        attrs.append(('why', why))
    attrs.append(('desc', desc))
    count['n'] += 1
    out.append('### A%03d %s' % (count['n'], ' '.join('%s=%s' % kv for kv in attrs)))
    fields = [('authkey', sa.key)]
    if sa.salt is not None:
        fields.append(('salt', sa.salt))
    if sa.esn:
        fields.append(('seqhi', struct.pack('!L', sa.seqhi)))
    fields.append(('pkt', wire))
    if plain is not None:
        fields.append(('plain', plain))
    if mask is not None:
        count['masked'] += 1
        fields.append(('mask', mask))
    for name, val in fields:
        out.append('%s: %s' % (name, val.hex()))
    out.append('')


def good(sa, wire, desc, scapy_agrees=True, mask=False, seal=True):
    """A packet that must verify: scapy's view recorded, decap expected."""
    sv = sa.scapy_verifies(wire)
    if scapy_agrees:
        assert sv, 'scapy does not verify %s' % desc
    emit(sa, wire, 'ok', desc, 'ok' if scapy_agrees else ('differs' if not sv else 'ok'),
         plain=sa.decrypt(wire), mask=scapy_mask(sa, wire) if mask else None, seal=seal)


def bad(sa, wire, pos, desc, scapy_agrees=True, why='icv'):
    """wire with the byte at pos flipped: must not verify; why: 'icv'
    (ov2 must say -EBADMSG) or 'syntax' (-EINVAL)."""
    b = bytearray(wire)
    b[pos] ^= 0x5a
    b = bytes(b)
    sv = sa.scapy_verifies(b)
    if scapy_agrees:
        assert not sv, 'scapy verifies %s' % desc
    emit(sa, b, 'fail', desc, 'fail' if not sv else 'differs', why=why)


# ---- in-flight changes, on the wire bytes ----

def v4_fix(p):
    """Re-serialise a parsed IPv4 packet with a fresh header checksum."""
    del p.chksum
    return raw(p)


def v4_router(wire, ttl_dec=1, tos=None, df=None):
    p = IP(wire)
    p.ttl = (p.ttl - ttl_dec) & 0xff
    if tos is not None:
        p.tos = tos
    if df is not None:
        p.flags = 'DF' if df else 0
    return v4_fix(p)


def v6_router(wire, hlim_dec=1, tc=None, fl=None):
    b = bytearray(wire)
    b[7] = (b[7] - hlim_dec) & 0xff
    if tc is not None:
        b[0] = 0x60 | tc >> 4
        b[1] = (b[1] & 0x0f) | (tc & 0x0f) << 4
    if fl is not None:
        b[1] = (b[1] & 0xf0) | fl >> 16
        b[2:4] = struct.pack('!H', fl & 0xffff)
    return bytes(b)


def v4_opt_offsets(wire):
    """(type, offset, length) of each IPv4 option in wire."""
    hl = (wire[0] & 0xf) * 4
    i, res = 20, []
    while i < hl:
        t = wire[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        res.append((t, i, wire[i + 1]))
        i += wire[i + 1]
    return res


def v4_record(wire, addr):
    """A router fills the next Record Route slot and timestamp slot."""
    b = bytearray(wire)
    for t, off, ln in v4_opt_offsets(wire):
        ptr = b[off + 2]
        if t == 7 and ptr + 3 <= ln:
            b[off + ptr - 1:off + ptr + 3] = addr
            b[off + 2] = ptr + 4
        if t == 68:
            if ptr + 3 <= ln:
                b[off + ptr - 1:off + ptr + 3] = struct.pack('!L', 0x0badcafe)
                b[off + 2] = ptr + 4
            else:
                b[off + 3] = (b[off + 3] + 0x10) & 0xff	# overflow count
    p = IP(bytes(b))
    return v4_fix(p)


def v4_source_route_hop(wire, me):
    """RFC 791 3.1 at the router in the destination field: the next route
    address becomes the destination, the router's address is recorded."""
    b = bytearray(wire)
    for t, off, ln in v4_opt_offsets(wire):
        if t in (131, 137):
            ptr = b[off + 2]
            assert ptr <= ln
            b[16:20] = b[off + ptr - 1:off + ptr + 3]
            b[off + ptr - 1:off + ptr + 3] = me
            b[off + 2] = ptr + 4
    b[8] -= 1
    return v4_fix(IP(bytes(b)))


def v6_routing_hop(wire):
    """RFC 8200 4.4 type 0 / 2 at the node in the destination field."""
    p = IPv6(wire)
    rh = p[IPv6ExtHdrRouting]
    n = len(rh.addresses)
    i = n - rh.segleft
    addrs = list(rh.addresses)
    addrs[i], p.dst = p.dst, addrs[i]
    rh.addresses = addrs
    rh.segleft -= 1
    p.hlim -= 1
    return raw(p)


def v6_change_mutable_opts(wire, data_byte):
    """Rewrite the data of every 'may change en route' option before AH."""
    b = bytearray(wire)
    nh, off = b[6], 40
    ah = ah_offset(wire)
    while off < ah:
        ln = (b[off + 1] + 1) * 8
        if nh in (0, 60):
            i = off + 2
            while i < off + ln:
                if b[i] == 0:
                    i += 1
                    continue
                if b[i] & 0x20:
                    for k in range(b[i + 1]):
                        b[i + 2 + k] = (data_byte + k) & 0xff
                i += 2 + b[i + 1]
        nh, off = b[off], off + ln
    return bytes(b)


# ---- packets ----

def udp_inner(v6, n, tos=0x20):
    data = Raw(rbytes(n))
    if v6:
        return IPv6(src='2001:db8:1::1', dst='2001:db8:2::2', hlim=61, tc=0x20,
                    fl=0x12345) / UDP(sport=1000 + n % 60000, dport=5001) / data
    return IP(src='10.0.0.1', dst='10.0.0.2', ttl=61, tos=tos, id=n & 0xffff,
              flags='DF') / UDP(sport=1000 + n % 60000, dport=5001) / data


def tunnel_header(v6, options=None, ext=None):
    if v6:
        h = IPv6(src='2001:db8:a::1', dst='2001:db8:a::2', hlim=7, tc=0x48, fl=0xbeef)
        return h / ext if ext is not None else h
    return IP(src='192.0.2.1', dst='192.0.2.2', ttl=7, tos=0x48, flags='DF',
              options=options or [])


def plain_headers():
    """Every algorithm x IPv4/IPv6 x transport/tunnel x ESN, no options."""
    sizes = [0, 1, 13, 64, 333, 1000, 1400]
    algs = [h[0] for h in HMACS] + [g[0] for g in GMACS]
    i = 0
    for alg in algs:
        for v6 in (0, 1):
            for tun in (0, 1):
                for esn in (0, 1):
                    i += 1
                    sa = Sa(alg, tunnel_header(v6) if tun else None, esn)
                    inner = udp_inner(v6, sizes[i % len(sizes)])
                    wire = sa.encrypt(inner, RNG.getrandbits(32) or 1)
                    d = '%s/v%d/%s/esn%d' % (sa.ov2, 6 if v6 else 4,
                                             'tun' if tun else 'tra', esn)
                    good(sa, wire, d + ':sent', mask=(i % 3 == 0))
                    if v6:
                        good(sa, v6_router(wire, 3, tc=0xb8, fl=0x54321), d + ':hlim,tc,fl')
                    else:
                        good(sa, v4_router(wire, 3, tos=0xb8, df=0), d + ':ttl,tos,df')
                        good(sa, v4_router(wire, 1, df=1), d + ':ttl')
                    off = ah_offset(wire)
                    bad(sa, wire, len(wire) - 1, d + ':payload')
                    bad(sa, wire, 12 if not v6 else 8, d + ':src')
                    bad(sa, wire, off + 8 + 3, d + ':seq')
                    bad(sa, wire, off + 12 + (8 if sa.salt else 0), d + ':icv')
                    if sa.salt:
                        bad(sa, wire, off + 12, d + ':iv')
                    if tun:
                        # the inner header's TTL / hop limit is payload
                        bad(sa, wire, off + (wire[off + 1] + 2) * 4 + (7 if v6 else 8),
                            d + ':inner-ttl')


def ipv4_options():
    algs = [h[0] for h in HMACS] + [g[0] for g in GMACS]
    k = 0
    for tun in (0, 1):
        for esn in (0, 1):
            alg = algs[k % len(algs)]
            k += 1
            opts = [IPOption(b'\x94\x04\x00\x00'),
                    IPOption(b'\x07\x0f\x04' + bytes(12)),
                    IPOption(b'\x44\x0c\x05\x00' + bytes(8))]
            if tun:
                sa = Sa(alg, tunnel_header(0, options=opts), esn)
                inner = udp_inner(0, 200)
            else:
                sa = Sa(alg, None, esn)
                inner = udp_inner(0, 200)
                inner = IP(raw(inner))
                inner.options = opts
                del inner.ihl, inner.len, inner.chksum
                inner = IP(raw(inner))
            wire = sa.encrypt(inner, 77 + k)
            d = '%s/v4opts/%s/esn%d' % (sa.ov2, 'tun' if tun else 'tra', esn)
            good(sa, wire, d + ':sent', mask=True)
            w = v4_record(v4_router(wire, 1, tos=0x04), b'\xc6\x33\x64\x01')
            good(sa, w, d + ':rr1,ts1', mask=True)
            w = v4_record(w, b'\xc6\x33\x64\x02')
            w = v4_record(w, b'\xc6\x33\x64\x03')
            w = v4_record(w, b'\xc6\x33\x64\x04')		# RR full, TS overflow
            good(sa, w, d + ':rr-full,ts-overflow')
            ra = [o for o in v4_opt_offsets(wire) if o[0] == 148][0]
            bad(sa, wire, ra[1] + 3, d + ':router-alert-value')
            bad(sa, wire, ra[1], d + ':router-alert-type')

    # immutable security options with NOP padding, tunnel
    sa = Sa('SHA2-256-128', tunnel_header(0, options=[
        IPOption_NOP(), IPOption_Security(security=0x789a, compartment=0x0102),
        IPOption(copy_flag=1, optclass=0, option=21, length=6, value=b'\x0a\x00\x00\x09')]), 1)
    wire = sa.encrypt(udp_inner(1, 100), 9)
    good(sa, wire, 'sha256-hmac/v4sec/tun:sent', mask=True)
    good(sa, v4_router(wire, 2, tos=0xfc), 'sha256-hmac/v4sec/tun:ttl,tos')
    sec = [o for o in v4_opt_offsets(wire) if o[0] == 130][0]
    bad(sa, wire, sec[1] + 4, 'sha256-hmac/v4sec/tun:security-data')

    # source routes: scapy signs the header as it is, so the packet is made
    # as it arrives (route exhausted, destination final); as sent and
    # between routers it carries the same ICV (the option is zeroed, the
    # destination predicted), which scapy cannot verify.
    for opt_cls, alg, tun in ((IPOption_LSRR, 'HMAC-SHA1-96', 0),
                              (IPOption_SSRR, 'SHA2-512-256', 1),
                              (IPOption_LSRR, 'aes-256-gmac', 0)):
        # sender -> router 1 (destination field) -> router 2 -> final;
        # the routers record these addresses of theirs
        hops = [b'\xc0\x00\x02\x0a', b'\xc0\x00\x02\x0b']
        me = [b'\xc0\x00\x02\x64', b'\xc0\x00\x02\x65']
        final = '198.51.100.77'
        opt = opt_cls(routers=['192.0.2.100', '192.0.2.101'], pointer=12)	# exhausted
        if tun:
            th = IP(src='192.0.2.1', dst=final, ttl=7, tos=0x48, options=[opt])
            sa = Sa(alg, th, 1)
            inner = udp_inner(0, 150)
        else:
            sa = Sa(alg, None, 0)
            inner = IP(src='10.0.0.1', dst=final, ttl=61, options=[opt]) / \
                UDP(sport=1, dport=2) / Raw(rbytes(90))
            inner = IP(raw(inner))
        arrived = sa.encrypt(inner, 1234)
        d = '%s/v4-%s/%s' % (sa.ov2, opt_cls.__name__[-4:].lower(), 'tun' if tun else 'tra')
        # as sent: destination router 1, route [router 2, final], pointer 4
        b = bytearray(arrived)
        t, off, ln = [o for o in v4_opt_offsets(arrived) if o[0] in (131, 137)][0]
        assert ln == 11
        b[16:20] = hops[0]
        b[off + 2] = 4
        b[off + 3:off + 11] = hops[1] + bytes(int(x) for x in final.split('.'))
        b[8] += 2
        sent = v4_fix(IP(bytes(b)))
        good(sa, sent, d + ':sent', scapy_agrees=False)
        hop1 = v4_source_route_hop(sent, me[0])
        good(sa, hop1, d + ':hop1', scapy_agrees=False)
        # at the end the route is exhausted, the destination final, and
        # the packet is the one scapy signed
        assert v4_source_route_hop(hop1, me[1]) == arrived
        good(sa, arrived, d + ':arrived', mask=True)
        bad(sa, arrived, 17, d + ':final-dst')
        bad(sa, sent, off + 10, d + ':route-last-address', scapy_agrees=False)

    # an option of number 20 but not type 148: scapy keeps it, the RFC
    # (which lists whole types) zeroes it: ov2 refuses scapy's ICV
    sa = Sa('SHA2-384-192', None, 0)
    inner = IP(src='10.0.0.1', dst='10.0.0.2', options=[
        IPOption(copy_flag=0, optclass=0, option=20, length=4, value=b'\x00\x07')]) / \
        UDP() / Raw(b'type 20')
    wire = sa.encrypt(IP(raw(inner)), 5)
    emit(sa, wire, 'fail', 'sha384-hmac/v4-type20:scapy-keeps-option', 'differs')


def ipv6_ext():
    hbh = [RouterAlert(value=0), HBHOptUnknown(otype=0x3e, optdata=b'\x01\x02\x03\x04')]
    do1 = [HBHOptUnknown(otype=0x3f, optdata=b'\xaa\xbb'),
           HBHOptUnknown(otype=0x1e, optdata=b'\xcc\xdd')]
    do2 = [PadN(optdata=b'\0\0\0\0')]

    # transport: HBH / DestOpt / RH0 (3 addresses) / AH / DestOpt / TCP
    for alg, esn in (('SHA2-256-128', 1), ('aes-128-gmac', 0), ('HMAC-MD5-96', 0)):
        sa = Sa(alg, None, esn)
        addrs = ['2001:db8:e::1', '2001:db8:e::2', '2001:db8:f::9']
        inner = IPv6(src='2001:db8:1::1', dst='2001:db8:e::a', hlim=64, tc=0x12,
                     fl=0xabcde) / IPv6ExtHdrHopByHop(options=hbh) / \
            IPv6ExtHdrDestOpt(options=do1) / IPv6ExtHdrRouting(addresses=addrs) / \
            IPv6ExtHdrDestOpt(options=do2) / TCP(sport=7, dport=8) / Raw(rbytes(77))
        sent = sa.encrypt(IPv6(raw(inner)), 4242)
        d = '%s/v6ext-rh0/tra/esn%d' % (sa.ov2, esn)
        good(sa, sent, d + ':sent', scapy_agrees=False)
        w = sent
        for hop in range(3):
            w = v6_change_mutable_opts(v6_routing_hop(w), 0x40 + hop)
            w = v6_router(w, 0, tc=0x30 + hop, fl=0x10000 + hop)
            arrived = hop == 2
            good(sa, w, d + ':hop%d' % (hop + 1), scapy_agrees=arrived, mask=arrived)
        off = ah_offset(w)
        bad(sa, w, 24 + 15, d + ':dst')
        # hop-by-hop: 40 nh, 41 len, 42-45 router alert, 46 type 0x3e, 47 len
        bad(sa, w, 47, d + ':mutable-opt-len', why='syntax')
        # option type 0x1e (may not change): its data is covered
        pos = raw(w).find(b'\xcc\xdd')
        bad(sa, w, pos, d + ':immutable-opt-data')
        bad(sa, w, off - 16 * 3 + 2, d + ':rh-address')
        bad(sa, w, off + (w[off + 1] + 2) * 4 + 4, d + ':destopt-after-ah')

    # type 2 routing header (Mobile IPv6), tunnel with HBH in the outer
    sa = Sa('SHA2-384-192', tunnel_header(1, ext=IPv6ExtHdrHopByHop(options=hbh) /
                                          IPv6ExtHdrRouting(type=2, addresses=[
                                              '2001:db8:ee::1'])), 1)
    sent = sa.encrypt(udp_inner(0, 300), 31337)
    d = 'sha384-hmac/v6ext-rh2/tun/esn1'
    good(sa, sent, d + ':sent', scapy_agrees=False)
    arrived = v6_change_mutable_opts(v6_routing_hop(sent), 0x99)
    good(sa, arrived, d + ':arrived', mask=True)
    bad(sa, arrived, 24 + 3, d + ':home-address')

    # plain options only, tunnel, both mutable and not
    for alg in ('SHA2-512-256', 'aes-192-gmac'):
        sa = Sa(alg, tunnel_header(1, ext=IPv6ExtHdrHopByHop(options=hbh) /
                                   IPv6ExtHdrDestOpt(options=do1)), 0)
        sent = sa.encrypt(udp_inner(1, 500), 2)
        d = '%s/v6ext-opts/tun' % sa.ov2
        good(sa, sent, d + ':sent', mask=True)
        good(sa, v6_router(v6_change_mutable_opts(sent, 0x11), 5, tc=0xff, fl=0xfffff),
             d + ':opts,hlim,tc,fl')
        bad(sa, sent, 40 + 2, d + ':router-alert-type')


def big():
    """The largest sizes: ICV input of some 64 KiB."""
    # IPv6 outer 40 + AH 32 + inner IPv6 40 + UDP 8 + data: 65526 bytes
    # (largest with ESN appended to the packet copy), 65530 (the crypto
    # module's limit; ESN added by the crypto module), 65535 (refused)
    for total, expect in ((65526, 'ok'), (65530, 'ok'), (65535, 'inval')):
        sa = Sa('SHA2-256-128', tunnel_header(1), 1)
        wire = sa.encrypt(udp_inner(1, total - 120), 99)
        assert len(wire) == total
        if expect == 'ok':
            good(sa, wire, 'sha256-hmac/v6/tun/esn1:%d' % total)
        else:
            emit(sa, wire, 'inval', 'sha256-hmac/v6/tun/esn1:%d-too-long' % total, 'na')
    sa = Sa('aes-256-gmac', tunnel_header(0), 1)
    wire = sa.encrypt(udp_inner(0, 9000), 100)
    good(sa, wire, 'aes-256-gmac/v4/tun/esn1:9k')
    bad(sa, wire, 4000, 'aes-256-gmac/v4/tun/esn1:9k-payload')


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    plain_headers()
    ipv4_options()
    ipv6_ext()
    big()
    with open(sys.argv[1], 'w') as f:
        f.write('# generated by gen_scapy_ah.py; do not edit\n')
        f.write('\n'.join(out))
    print('%d good, %d bad packets (%d with a mutability mask) written to %s' %
          (count['ok'], count['fail'], count['masked'], sys.argv[1]))
    print('mask bytes where scapy says mutable: %d malformed options, %d EOL padding'
          % (count['malformed'], count['eol']))


if __name__ == '__main__':
    main()
