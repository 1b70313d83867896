#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ov2gen against Wireshark: tshark decrypts and authenticates what ov2gen
writes, for every ESP algorithm tshark knows, tunnel and transport, IPv4 and
IPv6, with and without ESN and UDP encapsulation (RFC 3948), plus the IKE and
NAT keep-alive packets of UDP-encapsulated SAs.

For every ESP packet:
  - tshark (ESP SAs given as the esp_sa UAT) must decrypt it to exactly the
    payload + trailer ov2gen put in: its ESP Decrypted Data must equal the
    packet of ov2gen's --expect pcap (tunnel: the inner packet; transport:
    the L4 packet) followed by the padding 1, 2, ..., pad length and next
    header, and its dissection of the decrypted packet must give the
    expected inner addresses and ports;
  - tshark's ICV check must say good (ICV "correct") for the SAs without
    ESN. tshark 4.0 has no ESN: it computes the ICV without the high half
    of the sequence number, so for an ESN SA it must say bad (which shows
    that ov2gen put the high half into the ICV); those ICVs, with the high
    half, are verified here with python-cryptography;
  - the packet is also opened here with python-cryptography (every
    algorithm, ESN high half included): that is the only check for the
    algorithms tshark 4.0 cannot decrypt (ChaCha20-Poly1305, AES-GMAC),
    which the output says.
A packet with a corrupted ICV (--fault bad-icv) must be reported bad by
tshark and fail here. IKE packets (non-ESP marker) and keep-alives must be
dissected as such by tshark, with correct UDP checksums, and appear in the
--expect pcap unchanged.

With OV2RX (test ov2gen_algos_ov2rx), the same SAs (UDP-ESP ones included,
with IKE packets and NAT keep-alives) go through ov2rx instead, good packets
and every fault: what it delivers must be ov2gen's --expect pcap and its
counters ov2gen's --manifest, for every algorithm and with ESN across 2^32.

