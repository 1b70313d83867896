#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Cross-implementation vectors for ov2's crypto module.

ESP and AH packets made by implementations other than libipsec-mb:
  - scapy's ipsec layer (SecurityAssociation): AES-CBC, DES, 3DES and NULL
    encryption with HMAC-SHA1-96 / SHA2-256-128 / SHA2-384-192 /
    SHA2-512-256 / HMAC-MD5-96; AES-GCM; ChaCha20-Poly1305; AH with the
    HMAC algorithms over IPv4 and IPv6, with and without ESN.
  - python3-cryptography directly where scapy 2.5 falls short:
      * AES-GMAC (RFC 4543), which scapy 2.5 does not have, for ESP and AH;
      * the ICV of ESP with HMAC and ESN: scapy 2.5 signs ESP without the
        ESN high half (AuthAlgo.sign ignores esn for ESP), against RFC 4303
        2.2.1; the ciphertext is still scapy's, the ICV is HMAC over
        ESP || seq_hi from python3-cryptography.

Every packet is checked with scapy (or cryptography) before it is written.

Output format, one block per packet:
    ### ID esp|ah key=value ... (cipher= auth= aead= esn= ip= src=)
    name: hex
fields: key, salt, authkey, seqhi (ESN only), esp + plaintext (ESP: bytes
SPI..ICV, and the decrypted payload with its trailer), pkt (AH: the whole
IP packet, no options / extension headers).

