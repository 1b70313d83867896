#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scapy traffic for ah_nest_e2e.py: AH (RFC 4302) for every integrity
algorithm of ov2rx, ESP through algos_scapy.py, packets changed in flight,
and AH removed the RFC way (what ov2rx must deliver).

- AH with HMAC: scapy 2.5's own SecurityAssociation(AH, ...), ESN included
  (scapy appends the high half for AH).
- AH with AES-GMAC (RFC 4543 section 3), which scapy 2.5 lacks: an AuthAlgo
  whose 24-byte 'ICV' is the 8-byte IV and the 16-byte tag; the tag is
  AES-GCM (python3-cryptography) with an empty plaintext over AAD = the
  packet as scapy's zero_mutable_fields() leaves it with the IV put back
  (then the ESN high half). The same construction as the model
  tests/unit/gen_scapy_ah.py, whose vectors test_ah checks against ov2's AH
  module. self_test() checks that scapy verifies what it signs and that a
  changed byte fails.
- ESP (bundles, nesting): algos_scapy.ALGOS, optionally in UDP (RFC 3948).

Everything returns raw IP bytes."""

import hashlib
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, UDP, IPv6, raw
from scapy.layers import ipsec
from scapy.layers.ipsec import (AH, AUTH_ALGOS, ESP, AuthAlgo, IPSecIntegrityError,
                                SecurityAssociation, zero_mutable_fields)

import algos_scapy as A

AH_GMAC = 'AES-GMAC-AH(test adapter)'


class _AhGmac(AuthAlgo):
    """RFC 4543 AH: ICV field = IV (8) || tag (16)."""

    def __init__(self):
        super().__init__(AH_GMAC, mac=None, digestmod=None, icv_size=24)
        self.next_iv = bytes(8)

    @staticmethod
    def _aad(pkt, sending, iv, esn_en, esn):
        clone = zero_mutable_fields(pkt.copy(), sending=sending)
        b = bytearray(raw(clone))
        off = len(b) - len(raw(clone[AH]))
        b[off + 12:off + 20] = iv
        if esn_en:
            b += struct.pack('!L', esn)
        return bytes(b)

    def sign(self, pkt, key, esn_en=False, esn=0):
        salt, k, iv = key[-4:], key[:-4], self.next_iv
        pkt[AH].icv = iv + bytes(16)
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
        if AESGCM(k).encrypt(salt + iv, b'', self._aad(pkt, False, iv, esn_en, esn)) != tag:
            raise IPSecIntegrityError('AH GMAC')


GMAC_AH = _AhGmac()
ipsec.AUTH_ALGOS[AH_GMAC] = GMAC_AH


class _AhOnlyHmac(AuthAlgo):
    """scapy 2.5's AuthAlgo.sign tests haslayer(ESP) before AH: for AH over
    ESP (a bundle) it appends an ESP ICV to the ESP data and leaves AH's
    ICV zero. This is its AH branch alone, unchanged."""

    def sign(self, pkt, key, esn_en=False, esn=0):
        mac = self.new_mac(key)
        clone = zero_mutable_fields(pkt.copy(), sending=True)
        mac.update(raw(clone) + (struct.pack('!L', esn) if esn_en else b''))
        pkt[AH].icv = mac.finalize()[:self.icv_size]
        return pkt


def _ah_only(name):
    a = AUTH_ALGOS[name]
    n = name + '(AH only)'
    if n not in AUTH_ALGOS:
        AUTH_ALGOS[n] = _AhOnlyHmac(n, a.mac, a.digestmod, a.icv_size)
    return n


class AhAlgo:
    """One AH integrity algorithm: its ov2rx words and scapy's SA."""

    def __init__(self, label, conf, scapy_name, key_len, icv, iv=0, deprecated=False):
        self.label, self.conf, self.scapy_name = label, conf, scapy_name
        self.key_len, self.icv, self.iv, self.deprecated = key_len, icv, iv, deprecated

    def key(self, spi):
        out, i = b'', 0
        while len(out) < self.key_len:
            out += hashlib.sha512(b'ah/%d/%s/%d' % (spi, self.label.encode(), i)).digest()
            i += 1
        return out[:self.key_len]

    def conf_words(self, spi):
        w = 'ah auth_algo %s auth_key %s' % (self.conf, ':'.join('%02x' % b for b in
                                                               self.key(spi)))
        return w + (' allow-deprecated' if self.deprecated else '')

    def ah_len(self, family):
        n = 12 + self.iv + self.icv
        a = 4 if family == 4 else 8
        return (n + a - 1) // a * a

    def encrypt(self, spi, pkt, seq, hi=None, tunnel_header=None):
        """scapy's AH packet (raw IP bytes) of pkt (a scapy IP/IPv6 packet;
        over ESP, scapy's sign is bypassed for its AH branch)."""
        name = self.scapy_name
        if self.iv == 0 and pkt.haslayer(ESP):
            name = _ah_only(name)
        sa = SecurityAssociation(AH, spi=spi, auth_algo=name, auth_key=self.key(spi),
                                 tunnel_header=tunnel_header, esn_en=hi is not None,
                                 esn=hi or 0)
        if self.iv:
            GMAC_AH.next_iv = struct.pack('!II', spi, seq)
        b = raw(sa.encrypt(pkt, seq_num=seq))
        ah_off = ah_position(b)[0]
        assert struct.unpack('!II', b[ah_off + 4:ah_off + 12]) == (spi, seq)
        assert (b[ah_off + 1] + 2) * 4 == self.ah_len(b[0] >> 4), self.label
        assert len(b) == len(raw(pkt)) + self.ah_len(b[0] >> 4) + (
            len(raw(tunnel_header)) if tunnel_header is not None else 0), 'AH length'
        # scapy's verify takes a routing header as it is (its sign predicts it)
        if b[0] >> 4 == 4 or all(h[0] != 43 for h in v6_headers(b)):
            assert self.verifies(spi, b, hi), 'scapy does not verify its AH'
        return b

    def verifies(self, spi, b, hi=None):
        """scapy's own verification of b (no routing header in flight)."""
        sa = SecurityAssociation(AH, spi=spi, auth_algo=self.scapy_name, auth_key=self.key(spi),
                                 esn_en=hi is not None, esn=hi or 0)
        try:
            sa.decrypt((IPv6 if b[0] >> 4 == 6 else IP)(b), verify=True)
            return True
        except IPSecIntegrityError:
            return False

    def icv_off(self, b):
        """Offset of the ICV (after the IV) in AH packet b."""
        return ah_position(b)[0] + 12 + self.iv