usage: tshark_interop.py OV2GEN [OV2RX]"""

import json
import os
import shutil
import struct
import subprocess
import sys
import warnings

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

import e2e_common as C

warnings.filterwarnings('ignore')     # TripleDES / DES deprecation warnings

# -- algorithms --------------------------------------------------------------
# name: (config words, key lengths, tshark encryption, tshark auth,
#        block/alignment, iv, icv). key lengths: (cipher key, auth key);
# AEAD keys and GMAC auth keys include the 4-byte salt.
HMAC = {
    'sha1-hmac': (20, 12, 'HMAC-SHA-1-96 [RFC2404]', hashes.SHA1),
    'sha256-hmac': (32, 16, 'HMAC-SHA-256-128 [RFC4868]', hashes.SHA256),
    'sha384-hmac': (48, 24, 'HMAC-SHA-384-192 [RFC4868]', hashes.SHA384),
    'sha512-hmac': (64, 32, 'HMAC-SHA-512-256 [RFC4868]', hashes.SHA512),
    'md5-hmac': (16, 12, 'HMAC-MD5-96 [RFC2403]', hashes.MD5),
}
CIPHER = {      # name: key, tshark name, block, iv
    'null': (0, 'NULL', 4, 0),
    'aes-128-cbc': (16, 'AES-CBC [RFC3602]', 16, 16),
    'aes-192-cbc': (24, 'AES-CBC [RFC3602]', 16, 16),
    'aes-256-cbc': (32, 'AES-CBC [RFC3602]', 16, 16),
    'des-cbc': (8, 'DES-CBC [RFC2405]', 8, 8),
    '3des-cbc': (24, 'TripleDES-CBC [RFC2451]', 8, 8),
}
AEAD = {'aes-128-gcm': 16, 'aes-192-gcm': 24, 'aes-256-gcm': 32, 'chacha20-poly1305': 32}
TSHARK_GCM = 'AES-GCM with 16 octet ICV [RFC4106]'


def algo_list():
    """Every algorithm combination under test: (label, spec dict)."""
    out = []
    for a in ('aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'chacha20-poly1305'):
        out.append((a, {'aead': a}))
    for c in ('aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc'):
        for h in ('sha1-hmac', 'sha256-hmac', 'sha384-hmac', 'sha512-hmac'):
            out.append(('%s+%s' % (c, h), {'cipher': c, 'auth': h}))
    for h in ('sha1-hmac', 'sha256-hmac', 'sha384-hmac', 'sha512-hmac', 'md5-hmac'):
        out.append(('null+%s' % h, {'cipher': 'null', 'auth': h}))
    for c in ('3des-cbc', 'des-cbc'):
        for h in ('md5-hmac', 'sha1-hmac'):
            out.append(('%s+%s' % (c, h), {'cipher': c, 'auth': h}))
    out.append(('aes-128-cbc+md5-hmac', {'cipher': 'aes-128-cbc', 'auth': 'md5-hmac'}))
    for n in (16, 24, 32):
        out.append(('aes-gmac-%d' % (n * 8), {'cipher': 'null', 'auth': 'aes-gmac',
                                              'gmac_key': n}))
    return out


def tshark_knows(sa):
    """tshark 4.0's ESP dissector: NULL, DES, 3DES, AES-CBC, AES-CTR, AES-GCM
    (8/12/16-byte ICV), CAST5, Blowfish, Twofish; HMAC-MD5/SHA1/SHA2/RIPEMD.
    No ChaCha20-Poly1305 and no AES-GMAC (ENCR_NULL_AUTH_AES_GMAC)."""
    return sa.get('aead', '').endswith('-gcm') or \
        ('cipher' in sa and sa['auth'] != 'aes-gmac')


# -- the SAs: every algorithm x mode x family x ESN x UDP encapsulation ------
MODES = [('ipv4-tunnel', '172.16.%d.5', '172.17.%d.5'),
         ('ipv6-tunnel', '2001:db8:1::%x', '2001:db8:2::%x'),
         ('transport', None, '10.0.%d.9'),
         ('transport', '2001:db8:3::%x', '2001:db8:4::%x')]
UDP_PORTS = [None, (4500, 4500), (4501, 4502), (4600, 4600)]  # [0]: not used
ESN_START = 4294967293      # 'esn N': the first packet is N + 1, crossing 2^32 soon


def key(spi, salt, n):
    return bytes((spi * 53 + i * 29 + salt * 7 + 3) & 0xff for i in range(n))


def make_sas():
    sas = []
    spi = 0x2000
    for ai, (label, spec) in enumerate(algo_list()):
        for v in range(16):
            # every mode x ESN x UDP encapsulation; the UDP ports vary
            mode, src, dst = MODES[v % 4]
            esn = (v // 4) % 2 == 1
            udp = UDP_PORTS[1 + (v + ai) % 3] if v // 8 else None
            spi += 1
            n = spi & 0xff
            sa = dict(spec, spi=spi, label=label, mode=mode, esn=esn, udp=udp,
                      src=(src % n) if src else None, dst=dst % n)
            if 'aead' in spec:
                sa['key'] = key(spi, 1, AEAD[spec['aead']] + 4)
            else:
                sa['key'] = key(spi, 1, CIPHER[spec['cipher']][0])
                sa['auth_key'] = key(spi, 2, spec['gmac_key'] + 4 if 'gmac_key' in spec
                                     else HMAC[spec['auth']][0])
            sas.append(sa)
    return sas


def hexkey(b):
    return ':'.join('%02x' % x for x in b)


def conf_line(sa):
    w = ['sa', 'in', str(sa['spi'])]
    if 'aead' in sa:
        w += ['aead_algo', sa['aead'], 'aead_key', hexkey(sa['key'])]
    else:
        w += ['cipher_algo', sa['cipher']]
        if sa['cipher'] != 'null':
            w += ['cipher_key', hexkey(sa['key'])]
        w += ['auth_algo', sa['auth'], 'auth_key', hexkey(sa['auth_key'])]
        if sa['cipher'] in ('des-cbc', '3des-cbc') or sa['auth'] == 'md5-hmac':
            w += ['allow-deprecated']
    w += ['mode', sa['mode']]
    if sa['src']:
        w += ['src', sa['src']]
    w += ['dst', sa['dst']]
    if sa['esn']:
        w += ['esn', str(ESN_START)]
    if sa['udp']:
        w += ['udp-encap', '%d:%d' % sa['udp']]
    return ' '.join(w)


def write_conf(path, sas):
    with open(path, 'w') as f:
        f.write('# tshark_interop: one SA per algorithm x mode x family x esn x udp\n')
        for sa in sas:
            f.write(conf_line(sa) + '\n')


def layout(sa):
    """(iv length, icv length, alignment) of an SA's ESP packets."""
    if 'aead' in sa:
        return 8, 16, 4
    if sa['auth'] == 'aes-gmac':
        return 8, 16, 4
    _, _, block, iv = CIPHER[sa['cipher']]
    return iv, HMAC[sa['auth']][1], max(block, 4)


def outer_addrs(sa):
    fam = 6 if ':' in sa['dst'] else 4
    dsrc = '10.99.0.1' if fam == 4 else 'fd99::1'
    return fam, sa['src'] or dsrc, sa['dst']