usage: gen_scapy_vectors.py OUTPUT"""

import random
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, UDP, IPv6, Raw, raw
from scapy.layers.ipsec import AH, ESP, SecurityAssociation

RNG = random.Random(0x0F2C)

# scapy name -> (ov2 name, key bytes) ; None key: no key
CIPHERS = [
    ('AES-CBC', 'aes-128-cbc', 16),
    ('AES-CBC', 'aes-192-cbc', 24),
    ('AES-CBC', 'aes-256-cbc', 32),
    ('DES', 'des-cbc', 8),
    ('3DES', '3des-cbc', 24),
    ('NULL', 'null', 0),
]
AUTHS = [
    ('HMAC-SHA1-96', 'sha1-hmac', 20, hashes.SHA1, 12),
    ('SHA2-256-128', 'sha256-hmac', 32, hashes.SHA256, 16),
    ('SHA2-384-192', 'sha384-hmac', 48, hashes.SHA384, 24),
    ('SHA2-512-256', 'sha512-hmac', 64, hashes.SHA512, 32),
    ('HMAC-MD5-96', 'md5-hmac', 16, hashes.MD5, 12),
]
AEADS = [
    ('AES-GCM', 'aes-128-gcm', 16),
    ('AES-GCM', 'aes-192-gcm', 24),
    ('AES-GCM', 'aes-256-gcm', 32),
    ('CHACHA20-POLY1305', 'chacha20-poly1305', 32),
]
GMACS = [('aes-128-gmac', 16), ('aes-192-gmac', 24), ('aes-256-gmac', 32)]
SIZES = [0, 1, 13, 64, 333, 1000]

out = []
counter = [0]


def rbytes(n):
    return bytes(RNG.getrandbits(8) for _ in range(n))


def emit(kind, attrs, fields):
    counter[0] += 1
    head = '### X%03d %s %s' % (counter[0], kind,
                               ' '.join('%s=%s' % kv for kv in attrs))
    out.append(head)
    for name, val in fields:
        out.append('%s: %s' % (name, val.hex()))
    out.append('')


def inner_packet(n, v6):
    """The packet ESP carries (tunnel mode) or AH protects."""
    data = Raw(rbytes(n))
    if v6:
        return IPv6(src='2001:db8:1::1', dst='2001:db8:2::2', hlim=61, tc=0x20,
                    fl=0x12345) / UDP(sport=1000 + n, dport=5001) / data
    return IP(src='10.0.0.1', dst='10.0.0.2', ttl=61, tos=0x20, id=n,
              flags='DF') / UDP(sport=1000 + n, dport=5001) / data


def tunnel(v6):
    if v6:
        return IPv6(src='2001:db8:a::1', dst='2001:db8:a::2', hlim=7, tc=0x48,
                    fl=0xbeef)
    return IP(src='192.0.2.1', dst='192.0.2.2', ttl=7, tos=0x48, flags='DF')


def plaintext_of(esp_bytes, inner, iv_len, icv_len, nh):
    """The payload with its RFC 4303 trailer, as scapy padded it."""
    ct_len = len(esp_bytes) - 8 - iv_len - icv_len
    padlen = ct_len - len(inner) - 2
    assert 0 <= padlen < 256, padlen
    return inner + bytes(range(1, padlen + 1)) + bytes([padlen, nh])


def esp_hmac_icv(digest, key, data, icv_len):
    h = hmac.HMAC(key, digest())
    h.update(data)
    return h.finalize()[:icv_len]


def gen_esp_cipher_auth():
    i = 0
    for sc_c, ov2_c, klen in CIPHERS:
        for sc_a, ov2_a, alen, digest, icv_len in AUTHS:
            for esn in (0, 1):
                i += 1
                v6 = i % 2 == 0
                size = SIZES[i % len(SIZES)]
                key, akey = rbytes(klen), rbytes(alen)
                spi, seq, seqhi = RNG.getrandbits(32) | 1, RNG.getrandbits(32), \
                    RNG.getrandbits(32)
                inner = inner_packet(size, v6)
                iv_len = {'AES-CBC': 16, 'DES': 8, '3DES': 8, 'NULL': 0}[sc_c]
                iv = rbytes(iv_len)
                crypt = dict(crypt_algo=sc_c, crypt_key=key if klen else None)
                if esn:
                    # scapy's cipher, cryptography's ICV (see the docstring)
                    sa = SecurityAssociation(ESP, spi=spi, tunnel_header=tunnel(v6),
                                             **crypt)
                    pkt = sa.encrypt(inner, seq_num=seq, iv=iv)
                    body = raw(pkt[ESP])
                    esp_bytes = body + esp_hmac_icv(
                        digest, akey, body + struct.pack('!L', seqhi), icv_len)
                    src = 'scapy+cryptography-icv'
                else:
                    sa = SecurityAssociation(ESP, spi=spi, tunnel_header=tunnel(v6),
                                             auth_algo=sc_a, auth_key=akey, **crypt)
                    pkt = sa.encrypt(inner, seq_num=seq, iv=iv)
                    esp_bytes = raw(pkt[ESP])
                    # scapy verifies its own ICV and decrypts back
                    back = sa.decrypt(pkt.__class__(raw(pkt)))
                    assert raw(back) == raw(inner), 'scapy round trip'
                    src = 'scapy'
                nh = 41 if v6 else 4
                pt = plaintext_of(esp_bytes, raw(inner), iv_len, icv_len, nh)
                fields = []
                if klen:
                    fields.append(('key', key))
                fields.append(('authkey', akey))
                if esn:
                    fields.append(('seqhi', struct.pack('!L', seqhi)))
                fields += [('esp', esp_bytes), ('plaintext', pt)]
                emit('esp', [('cipher', ov2_c), ('auth', ov2_a), ('esn', esn),
                             ('src', src)], fields)


def gen_esp_aead():
    i = 0
    for sc, ov2, klen in AEADS:
        for esn in (0, 1):
            i += 1
            v6 = i % 2 == 1
            size = SIZES[(i * 3) % len(SIZES)]
            key, salt = rbytes(klen), rbytes(4)
            spi, seq, seqhi = RNG.getrandbits(32) | 1, RNG.getrandbits(32), \
                RNG.getrandbits(32)
            inner = inner_packet(size, v6)
            sa = SecurityAssociation(ESP, spi=spi, crypt_algo=sc, crypt_key=key + salt,
                                     tunnel_header=tunnel(v6), esn_en=bool(esn),
                                     esn=seqhi)
            pkt = sa.encrypt(inner, seq_num=seq, iv=rbytes(8))
            back = sa.decrypt(pkt.__class__(raw(pkt)))
            assert raw(back) == raw(inner), 'scapy round trip'
            esp_bytes = raw(pkt[ESP])
            pt = plaintext_of(esp_bytes, raw(inner), 8, 16, 41 if v6 else 4)
            fields = [('key', key), ('salt', salt)]
            if esn:
                fields.append(('seqhi', struct.pack('!L', seqhi)))
            fields += [('esp', esp_bytes), ('plaintext', pt)]
            emit('esp', [('aead', ov2), ('esn', esn), ('src', 'scapy')], fields)


def gen_esp_gmac():
    """RFC 4543 ESP: AAD = SPI || [seq_hi ||] seq || IV || payload+trailer."""
    i = 0
    for ov2, klen in GMACS:
        for esn in (0, 1):
            i += 1
            v6 = i % 2 == 0
            inner = raw(inner_packet(SIZES[(i * 5) % len(SIZES)], v6))
            key, salt, iv = rbytes(klen), rbytes(4), rbytes(8)
            spi, seq, seqhi = RNG.getrandbits(32) | 1, RNG.getrandbits(32), \
                RNG.getrandbits(32)
            padlen = -(len(inner) + 2) % 4
            pt = inner + bytes(range(1, padlen + 1)) + bytes([padlen, 41 if v6 else 4])
            if esn:
                aad = struct.pack('!LLL', spi, seqhi, seq)
            else:
                aad = struct.pack('!LL', spi, seq)
            tag = AESGCM(key).encrypt(salt + iv, b'', aad + iv + pt)
            assert len(tag) == 16
            esp_bytes = struct.pack('!LL', spi, seq) + iv + pt + tag
            fields = [('authkey', key), ('salt', salt)]
            if esn:
                fields.append(('seqhi', struct.pack('!L', seqhi)))
            fields += [('esp', esp_bytes), ('plaintext', pt)]
            emit('esp', [('cipher', 'null'), ('auth', ov2), ('esn', esn),
                         ('src', 'cryptography')], fields)


def zero_mutable(b, v6):
    """RFC 4302 3.3.3.1 for a header without options / extension headers."""
    b = bytearray(b)
    if v6:
        b[0] &= 0xf0		# version stays; traffic class, flow label zero
        b[1:4] = b'\0\0\0'
        b[7] = 0		# hop limit
    else:
        b[1] = 0		# TOS
        b[6:8] = b'\0\0'	# flags, fragment offset
        b[8] = 0		# TTL
        b[10:12] = b'\0\0'	# header checksum
    return b


def gen_ah_hmac():
    i = 0
    for sc_a, ov2_a, alen, _digest, icv_len in AUTHS:
        for v6 in (0, 1):
            for esn in (0, 1):
                i += 1
                akey = rbytes(alen)
                spi, seq, seqhi = RNG.getrandbits(32) | 1, RNG.getrandbits(32), \
                    RNG.getrandbits(32)
                inner = inner_packet(SIZES[i % len(SIZES)], v6)
                # alternate transport and tunnel mode
                th = tunnel(v6) if i % 2 else None
                sa = SecurityAssociation(AH, spi=spi, auth_algo=sc_a, auth_key=akey,
                                         tunnel_header=th, esn_en=bool(esn), esn=seqhi)
                pkt = sa.encrypt(inner, seq_num=seq)
                wire = raw(pkt)
                sa.decrypt(pkt.__class__(wire))		# scapy verifies it
                fields = [('authkey', akey)]
                if esn:
                    fields.append(('seqhi', struct.pack('!L', seqhi)))
                fields.append(('pkt', wire))
                emit('ah', [('auth', ov2_a), ('esn', esn), ('ip', 6 if v6 else 4),
                            ('mode', 'tunnel' if th else 'transport'),
                            ('src', 'scapy')], fields)


def gen_ah_gmac():
    """RFC 4543 section 3 AH: IV after the sequence number, then the ICV;
    AAD = the packet with mutable fields and ICV zeroed || [seq_hi]."""
    i = 0
    for ov2, klen in GMACS:
        for v6 in (0, 1):
            for esn in (0, 1):
                i += 1
                key, salt, iv = rbytes(klen), rbytes(4), rbytes(8)
                spi, seq, seqhi = RNG.getrandbits(32) | 1, RNG.getrandbits(32), \
                    RNG.getrandbits(32)
                payload = raw(inner_packet(SIZES[(i * 7) % len(SIZES)], not v6))
                ah_len = 12 + 8 + 16
                pad = -ah_len % (8 if v6 else 4)
                ah = struct.pack('!BBHLL', 41 if not v6 else 4, (ah_len + pad) // 4 - 2,
                                 0, spi, seq) + iv + b'\0' * (16 + pad)
                if v6:
                    hdr = IPv6(src='2001:db8:c::1', dst='2001:db8:c::2', hlim=9,
                               tc=0x11, fl=0x777, nh=51, plen=len(ah) + len(payload))
                else:
                    hdr = IP(src='198.51.100.1', dst='198.51.100.2', ttl=9, tos=0x11,
                             flags='DF', proto=51, len=20 + len(ah) + len(payload))
                wire = bytearray(raw(hdr) + ah + payload)
                aad = bytes(zero_mutable(wire, v6))
                if esn:
                    aad += struct.pack('!L', seqhi)
                tag = AESGCM(key).encrypt(salt + iv, b'', aad)
                off = (40 if v6 else 20) + 20
                wire[off:off + 16] = tag
                fields = [('authkey', key), ('salt', salt)]
                if esn:
                    fields.append(('seqhi', struct.pack('!L', seqhi)))
                fields.append(('pkt', bytes(wire)))
                emit('ah', [('auth', ov2), ('esn', esn), ('ip', 6 if v6 else 4),
                            ('mode', 'tunnel'), ('src', 'cryptography')], fields)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    gen_esp_cipher_auth()
    gen_esp_aead()
    gen_esp_gmac()
    gen_ah_hmac()
    gen_ah_gmac()
    with open(sys.argv[1], 'w') as f:
        f.write('# generated by gen_scapy_vectors.py; do not edit\n')
        f.write('\n'.join(out))
    print('%d vectors written to %s' % (counter[0], sys.argv[1]))


if __name__ == '__main__':
    main()