def _ah_algos():
    a = [AhAlgo('sha1', 'sha1-hmac', 'HMAC-SHA1-96', 20, 12),
         AhAlgo('sha256', 'sha256-hmac', 'SHA2-256-128', 32, 16),
         AhAlgo('sha384', 'sha384-hmac', 'SHA2-384-192', 48, 24),
         AhAlgo('sha512', 'sha512-hmac', 'SHA2-512-256', 64, 32),
         AhAlgo('md5', 'md5-hmac', 'HMAC-MD5-96', 16, 12, deprecated=True)]
    for bits in (128, 192, 256):
        a.append(AhAlgo('gmac%d' % bits, 'aes-gmac', AH_GMAC, bits // 8 + 4, 16, iv=8))
    return {x.label: x for x in a}


AH_ALGOS = _ah_algos()


def self_test():
    """The GMAC adapter verifies what it signs, in both families, with and
    without ESN, and refuses a changed byte; scapy's HMAC AH likewise."""
    for label in ('gmac128', 'gmac256', 'sha256'):
        alg = AH_ALGOS[label]
        for p in (IP(src='10.0.0.1', dst='10.0.0.2') / UDP() / b'selftest',
                  IPv6(src='2001:db8::1', dst='2001:db8::2') / UDP() / b'selftest'):
            for hi in (None, 7):
                b = alg.encrypt(0x777, p, 5, hi)
                assert alg.verifies(0x777, b, hi), label
                x = bytearray(b)
                x[-1] ^= 1
                assert not alg.verifies(0x777, bytes(x), hi), label
                if hi is not None:
                    assert not alg.verifies(0x777, b, hi + 1), label


# ---------------------------------------------------------------------------
# Header walking, AH removal, in-flight changes (raw bytes)
# ---------------------------------------------------------------------------

def ah_position(b):
    """(offset of AH, offset of the byte naming it) in IP packet b."""
    if b[0] >> 4 == 4:
        assert b[9] == 51, 'not AH'
        return (b[0] & 0xf) * 4, 9
    nh, off, nh_off = b[6], 40, 6
    while nh in (0, 43, 60):
        nh_off = off
        nh = b[off]
        off += (b[off + 1] + 1) * 8
    assert nh == 51, 'not AH'
    return off, nh_off


def cksum(h):
    s = sum(struct.unpack('!%dH' % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def fix4(b):
    """b with a correct IPv4 header checksum (IPv6: unchanged)."""
    if b[0] >> 4 != 4:
        return b
    hl = (b[0] & 0xf) * 4
    h = bytearray(b[:hl])
    h[10:12] = b'\0\0'
    h[10:12] = struct.pack('!H', cksum(bytes(h)))
    return bytes(h) + b[hl:]


def strip_ah(b):
    """Transport mode: the packet with AH removed (RFC 4302: the header
    naming AH names AH's next header, the lengths shrink; the mutable
    fields stay as received)."""
    off, nh_off = ah_position(b)
    ah_len = (b[off + 1] + 2) * 4
    out = bytearray(b[:off] + b[off + ah_len:])
    out[nh_off] = b[off]
    if b[0] >> 4 == 4:
        out[2:4] = struct.pack('!H', len(out))
        return fix4(bytes(out))
    out[4:6] = struct.pack('!H', len(out) - 40)
    return bytes(out)


def after_ah(b):
    """The bytes after AH (tunnel mode: the inner packet)."""
    off, _ = ah_position(b)
    return b[off + (b[off + 1] + 2) * 4:]


def router(b, dec=1, tos=None, df=None, fl=None):
    """A router on the way: TTL / hop limit down, DSCP/ECN (and the IPv4 DF
    bit, the IPv6 flow label) rewritten. IPv4 checksum recomputed."""
    x = bytearray(b)
    if b[0] >> 4 == 4:
        x[8] = (x[8] - dec) & 0xff
        if tos is not None:
            x[1] = tos
        if df is not None:
            x[6] = (x[6] & ~0x40) | (0x40 if df else 0)
        return fix4(bytes(x))
    x[7] = (x[7] - dec) & 0xff
    if tos is not None:
        x[0] = 0x60 | tos >> 4
        x[1] = (x[1] & 0x0f) | (tos & 0x0f) << 4
    if fl is not None:
        x[1] = (x[1] & 0xf0) | fl >> 16
        x[2:4] = struct.pack('!H', fl & 0xffff)
    return bytes(x)


def flip(b, pos, bit=0x01, fix=True):
    """b with bit(s) flipped at pos (IPv4 header checksum redone: a forger
    would, and the consumer checks it before the software path)."""
    x = bytearray(b)
    x[pos] ^= bit
    return fix4(bytes(x)) if fix else bytes(x)


def v4_options(b):
    """(type, offset, length) of each IPv4 option of b."""
    hl, i, res = (b[0] & 0xf) * 4, 20, []
    while i < hl:
        t = b[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        res.append((t, i, b[i + 1]))
        i += b[i + 1]
    return res


def v4_record(b, addr, stamp):
    """A router fills the next Record Route slot and Timestamp slot (or
    counts a Timestamp overflow)."""
    x = bytearray(b)
    for t, off, ln in v4_options(b):
        ptr = x[off + 2]
        if t in (7, 68) and ptr + 3 <= ln:
            x[off + ptr - 1:off + ptr + 3] = addr if t == 7 else struct.pack('!L', stamp)
            x[off + 2] = ptr + 4
        elif t == 68:
            x[off + 3] = (x[off + 3] + 0x10) & 0xff
    return fix4(bytes(x))


def v6_headers(b):
    """[(next header value naming it, offset, length)] of the IPv6
    extension headers of b up to (not including) AH / ESP / upper layer."""
    res, nh, off = [], b[6], 40
    while nh in (0, 43, 60):
        ln = (b[off + 1] + 1) * 8
        res.append((nh, off, ln))
        nh = b[off]
        off += ln
    return res


def v6_mutable_opts(b, data_byte):
    """Rewrite the data of every 'may change en route' (0x20) option in the
    hop-by-hop / destination options headers before AH."""
    x = bytearray(b)
    for nh, off, ln in v6_headers(b):
        if nh not in (0, 60):
            continue
        i = off + 2
        while i < off + ln:
            if x[i] == 0:
                i += 1
                continue
            if x[i] & 0x20:
                for k in range(x[i + 1]):
                    x[i + 2 + k] = (data_byte + k) & 0xff
            i += 2 + x[i + 1]
    return bytes(x)


def v6_route_hop(b):
    """RFC 8200 4.4 (types 0 and 2) at the node in the destination field:
    the next address becomes the destination, hop limit down."""
    x = bytearray(b)
    for nh, off, ln in v6_headers(b):
        if nh == 43 and x[off + 3] > 0:
            n = (ln - 8) // 16
            i = n - x[off + 3]
            a = off + 8 + 16 * i
            x[24:40], x[a:a + 16] = x[a:a + 16], x[24:40]
            x[off + 3] -= 1
            x[7] -= 1
            return bytes(x)
    raise AssertionError('no routing header with segments left')


def v6_opt_data_pos(b, otype):
    """Offset of the first data byte of the first option of type otype."""
    for nh, off, ln in v6_headers(b):
        if nh not in (0, 60):
            continue
        i = off + 2
        while i < off + ln:
            if b[i] == 0:
                i += 1
                continue
            if b[i] == otype:
                return i + 2
            i += 2 + b[i + 1]
    raise AssertionError('no option %#x' % otype)


# ---------------------------------------------------------------------------
# ESP (algos_scapy) with optional UDP encapsulation
# ---------------------------------------------------------------------------

_ivn = [0]


def esp_encrypt(algo, spi, plain, seq, hi=None, tunnel_header=None, ports=None):
    """scapy's ESP packet of plain (a scapy IP/IPv6 packet) for algos_scapy
    algorithm algo: (raw IP bytes, ciphertext length). hi: the ESN high
    half (HMAC ICVs redone with it); ports: (sport, dport) for ESP in UDP
    (RFC 3948, IPv4)."""
    ssa = algo.scapy_sa(spi, tunnel_header, hi, seq)
    kw = {}
    if ports:
        ck, ak = algo.keys(spi)
        args = dict(spi=spi, seq_num=seq, crypt_algo=algo.crypt, crypt_key=ck or None,
                    tunnel_header=tunnel_header, nat_t_header=UDP(sport=ports[0],
                                                                  dport=ports[1]))
        if algo.hmac:
            args.update(auth_algo=algo.auth, auth_key=ak)
        if hi is not None:
            args.update(esn_en=True, esn=hi)
        usa = SecurityAssociation(ESP, **args)
    else:
        usa = ssa
    _ivn[0] += 1
    iv = struct.pack('!IIII', spi, seq, _ivn[0], 0x5a5a5a5a)[:algo.iv]
    b = raw(usa.encrypt(plain, seq_num=seq, iv=iv, **kw))
    v6 = b[0] >> 4 == 6
    hl = 40 if v6 else (b[0] & 0xf) * 4
    esp_off = hl
    if ports:
        assert not v6 and b[9] == 17, 'UDP-ESP over IPv4 here'
        # scapy 2.5 writes UDP length 8 (before the ESP header is added)
        b = b[:hl + 4] + struct.pack('!H', len(b) - hl) + b[hl + 6:]
        esp_off += 8
    assert struct.unpack('!II', b[esp_off:esp_off + 8]) == (spi, seq)
    if hi is not None and algo.hmac:
        _, ak = algo.keys(spi)
        auth = AUTH_ALGOS[algo.auth]
        mac = auth.new_mac(ak)
        mac.update(b[esp_off:len(b) - auth.icv_size] + struct.pack('!I', hi))
        b = b[:len(b) - auth.icv_size] + mac.finalize()[:auth.icv_size]
    # scapy decrypts its own packet (as plain ESP: the same ESP bytes)
    pb = b
    if ports:
        ip = IP(b[:hl])
        ip.proto, ip.len = 50, len(b) - 8
        del ip.chksum
        pb = raw(ip)[:hl] + b[hl + 8:]
    dec = ssa.decrypt((IPv6 if v6 else IP)(pb), verify=not (hi is not None and algo.hmac))
    assert raw(dec) == raw(plain), '%s: scapy does not decrypt its own packet' % algo.label
    ct = len(b) - esp_off - 8 - algo.iv - algo.icv
    return b, ct


def esp_icv_flip(b, algo, k=0):
    """b (ESP last in the packet) with one ICV bit flipped."""
    return flip(b, len(b) - 1 - k % algo.icv, 1 << (k % 8), fix=False)


def ip_hdr(family, src, dst, **kw):
    return IP(src=src, dst=dst, **kw) if family == 4 else IPv6(src=src, dst=dst, **kw)


A.self_test()
self_test()