def uat_record(sa):
    """The esp_sa UAT record of an SA tshark can decrypt: protocol, source,
    destination, SPI, encryption, its key, authentication, its key."""
    fam, src, dst = outer_addrs(sa)
    if 'aead' in sa:
        enc, ekey, auth, akey = TSHARK_GCM, sa['key'], 'NULL', b''
    else:
        enc, ekey = CIPHER[sa['cipher']][1], sa['key']
        auth, akey = HMAC[sa['auth']][2], sa['auth_key']
    f = ['IPv%d' % fam, src, dst, '0x%08x' % sa['spi'], enc,
         '0x' + ekey.hex() if ekey else '', auth, '0x' + akey.hex() if akey else '']
    return ','.join('"%s"' % x for x in f)


# -- an independent ESP implementation (python-cryptography) -----------------
def esp_open(sa, esp, seq_hi):
    """The plaintext (payload + trailer) of an ESP packet (SPI .. ICV), or
    None when its ICV does not verify. With ESN, seq_hi is in the ICV:
    RFC 4303 2.2.1 / 3.3.2.1 (HMAC input), RFC 4106 5, RFC 7634 2.1 and
    RFC 4543 3.3 / 5 (the AAD)."""
    hi = struct.pack('!I', seq_hi) if sa['esn'] else b''
    aad = esp[:4] + hi + esp[4:8]
    if 'aead' in sa:
        k, salt = sa['key'][:-4], sa['key'][-4:]
        box = AESGCM(k) if sa['aead'].endswith('gcm') else ChaCha20Poly1305(k)
        try:
            return box.decrypt(salt + esp[8:16], esp[16:], aad)
        except InvalidTag:
            return None
    if sa['auth'] == 'aes-gmac':
        k, salt = sa['auth_key'][:-4], sa['auth_key'][-4:]
        pt = esp[16:-16]
        tag = AESGCM(k).encrypt(salt + esp[8:16], b'', aad + esp[8:16] + pt)
        return pt if tag == esp[-16:] else None
    iv_len, icv_len, _ = layout(sa)
    h = hmac.HMAC(sa['auth_key'], HMAC[sa['auth']][3]())
    h.update(esp[:-icv_len] + hi)
    if h.finalize()[:icv_len] != esp[-icv_len:]:
        return None
    body = esp[8 + iv_len:-icv_len]
    if sa['cipher'] == 'null':
        return body
    algo = algorithms.AES(sa['key']) if sa['cipher'].startswith('aes') else \
        algorithms.TripleDES(sa['key'])
    d = Cipher(algo, modes.CBC(esp[8:8 + iv_len])).decryptor()
    return d.update(body) + d.finalize()


# -- frames ----------------------------------------------------------------
def ip_parts(fr):
    """(family, header length, protocol, src bytes, dst bytes, header) of
    the IP packet of an Ethernet frame."""
    ip = fr[14:]
    if ip[0] >> 4 == 4:
        hl = (ip[0] & 0xf) * 4
        return 4, hl, ip[9], ip[12:16], ip[16:20], ip[:hl]
    return 6, 40, ip[6], ip[8:24], ip[24:40], ip[:40]


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def addr_text(b):
    import ipaddress
    return str(ipaddress.ip_address(b))


def restored_header(fr, nh, payload_len):
    """Transport mode (RFC 4303 3.4.4.1, RFC 3948 3.1.2): the outer header
    with protocol = the ESP next header and the lengths (and IPv4 checksum)
    of the packet without ESP (and UDP)."""
    fam, hl, _, _, _, hdr = ip_parts(fr)
    hdr = bytearray(hdr)
    if fam == 4:
        hdr[9] = nh
        hdr[2:4] = struct.pack('!H', hl + payload_len)
        hdr[10:12] = b'\0\0'
        hdr[10:12] = struct.pack('!H', 0xffff - csum16(bytes(hdr)))
    else:
        hdr[6] = nh
        hdr[4:6] = struct.pack('!H', payload_len)
    return bytes(hdr)


# -- tshark ----------------------------------------------------------------
FIELDS = ['frame.number', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
          'ip.checksum.status', 'udp.srcport', 'udp.dstport', 'udp.checksum.status',
          'esp.spi', 'esp.sequence', 'esp.icv_good', 'esp.icv_bad', 'esp.decrypted_data',
          'esp.pad_len', 'esp.protocol', 'udpencap.non_esp_marker',
          'udpencap.nat_keepalive', 'isakmp.ispi', 'isakmp.exchangetype']


def tshark_version():
    p = subprocess.run(['tshark', '--version'], capture_output=True, text=True)
    return p.stdout.splitlines()[0] if p.returncode == 0 and p.stdout else '?'


