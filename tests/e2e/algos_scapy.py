#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The ESP algorithms of ov2rx as scapy 2.5's ipsec layer makes them: one
table entry per algorithm (its ov2rx configuration words and its scapy
SecurityAssociation), for algos_e2e.py.

What scapy 2.5 does not have, and what is added here (small, checked):
- AES-GMAC (RFC 4543, ENCR_NULL_AUTH_AES_GMAC): scapy has no such
  algorithm. GMAC is plugged into scapy's own CryptAlgo table as an AEAD
  whose "encryption" leaves the payload as it is and whose tag is AES-GCM
  (python3-cryptography's AESGCM) over AAD = SPI || seq (|| ESN high half,
  scapy's AEAD AAD) || IV || payload || padding || pad length || next header,
  with an empty plaintext; nonce = salt || IV. scapy still does the framing,
  the padding and the ESN AAD. self_test() checks it against the published
  vector draft-mcgrew-gcm-test-01 case 15 (tests/vectors/esp-kat.txt G15).
- HMAC with ESN: scapy 2.5 passes esn only to AEAD ciphers; its ESP HMAC
  (AuthAlgo.sign) never appends the high half of the sequence number that
  RFC 4303 2.2.1 / 3.3.2.1 puts in the ICV input. esn_hmac_resign() redoes
  the ICV with scapy's own AuthAlgo.new_mac() over the ESP bytes followed by
  the 4-byte high half. (scapy's unpatched packet is kept as a negative
  case by the caller.)"""

import hashlib
import struct
from math import gcd

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, IPv6, raw
from scapy.layers.ipsec import (AUTH_ALGOS, CRYPT_ALGOS, ESP, CryptAlgo, SecurityAssociation,
                                _ESPPlain)

GMAC_NAME = 'AES-NULL-GMAC(test adapter)'


class _GmacAead:
    """RFC 4543 GMAC behind the AEAD interface scapy's CryptAlgo calls:
    encrypt(nonce, data, aad) -> data || tag, decrypt(nonce, data || tag,
    aad) -> data (raises InvalidTag)."""

    def __init__(self, key):
        self.gcm = AESGCM(key)

    def encrypt(self, nonce, data, aad):
        return data + self.gcm.encrypt(nonce, b'', aad + nonce[4:] + data)

    def decrypt(self, nonce, data, aad):
        body, tag = data[:-16], data[-16:]
        self.gcm.decrypt(nonce, tag, aad + nonce[4:] + body)
        return body


def _register_gmac():
    if GMAC_NAME in CRYPT_ALGOS:
        return
    a = CryptAlgo(GMAC_NAME, cipher=_GmacAead, mode=None, key_size=(16, 24, 32),
                  block_size=1, iv_size=8, salt_size=4, icv_size=16,
                  format_mode_iv=lambda sa, iv, **kw: sa.crypt_salt + iv)
    a.is_aead = True		# scapy then builds the AAD and calls cipher(key).encrypt
    a.ciphers_aead_api = True
    CRYPT_ALGOS[GMAC_NAME] = a


_register_gmac()


def self_test():
    """The GMAC adapter, through scapy's padding and CryptAlgo.encrypt,
    against draft-mcgrew-gcm-test-01 case 15 (RFC 4543 AES-GMAC ESP)."""
    key = bytes.fromhex('4c80cdefbb5d10da906ac73c3613a634')
    salt = bytes.fromhex('22433c64')
    want = bytes.fromhex(
        '0000432100000007000000000000000045000030da3a00008001df3bc0a80005c0a800010800c6cd'
        '020007006162636465666768696a6b6c6d6e6f707172737401020201f2a9a836e155106aa8dcd618'
        'e4099aaa')
    algo = CRYPT_ALGOS[GMAC_NAME]
    p = algo.pad(_ESPPlain(spi=0x4321, seq=7, iv=bytes(8), data=want[16:64], nh=1))

    class _Sa:
        crypt_salt = salt
    got = raw(algo.encrypt(_Sa, p, key))
    assert got == want, 'GMAC adapter does not give draft-mcgrew-gcm-test-01 case 15:\n' \
        ' got  %s\n want %s' % (got.hex(), want.hex())


def lcm(a, b):
    return a * b // gcd(a, b)


class Algo:
    """One ESP algorithm (or cipher + integrity pair).

    conf: ov2rx's words with {ck}/{ak} key placeholders; crypt/auth: scapy's
    names; ck/ak: key lengths (AEAD and GMAC: key + 4-byte salt, in ck);
    iv, icv: bytes on the wire; block: the cipher's block (padding aligns
    the ciphertext to lcm(block, 4))."""

    def __init__(self, label, conf, crypt, ck, auth=None, ak=0, iv=0, icv=0, block=1,
                 deprecated=False, warn=None):
        self.label = label
        self.conf = conf
        self.crypt = crypt
        self.ck = ck
        self.auth = auth
        self.ak = ak
        self.iv = iv
        self.icv = icv
        self.align = lcm(block, 4)
        self.deprecated = deprecated
        self.warn = warn		# what ov2rx's deprecation warning names
        self.hmac = auth is not None

    def keys(self, spi):
        """Deterministic, distinct key material per SPI (never a DES weak
        key in practice: SHA-512 output)."""
        def km(role, n):
            out = b''
            i = 0
            while len(out) < n:
                out += hashlib.sha512(b'%d/%s/%s/%d' % (spi, self.label.encode(),
                                                        role, i)).digest()
                i += 1
            return out[:n]
        return km(b'c', self.ck), km(b'a', self.ak)

    def conf_words(self, spi):
        ck, ak = self.keys(spi)
        hx = lambda b: ':'.join('%02x' % x for x in b)  # noqa: E731
        w = self.conf.format(ck=hx(ck), ak=hx(ak))
        return w + (' allow-deprecated' if self.deprecated else '')

    def scapy_sa(self, spi, tunnel_header=None, esn_hi=None, seq=1):
        """seq: the SA's next sequence number (scapy's encrypt(seq_num=0)
        falls back to it: sequence number 0 needs it here)."""
        ck, ak = self.keys(spi)
        kw = dict(spi=spi, seq_num=seq, crypt_algo=self.crypt, crypt_key=ck or None,
                  tunnel_header=tunnel_header)
        if self.hmac:
            kw.update(auth_algo=self.auth, auth_key=ak)
        if esn_hi is not None:
            kw.update(esn_en=True, esn=esn_hi)
        return SecurityAssociation(ESP, **kw)


def _hmac_algos(cipher_label, cipher_conf, crypt, ck, iv, block, deprecated=False):
    out = []
    for conf_auth, scapy_auth, ak, icv in (('sha1-hmac', 'HMAC-SHA1-96', 20, 12),
                                           ('sha256-hmac', 'SHA2-256-128', 32, 16),
                                           ('sha384-hmac', 'SHA2-384-192', 48, 24),
                                           ('sha512-hmac', 'SHA2-512-256', 64, 32),
                                           ('md5-hmac', 'HMAC-MD5-96', 16, 12)):
        dep = deprecated or conf_auth == 'md5-hmac'
        key = (' cipher_key {ck}' if ck else '')
        out.append(Algo('%s+%s' % (cipher_label, conf_auth),
                        'cipher_algo %s%s auth_algo %s auth_key {ak}' % (cipher_conf, key,
                                                                         conf_auth),
                        crypt, ck, scapy_auth, ak, iv, icv, block, dep,
                        '%s with %s' % (cipher_conf, conf_auth) if dep else None))
    return out


def all_algos():
    """Every ESP algorithm ov2rx supports, by name."""
    a = []
    for bits in (128, 192, 256):
        a.append(Algo('aes-%d-gcm' % bits, 'aead_algo aes-%d-gcm aead_key {ck}' % bits,
                      'AES-GCM', bits // 8 + 4, iv=8, icv=16))
    a.append(Algo('chacha20-poly1305', 'aead_algo chacha20-poly1305 aead_key {ck}',
                  'CHACHA20-POLY1305', 36, iv=8, icv=16))
    for bits in (128, 192, 256):
        a += _hmac_algos('aes-%d-cbc' % bits, 'aes-%d-cbc' % bits, 'AES-CBC', bits // 8, 16, 16)
    a += _hmac_algos('null', 'null', 'NULL', 0, 0, 1)
    for bits in (128, 192, 256):
        a.append(Algo('aes-%d-gmac' % bits, 'cipher_algo null auth_algo aes-gmac auth_key {ck}',
                      GMAC_NAME, bits // 8 + 4, iv=8, icv=16))
    a += _hmac_algos('des-cbc', 'des-cbc', 'DES', 8, 8, 8, True)
    a += _hmac_algos('3des-cbc', '3des-cbc', '3DES', 24, 8, 8, True)
    return {x.label: x for x in a}


ALGOS = all_algos()


def esn_hmac_resign(enc, algo, spi, hi):
    """scapy's ESP packet enc (IP or IPv6, ESP right after the fixed header)
    with its HMAC ICV recomputed the RFC 4303 way for ESN: over the ESP
    header, IV and ciphertext followed by the 4-byte high half. Returns the
    raw IP packet (same length)."""
    _, ak = algo.keys(spi)
    auth = AUTH_ALGOS[algo.auth]
    b = raw(enc)
    if enc.version == 4:
        hl = 20
        assert b[0] == 0x45 and b[9] == 50, 'ESP right after a 20-byte IPv4 header'
    else:
        hl = 40
        assert b[6] == 50, 'ESP right after the IPv6 header'
    esp = b[hl:len(b) - auth.icv_size]
    mac = auth.new_mac(ak)
    mac.update(esp + struct.pack('!I', hi))
    return b[:len(b) - auth.icv_size] + mac.finalize()[:auth.icv_size]


def tunnel_header(family, src, dst):
    return IP(src=src, dst=dst) if family == 4 else IPv6(src=src, dst=dst)