def tshark(pcap, sas, tmp):
    """tshark's fields of every frame: a list of dicts field -> list of
    occurrences (outer first)."""
    cmd = ['tshark', '-n', '-r', pcap,
           '-o', 'esp.enable_encryption_decode:TRUE',
           '-o', 'esp.enable_authentication_check:TRUE',
           '-o', 'esp.do_esp_sequence_analysis:FALSE',
           '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE']
    # UDP-ESP: tshark's udpencap dissector sits on port 4500; other ports
    # through Decode As
    for port in sorted({p for sa in sas if sa['udp'] for p in sa['udp']} - {4500}):
        cmd += ['-d', 'udp.port==%d,udpencap' % port]
    # the payload of ov2gen's inner UDP packets (ports 10000-49999) is a
    # test pattern: as data, else a port or heuristic dissector may take it
    # for something else and throw, which aborts the ESP dissector before
    # it adds its pad and ICV fields
    cmd += ['-d', 'udp.port==10000-49999,data']
    for sa in sas:
        if tshark_knows(sa):
            cmd += ['-o', 'uat:esp_sa:' + uat_record(sa)]
    cmd += ['-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|',
            '-E', 'separator=/t']
    for f in FIELDS:
        cmd += ['-e', f]
    with open(os.path.join(tmp, 'tshark.cmd'), 'w') as f:
        f.write(' '.join("'%s'" % a for a in cmd) + '\n')
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    errs = [ln for ln in p.stderr.splitlines() if 'Running as user' not in ln and ln.strip()]
    if p.returncode != 0 or errs:
        print('tshark failed (%d): %s' % (p.returncode, '\n'.join(errs)[-3000:]))
        raise SystemExit(1)
    rows = []
    for line in p.stdout.splitlines():
        vals = line.split('\t')
        rows.append({f: (v.split('|') if v else []) for f, v in zip(FIELDS, vals)})
    return rows


def flag(row, field):
    v = row.get(field, [])
    return len(v) == 1 and v[0] in ('1', 'True')


class Prefixed:
    """A Failures whose messages start with the scenario's name."""

    def __init__(self, fl, name):
        self.fl, self.name = fl, name

    def check(self, cond, msg):
        return self.fl.check(cond, '%s: %s' % (self.name, msg))


class Interop:
    def __init__(self, fl, sas):
        self.fl = fl
        self.by_spi = {sa['spi']: sa for sa in sas}
        self.next_seq = {}
        self.ivs = set()
        self.verified = {}      # label -> {'tshark': n, 'icv_good': n, ...}
        self.kinds = {}

    def count(self, sa, what):
        d = self.verified.setdefault(sa['label'], {})
        d[what] = d.get(what, 0) + 1

    def esp_of(self, fr, i):
        """(SA, ESP bytes, UDP header or None) of an ESP frame."""
        fam, hl, proto, _, _, _ = ip_parts(fr)
        ip = fr[14:]
        udp = None
        if proto == 17:
            udp = ip[hl:hl + 8]
            esp = ip[hl + 8:]
        else:
            self.fl.check(proto == 50, 'frame %d: protocol %d' % (i, proto))
            esp = ip[hl:]
        sa = self.by_spi.get(struct.unpack('!I', esp[:4])[0])
        return sa, esp, udp

    def seq_of(self, sa, esp, i, start):
        """The full sequence number the packet should carry (packets of an
        SA come in order), checked against its low half on the wire."""
        want = self.next_seq.get(sa['spi'], start(sa))
        self.next_seq[sa['spi']] = want + 1
        lo = struct.unpack('!I', esp[4:8])[0]
        self.fl.check(lo == want & 0xffffffff, 'frame %d: SA 0x%x seq %d on the wire, '
                      'expected %d (low half of %d)' % (i, sa['spi'], lo, want & 0xffffffff,
                                                        want))
        return want

    def check_outer(self, sa, fr, udp, row, i):
        fl = self.fl
        fam, hl, proto, src, dst, hdr = ip_parts(fr)
        ofam, osrc, odst = outer_addrs(sa)
        fl.check(fam == ofam and addr_text(src) == addr_text(osrc) and
                 addr_text(dst) == addr_text(odst),
                 'frame %d: outer %s -> %s' % (i, addr_text(src), addr_text(dst)))
        if fam == 4:
            fl.check(row['ip.checksum.status'][:1] == ['1'],
                     'frame %d: tshark: outer IPv4 checksum %s' % (i, row['ip.checksum.status']))
        if not sa['udp']:
            fl.check(udp is None, 'frame %d: UDP header on a plain ESP SA' % i)
            return
        if not fl.check(udp is not None, 'frame %d: no UDP header on a udp-encap SA' % i):
            return
        sport, dport, ulen, ck = struct.unpack('!HHHH', udp)
        fl.check((sport, dport) == sa['udp'], 'frame %d: UDP ports %d -> %d, want %s'
                 % (i, sport, dport, sa['udp']))
        fl.check(ulen == len(fr) - 14 - hl, 'frame %d: UDP length %d' % (i, ulen))
        fl.check(row['udp.srcport'][:1] == [str(sport)] and
                 row['udp.dstport'][:1] == [str(dport)],
                 'frame %d: tshark outer UDP ports %s %s' % (i, row['udp.srcport'],
                                                              row['udp.dstport']))
        # RFC 3948 2.1: 0 over IPv4 (tshark: 3, not present); over IPv6 a
        # real checksum (tshark: 1, good)
        want = '3' if fam == 4 else '1'
        fl.check(row['udp.checksum.status'][:1] == [want],
                 'frame %d: tshark outer UDP checksum status %s, want %s (checksum %04x)'
                 % (i, row['udp.checksum.status'], want, ck))
        fl.check('udpencap' in row['frame.protocols'][0],
                 'frame %d: tshark did not see UDP-ESP: %s' % (i, row['frame.protocols']))

    def good(self, fr, row, exp, i, start):
        """A good ESP packet: exp is the frame ov2gen says the receiver
        delivers for it."""
        fl = self.fl
        sa, esp, udp = self.esp_of(fr, i)
        if not fl.check(sa is not None, 'frame %d: unknown SPI' % i):
            return
        seq = self.seq_of(sa, esp, i, start)
        self.check_outer(sa, fr, udp, row, i)
        iv_len, icv_len, align = layout(sa)
        iv = esp[8:8 + iv_len]
        fl.check(iv_len == 0 or (sa['spi'], iv) not in self.ivs,
                 'frame %d: IV %s repeated on SA 0x%x' % (i, iv.hex(), sa['spi']))
        self.ivs.add((sa['spi'], iv))
        # what ov2gen put in, from its --expect frame
        tunnel = sa['mode'] != 'transport'
        efam, ehl, eproto, esrc, edst, _ = ip_parts(exp)
        payload = exp[14:] if tunnel else exp[14 + ehl:]
        nh = (4 if efam == 4 else 41) if tunnel else eproto
        pad = (align - (len(payload) + 2) % align) % align
        want_pt = payload + bytes(range(1, pad + 1)) + bytes([pad, nh])
        fl.check(len(esp) == 8 + iv_len + len(want_pt) + icv_len,
                 'frame %d: ESP length %d, want %d' % (i, len(esp),
                                                      8 + iv_len + len(want_pt) + icv_len))
        if not tunnel:
            fl.check(exp[14:14 + ehl] == restored_header(fr, nh, len(payload)),
                     'frame %d: --expect transport header is not the restored outer one' % i)
        # independent decryption (every algorithm; ESN high half included)
        pt = esp_open(sa, esp, seq >> 32)
        if fl.check(pt == want_pt, 'frame %d: SA 0x%x (%s): python-cryptography %s'
                    % (i, sa['spi'], sa['label'],
                       'ICV does not verify' if pt is None else 'plaintext differs')):
            self.count(sa, 'python')
        if sa['esn'] and pt is not None:
            fl.check(esp_open(sa, esp, (seq >> 32) ^ 1) is None,
                     'frame %d: ESN ICV does not depend on the high half' % i)
        fl.check(row['esp.spi'] == ['0x%08x' % sa['spi']] and
                 row['esp.sequence'] == [str(seq & 0xffffffff)],
                 'frame %d: tshark ESP header %s %s' % (i, row['esp.spi'], row['esp.sequence']))
        if not tshark_knows(sa):
            fl.check(row['esp.decrypted_data'] == [],
                     'frame %d: tshark decrypted %s?' % (i, sa['label']))
            return
        # tshark: decryption
        got = row['esp.decrypted_data']
        if not fl.check(got == [want_pt.hex()], 'frame %d: SA 0x%x (%s%s%s, %s): tshark '
                        'decrypted %s, want %s' % (i, sa['spi'], sa['label'],
                                                   ' esn' if sa['esn'] else '',
                                                   ' udp' if sa['udp'] else '', sa['mode'],
                                                   got[0][:64] if got else 'nothing',
                                                   want_pt.hex()[:64])):
            return
        fl.check(row['esp.pad_len'] == [str(pad)] and row['esp.protocol'] == ['0x%02x' % nh],
                 'frame %d: tshark pad length %s next header %s, want %d %d'
                 % (i, row['esp.pad_len'], row['esp.protocol'], pad, nh))
        self.inner_fields(row, exp, tunnel, i)
        self.count(sa, 'tshark_decrypted')
        # tshark: authentication
        good, bad = flag(row, 'esp.icv_good'), flag(row, 'esp.icv_bad')
        if sa['esn']:
            # tshark 4.0 leaves the high half out: a mismatch it must report
            if fl.check(bad and not good, 'frame %d: SA 0x%x (%s, esn): tshark ICV good=%s '
                        'bad=%s; without the high half it must not match'
                        % (i, sa['spi'], sa['label'], good, bad)):
                self.count(sa, 'tshark_esn_mismatch')
        elif fl.check(good and not bad, 'frame %d: SA 0x%x (%s): tshark ICV good=%s bad=%s'
                      % (i, sa['spi'], sa['label'], good, bad)):
            self.count(sa, 'tshark_icv_good')

    def inner_fields(self, row, exp, tunnel, i):
        """tshark's dissection of the decrypted packet: its last IP
        addresses (tunnel: the inner header) and UDP ports."""
        fl = self.fl
        efam, ehl, eproto, esrc, edst, _ = ip_parts(exp)
        key = 'ip' if efam == 4 else 'ipv6'
        got = (row[key + '.src'][-1:], row[key + '.dst'][-1:])
        fl.check(got == ([addr_text(esrc)], [addr_text(edst)]),
                 'frame %d: tshark inner addresses %s, want %s -> %s'
                 % (i, got, addr_text(esrc), addr_text(edst)))
        if eproto == 17:
            sport, dport = struct.unpack('!HH', exp[14 + ehl:14 + ehl + 4])
            fl.check(row['udp.srcport'][-1:] == [str(sport)] and
                     row['udp.dstport'][-1:] == [str(dport)],
                     'frame %d: tshark inner UDP ports %s %s, want %d %d'
                     % (i, row['udp.srcport'], row['udp.dstport'], sport, dport))
            fl.check(row['udp.checksum.status'][-1:] == ['1'],
                     'frame %d: tshark: inner UDP checksum status %s'
                     % (i, row['udp.checksum.status']))

    def bad_icv(self, fr, row, i, start):
        fl = self.fl
        sa, esp, udp = self.esp_of(fr, i)
        if not fl.check(sa is not None, 'frame %d: unknown SPI' % i):
            return
        seq = self.seq_of(sa, esp, i, start)
        self.check_outer(sa, fr, udp, row, i)
        fixed = esp[:-1] + bytes([esp[-1] ^ 0xff])
        fl.check(esp_open(sa, esp, seq >> 32) is None and
                 esp_open(sa, fixed, seq >> 32) is not None,
                 'frame %d: SA 0x%x (%s): bad-icv is not the last ICV byte flipped'
                 % (i, sa['spi'], sa['label']))
        if not tshark_knows(sa):
            return
        good, bad = flag(row, 'esp.icv_good'), flag(row, 'esp.icv_bad')
        if fl.check(bad and not good, 'frame %d: SA 0x%x (%s): tshark says a corrupted ICV '
                    'is good=%s bad=%s' % (i, sa['spi'], sa['label'], good, bad)) \
                and not sa['esn']:
            self.count(sa, 'tshark_icv_bad')

    def nonesp(self, fr, row, exp, i, sas_udp):
        """IKE (non-ESP marker) or NAT keep-alive: tshark must see them as
        such; delivered unchanged."""
        fl = self.fl
        fam, hl, proto, src, dst, _ = ip_parts(fr)
        udp = fr[14 + hl:14 + hl + 8]
        body = fr[14 + hl + 8:]
        ports = struct.unpack('!HH', udp[:4])
        fl.check(any(ports == sa['udp'] and addr_text(dst) == addr_text(sa['dst'])
                     for sa in sas_udp), 'frame %d: IKE/keep-alive not on an SA\'s ports' % i)
        fl.check(exp == fr, 'frame %d: --expect changed an IKE/keep-alive frame' % i)
        fl.check(row['udp.checksum.status'] == ['1'],
                 'frame %d: tshark: UDP checksum status %s' % (i, row['udp.checksum.status']))
        if body == b'\xff':
            kind = 'nat-keepalive'
            fl.check(flag(row, 'udpencap.nat_keepalive'),
                     'frame %d: tshark does not see a NAT keep-alive: %s'
                     % (i, row['frame.protocols']))
        else:
            kind = 'ike'
            fl.check(body[:4] == b'\0\0\0\0', 'frame %d: no non-ESP marker' % i)
            fl.check(flag(row, 'udpencap.non_esp_marker') and
                     row['isakmp.ispi'] == [body[4:12].hex()] and
                     row['isakmp.exchangetype'] == ['34'],
                     'frame %d: tshark does not see IKE_SA_INIT after the marker: %s %s %s'
                     % (i, row['frame.protocols'], row['isakmp.ispi'],
                        row['isakmp.exchangetype']))
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def is_nonesp(fr):
    fam, hl, proto, _, _, _ = ip_parts(fr)
    body = fr[14 + hl + 8:]
    return proto == 17 and (body == b'\xff' or body[:4] == b'\0\0\0\0')


def default_start(sa):
    return ESN_START + 1 if sa['esn'] else 1


def scenario(fl, gen, tmp, name, sas, args, bad=False, start=default_start, ike=0):
    conf = os.path.join(tmp, name + '.conf')
    write_conf(conf, sas)
    out, exp, man = (os.path.join(tmp, name + s) for s in ('.pcap', '.exp.pcap', '.json'))
    C.ov2gen(gen, conf, out, args, exp, man)
    frames, expect = C.read_frames(out), C.read_frames(exp)
    rows = tshark(out, sas, tmp)
    ck = Interop(Prefixed(fl, name), sas)
    fl.check(len(rows) == len(frames), '%s: tshark saw %d frames of %d'
             % (name, len(rows), len(frames)))
    sas_udp = [sa for sa in sas if sa['udp']]
    e = 0
    n_esp = 0
    for i, (fr, row) in enumerate(zip(frames, rows)):
        if is_nonesp(fr):
            ck.nonesp(fr, row, expect[e] if e < len(expect) else b'', i, sas_udp)
            e += 1
        elif bad:
            ck.bad_icv(fr, row, i, start)
            n_esp += 1
        else:
            if not fl.check(e < len(expect), '%s: --expect too short' % name):
                break
            ck.good(fr, row, expect[e], i, start)
            e += 1
            n_esp += 1
    fl.check(e == len(expect), '%s: %d --expect frames, %d used' % (name, len(expect), e))
    with open(man) as f:
        manifest = json.load(f)
    kinds = manifest['kinds']
    fl.check(kinds.get('ike', {}).get('packets', 0) == ike and
             kinds.get('nat-keepalive', {}).get('packets', 0) == ike and
             ck.kinds.get('ike', 0) == ike and ck.kinds.get('nat-keepalive', 0) == ike,
             '%s: IKE / keep-alives: manifest %s, seen %s, want %d each'
             % (name, kinds, ck.kinds, ike))
    fl.check(manifest['delivered'] == len(expect), '%s: manifest delivered %d, --expect %d'
             % (name, manifest['delivered'], len(expect)))
    print('%s: %d frames (%d ESP, %d IKE, %d keep-alives), %d SAs'
          % (name, len(frames), n_esp, ck.kinds.get('ike', 0),
             ck.kinds.get('nat-keepalive', 0), len(sas)))
    return ck


def cli_checks(fl, gen, tmp, sas):
    """Errors of the new options: a sequence number past 2^32 needs ESN;
    --ike needs a udp-encap SA."""
    conf = os.path.join(tmp, 'cli.conf')
    plain = [sa for sa in sas if not sa['esn'] and not sa['udp']][:2]
    write_conf(conf, plain)
    out = os.path.join(tmp, 'cli.pcap')
    for args, msg in ((['--seq-start', '4294967296'], 'has no esn'),
                      (['--seq-start', '4294967295', '--count', '2'], 'has no esn'),
                      (['--ike', '1'], 'none of the selected SAs has udp-encap')):
        p = subprocess.run([gen, '-f', conf, '-o', out] + args, capture_output=True,
                           text=True, timeout=60)
        fl.check(p.returncode != 0 and msg in p.stderr and not os.path.exists(out),
                 'ov2gen %s: exit %d, %r, output left: %s'
                 % (' '.join(args), p.returncode, p.stderr.strip(), os.path.exists(out)))


def ov2rx_check(gen, rx):
    """ov2rx receives ov2gen's traffic for every algorithm, ESN and UDP-ESP
    (with IKE packets and NAT keep-alives mixed in)."""
    fl = C.Failures('ov2gen_algos_ov2rx')
    tmp = C.tmpdir('algos_rx')
    sas = make_sas()
    small = [sa for sa in sas if sa['mode'] != 'transport' or ':' not in sa['dst']]
    faults = sum((['--fault', '%s:%d' % (k, len(sas) // 4)] for k in C.FAULTS), [])
    for name, group, args in (
            ('good', sas, ['--count', '4', '--sizes', '48,97,200,1400', '--ike', '8']),
            ('faults', sas, ['--count', '2', '--sizes', '48,61,333', '--cleartext', '5'] +
             faults),
            ('small', small, ['--count', '3', '--sizes', '28,29,30,31', '--inner-family', '4'])):
        conf, inp, exp, man, out, st = (os.path.join(tmp, name + x) for x in (
            '.conf', '.in.pcap', '.exp.pcap', '.json', '.out.pcap', '.stats.json'))
        write_conf(conf, group)
        print(C.ov2gen(gen, conf, inp, args, exp, man).stdout.strip())
        with open(man) as f:
            manifest = json.load(f)
        stats, _ = C.ov2rx(rx, tmp, 'algos_rx_' + name, conf, inp, out, st, timeout=600)
        C.compare_frames(fl, C.read_frames(out), C.read_frames(exp), name + ': delivered')
        C.check_stats(fl, stats, manifest, name)
    fl.finish(tmp)


def main():
    gen = sys.argv[1]
    if len(sys.argv) > 2:
        ov2rx_check(gen, sys.argv[2])
        return
    if shutil.which('tshark') is None:
        print('SKIP: tshark is not installed (Debian package tshark; '
              'scripts/setup.sh installs it)')
        sys.exit(77)
    print(tshark_version())
    fl = C.Failures('tshark_interop')
    tmp = C.tmpdir('tshark')
    sas = make_sas()
    # 1. every SA: 4 good packets each (sizes cycling; ESN SAs cross 2^32:
    #    'esn 4294967293' gives 4294967294 .. 4294967297), IKE + keep-alives
    good = scenario(fl, gen, tmp, 'all', sas,
                    ['--count', '4', '--sizes', '48,97,200,1400', '--ike', '12'], ike=12)
    # 2. one corrupted ICV per SA
    bad = scenario(fl, gen, tmp, 'bad-icv', sas,
                   ['--count', '0', '--fault', 'bad-icv:%d' % len(sas)], bad=True)
    # 3. ESN SAs from an explicit --seq-start beyond 2^32 (high half 1 -> 2),
    #    tunnels carrying IPv6
    esn = [sa for sa in sas if sa['esn']]
    spis = sum((['--spi', str(sa['spi'])] for sa in esn), [])
    scenario(fl, gen, tmp, 'esn-high', esn,
             spis + ['--count', '3', '--seq-start', str(0x1fffffffe), '--inner-family', '6',
                     '--size', '333'], start=lambda sa: 0x1fffffffe)
    # 4. tunnels carrying IPv4 (IPv4 in IPv6 too) and IPv4 transport, the
    #    smallest packets: every padding length
    small = [sa for sa in sas[::3] if sa['mode'] != 'transport' or ':' not in sa['dst']]
    scenario(fl, gen, tmp, 'inner4', small,
             ['--count', '4', '--inner-family', '4', '--sizes', '28,29,30,31'])
    cli_checks(fl, gen, tmp, sas)

    # what was verified by whom
    print('algorithm                  tshark decrypted  tshark ICV good  tshark ESN '
          'mismatch  tshark bad-icv  python-cryptography')
    for label, _ in algo_list():
        d = good.verified.get(label, {})
        b = bad.verified.get(label, {})
        print('%-26s %16d %16d %20d %15d %20d' % (
            label, d.get('tshark_decrypted', 0), d.get('tshark_icv_good', 0),
            d.get('tshark_esn_mismatch', 0), b.get('tshark_icv_bad', 0), d.get('python', 0)))
    not_tshark = sorted({sa['label'] for sa in sas if not tshark_knows(sa)})
    print('not decrypted by tshark 4.0 (no ESP support for them), verified with '
          'python-cryptography only: %s' % ', '.join(not_tshark))
    print('ESN SAs: tshark 4.0 has no ESN, so it decrypts them but reports their ICV '
          'bad (checked: the ICV includes the high half); python-cryptography verifies '
          'the ICV with the high half')
    for label, _ in algo_list():
        d = good.verified.get(label, {})
        if any(sa['label'] == label and tshark_knows(sa) for sa in sas):
            fl.check(d.get('tshark_decrypted', 0) > 0 and d.get('tshark_icv_good', 0) > 0 and
                     bad.verified.get(label, {}).get('tshark_icv_bad', 0) > 0,
                     '%s: never decrypted, authenticated and refused by tshark' % label)
        fl.check(d.get('python', 0) > 0, '%s: never verified' % label)
    fl.finish(tmp)


if __name__ == '__main__':
    main()
