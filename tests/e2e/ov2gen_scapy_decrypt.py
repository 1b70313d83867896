#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ov2gen against independent ESP implementations: every frame ov2gen writes
is parsed and decrypted here (scapy's ipsec layer for the delivered packets,
python-cryptography's AES-GCM for trailers), classified as good / fault kind /
cleartext, and the delivered packets must equal ov2gen's --expect pcap byte
for byte; the classification must give ov2gen's --manifest.

IPv4 options and fragments are delivered: ov2rx's consumer processes them in
software. Fragments are reassembled here twice (by hand as RFC 791 / RFC 8200
4.5 say, and by scapy's defragment), then decrypted like any packet; options
stay in a transport packet's header (scapy keeps them too).

usage: ov2gen_scapy_decrypt.py OV2GEN"""

import json
import os
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, IPv6, UDP, Ether, raw
from scapy.layers.inet import defragment
from scapy.layers.inet6 import defragment6
from scapy.layers.ipsec import IPSecIntegrityError

import e2e_common as C


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def ip_bytes(text):
    import ipaddress
    return ipaddress.ip_address(text).packed


def gcm_open(sa, esp):
    """Plaintext of an ESP packet (SPI..ICV), or None if the ICV is wrong."""
    km = sa['keymat']
    key, salt = km[:-4], km[-4:]
    try:
        return AESGCM(key).decrypt(salt + esp[8:16], esp[16:], esp[:8])
    except InvalidTag:
        return None


class Frame:
    """The outer IP packet of one Ethernet frame, parsed by hand."""

    def __init__(self, fr):
        self.fr = fr
        self.ethertype = struct.unpack('!H', fr[12:14])[0]
        self.ip = fr[14:]
        ip = self.ip
        if self.ethertype == 0x0800:
            self.family = 4
            self.hl = (ip[0] & 0xf) * 4
            self.total = struct.unpack('!H', ip[2:4])[0]
            self.proto = ip[9]
            self.frag = struct.unpack('!H', ip[6:8])[0]
            self.src, self.dst = ip[12:16], ip[16:20]
        else:
            self.family = 6
            self.hl = 40
            self.total = 40 + struct.unpack('!H', ip[4:6])[0]
            self.proto = ip[6]
            self.frag = 0
            self.src, self.dst = ip[8:24], ip[24:40]

    def is_fragment(self):
        return (self.family == 4 and self.frag & 0x3fff) or \
            (self.family == 6 and self.proto == 44)


class Checker:
    def __init__(self, fl, sas, ordered=True):
        self.fl = fl
        self.by_spi = {sa['spi']: sa for sa in sas}
        self.ordered = ordered
        self.last_seq = {}
        self.ivs = set()
        self.kinds = {}
        self.delivered = []
        self.man = C.new_manifest()

    # -- outcome bookkeeping (the manifest, recomputed here) -----------
    def outcome(self, kind, frames=1, status=None, drop=None, delivered=False,
                software=False):
        """One packet of `frames` frames (see e2e_common.manifest_count)."""
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        C.manifest_count(self.man, kind, frames, status, drop, delivered, software)

    def check_outer(self, f, i):
        ip, fl = f.ip, self.fl
        if f.family == 4:
            fl.check(csum16(ip[:f.hl]) == 0xffff, 'frame %d: outer IPv4 checksum' % i)
            fl.check(ip[8] == 64, 'frame %d: TTL %d' % (i, ip[8]))
            fl.check(f.frag & 0x4000 == 0, 'frame %d: DF set' % i)
        else:
            fl.check(ip[7] == 64, 'frame %d: hop limit %d' % (i, ip[7]))
            fl.check(struct.unpack('!I', ip[:4])[0] == 0x60000000,
                     'frame %d: IPv6 version/class/flow label' % i)
        fl.check(f.fr[:12] == bytes.fromhex('020000000002020000000001'),
                 'frame %d: MAC addresses' % i)

    def check_seq_iv(self, sa, esp, i):
        seq = struct.unpack('!I', esp[4:8])[0]
        key = (sa['spi'], esp[8:16])
        self.fl.check(key not in self.ivs, 'frame %d: IV reused on SA 0x%x' % (i, sa['spi']))
        self.ivs.add(key)
        last = self.last_seq.get(sa['spi'], 0)
        self.fl.check(seq > last, 'frame %d: seq %d after %d on SA 0x%x'
                      % (i, seq, last, sa['spi']))
        if self.ordered and last:
            self.fl.check(seq == last + 1, 'frame %d: seq %d, expected %d' % (i, seq, last + 1))
        self.last_seq[sa['spi']] = seq
        return seq

    def sa_of(self, f, esp):
        spi = struct.unpack('!I', esp[:4])[0]
        return self.by_spi.get(spi)

    # -- the kinds ----------------------------------------------------
    def cleartext(self, f, i):
        fl = self.fl
        fl.check(f.proto == 17, 'frame %d: cleartext protocol %d' % (i, f.proto))
        port = struct.unpack('!HH', f.ip[f.hl:f.hl + 4])
        fl.check(500 not in port and 4500 not in port, 'frame %d: IKE port' % i)
        self.check_udp(f.fr[14:], i)
        self.delivered.append(f.fr)
        self.outcome('cleartext', delivered=True)

    def check_udp(self, ipraw, i):
        pkt = IP(ipraw) if ipraw[0] >> 4 == 4 else IPv6(ipraw)
        if UDP not in pkt:
            return
        ck = pkt[UDP].chksum
        del pkt[UDP].chksum
        pkt = pkt.__class__(raw(pkt))
        self.fl.check(ck == pkt[UDP].chksum, 'frame %d: UDP checksum %04x, want %04x'
                      % (i, ck, pkt[UDP].chksum))
        if pkt.version == 4:
            hl = (ipraw[0] & 0xf) * 4
            self.fl.check(csum16(ipraw[:hl]) == 0xffff, 'frame %d: inner IPv4 checksum' % i)

    def fragment(self, frames, i):
        fl = self.fl
        a, b = Frame(frames[i]), Frame(frames[i + 1]) if i + 1 < len(frames) else None
        if not fl.check(b is not None and b.is_fragment(), 'frame %d: lone fragment' % i):
            return 1
        if a.family == 4:
            fl.check(a.frag == 0x2000 and b.frag & 0x2000 == 0, 'frame %d: fragment flags' % i)
            off = (b.frag & 0x1fff) * 8
            d1, d2 = a.ip[a.hl:a.total], b.ip[b.hl:b.total]
            fl.check(a.proto == 50 and b.proto == 50, 'frame %d: fragment protocol' % i)
        else:
            h1, h2 = a.ip[40:48], b.ip[40:48]
            fl.check(h1[0] == 50 and h2[0] == 50, 'frame %d: fragment next header' % i)
            o1, o2 = struct.unpack('!H', h1[2:4])[0], struct.unpack('!H', h2[2:4])[0]
            fl.check(o1 == 1 and o2 & 1 == 0, 'frame %d: fragment offsets/M' % i)
            fl.check(h1[4:8] == h2[4:8], 'frame %d: fragment ids differ' % i)
            off = o2 & 0xfff8
            d1, d2 = a.ip[48:a.total], b.ip[48:b.total]
        fl.check(off == len(d1) and off % 8 == 0, 'frame %d: fragment offset %d' % (i, off))
        fl.check(abs(len(d1) - len(d2)) <= 16, 'frame %d: fragments not about half' % i)
        esp = d1 + d2
        self.check_outer(a, i)
        self.check_outer(b, i + 1)
        whole = self.reassemble(a, b, esp, i)
        sa = self.sa_of(a, esp)
        pt = None
        if fl.check(sa is not None, 'frame %d: fragment of unknown SA' % i):
            self.check_seq_iv(sa, esp, i)
            pt = gcm_open(sa, esp)
            fl.check(pt is not None, 'frame %d: reassembled ESP invalid' % i)
        if pt is None or whole is None:
            self.outcome('fragment', frames=2)
            return 2
        # ov2rx reassembles, then its software path decrypts: delivered
        # like the unfragmented packet
        self.decrypted(Frame(whole), i, sa, pt, kind='fragment', frames=2)
        return 2

    def reassemble(self, a, b, esp, i):
        """The frame of the packet the fragments a, b came from (RFC 791:
        the first fragment's header, MF and offset clear, total length and
        checksum recomputed; RFC 8200 4.5: the fragment header removed, its
        next header in the IPv6 header, payload length recomputed), checked
        against scapy's reassembly."""
        if a.family == 4:
            hdr = bytearray(a.ip[:a.hl])
            hdr[2:4] = struct.pack('!H', a.hl + len(esp))
            hdr[6:8] = struct.pack('!H', a.frag & 0x4000)
            hdr[10:12] = b'\0\0'
            hdr[10:12] = struct.pack('!H', 0xffff - csum16(bytes(hdr)))
            whole = a.fr[:14] + bytes(hdr) + esp
            sc = defragment([Ether(a.fr), Ether(b.fr)])
        else:
            hdr = bytearray(a.ip[:40])
            hdr[4:6] = struct.pack('!H', len(esp))
            hdr[6] = a.ip[40]
            whole = a.fr[:14] + bytes(hdr) + esp
            sc = defragment6([Ether(a.fr), Ether(b.fr)])
            sc = [sc] if sc is not None else []
        ok = len(sc) == 1 and raw(sc[0]) == whole
        if not self.fl.check(ok, 'frame %d: reassembled by hand and by scapy differ' % i):
            print('  hand  %s' % whole.hex())
            print('  scapy %s' % (raw(sc[0]).hex() if len(sc) == 1 else sc))
        return whole

    def ipv4_options(self, f, i):
        fl = self.fl
        fl.check(f.hl == 24 and f.ip[20:24] == b'\x01\x01\x01\x00',
                 'frame %d: IPv4 options %s' % (i, f.ip[20:f.hl].hex()))
        esp = f.ip[f.hl:f.total]
        sa = self.sa_of(f, esp)
        self.check_outer(f, i)
        pt = None
        if fl.check(sa is not None, 'frame %d: options on unknown SA' % i):
            self.check_seq_iv(sa, esp, i)
            pt = gcm_open(sa, esp)
            fl.check(pt is not None, 'frame %d: ESP behind options invalid' % i)
        if pt is None:
            self.outcome('ipv4-options')
            return
        # the consumer's software path decrypts it; transport mode keeps the
        # options (RFC 4303 3.4.4.1 removes ESP only), as scapy does
        self.decrypted(f, i, sa, pt, kind='ipv4-options')

    def wrong_proto(self, f, i):
        fl = self.fl
        ah = f.ip[f.hl:f.hl + 28]
        esp = f.ip[f.hl + 28:f.total]
        fl.check(ah[0] == 50 and ah[1] == 5 and ah[2:4] == b'\0\0', 'frame %d: AH header' % i)
        fl.check(ah[4:12] == esp[:8], 'frame %d: AH SPI/seq differ from ESP' % i)
        sa = self.sa_of(f, esp)
        if fl.check(sa is not None, 'frame %d: AH of unknown SA' % i):
            self.check_seq_iv(sa, esp, i)
            fl.check(gcm_open(sa, esp) is not None, 'frame %d: ESP behind AH invalid' % i)
        self.check_outer(f, i)
        self.outcome('wrong-proto', status='CRYPTO_INVALID_PROTOCOL', drop='invalid_protocol')

    def truncated(self, f, i):
        self.fl.check(f.total - len(f.ip) == 20, 'frame %d: cut by %d bytes, not 20'
                      % (i, f.total - len(f.ip)))
        sa = self.sa_of(f, f.ip[f.hl:])
        if self.fl.check(sa is not None, 'frame %d: truncated, unknown SA' % i):
            self.check_seq_iv(sa, f.ip[f.hl:], i)
        self.outcome('truncated', status='CRYPTO_INVALID_PACKET_SYNTAX',
                     drop='invalid_packet_syntax')

    def esp(self, f, i):
        fl = self.fl
        self.check_outer(f, i)
        fl.check(f.total == len(f.ip), 'frame %d: IP length %d, %d bytes' % (i, f.total, len(f.ip)))
        esp = f.ip[f.hl:f.total]
        sa = self.sa_of(f, esp)
        if sa is None:
            spis = [s for s in self.by_spi if s ^ 0x5a5a0000 == struct.unpack('!I', esp[:4])[0]]
            if fl.check(len(spis) == 1, 'frame %d: SPI %s unknown' % (i, esp[:4].hex())):
                self.check_seq_iv(self.by_spi[spis[0]], esp, i)
            self.outcome('unknown-spi', drop='no_sa')
            return
        self.check_seq_iv(sa, esp, i)
        src, dst = C.sa_addrs(sa)
        if sa['src']:
            fl.check(f.src == ip_bytes(src), 'frame %d: outer source' % i)
        if f.dst != ip_bytes(dst):
            want = bytearray(ip_bytes(dst))
            want[-1] = (want[-1] + 1) & 0xff
            fl.check(f.dst == bytes(want) and sa['dst'], 'frame %d: wrong-dst is not dst+1' % i)
            fl.check(gcm_open(sa, esp) is not None, 'frame %d: wrong-dst ESP invalid' % i)
            self.outcome('wrong-dst', drop='no_sa')
            return
        pt = gcm_open(sa, esp)
        if pt is None:
            fixed = esp[:-1] + bytes([esp[-1] ^ 0xff])
            fl.check(gcm_open(sa, fixed) is not None, 'frame %d: ICV wrong, not by last byte' % i)
            mode = 'TUNNEL' if C.is_tunnel(sa) else 'TRANSPORT'
            self.outcome('bad-icv', status='CRYPTO_%s_ESP_AUTH_FAILED' % mode,
                         drop='%s_esp_auth_failed' % mode.lower())
            return
        self.decrypted(f, i, sa, pt)

    def decrypted(self, f, i, sa, pt, kind='good', frames=1):
        """A packet that decrypts: classified by its trailer and payload.
        kind (not 'good'): a packet ov2rx's consumer processes in software,
        which must be an otherwise good one."""
        fl = self.fl
        software = kind != 'good'
        if software:
            fl.check(pt[-1] in (4, 41, 17) and pt[len(pt) - 2 - pt[-2]:-2] ==
                     bytes(range(1, pt[-2] + 1)), 'frame %d: %s packet not otherwise good'
                     % (i, kind))
        padlen, nh = pt[-2], pt[-1]
        pad = pt[len(pt) - 2 - padlen:-2]
        payload = pt[:len(pt) - 2 - padlen]
        fl.check(len(pt) % 4 == 0, 'frame %d: ESP payload not 4-byte aligned' % i)
        if pad != bytes(range(1, padlen + 1)):
            fl.check(padlen >= 1 and pad[1:] == bytes(range(2, padlen + 1)),
                     'frame %d: bad-pad corrupts more than pad byte 1' % i)
            self.outcome('bad-pad', status='CRYPTO_SUCCESS', drop='bad_padding')
            return
        if C.is_tunnel(sa) and nh == 4 and payload[0] >> 4 == 0:
            self.outcome('bad-inner', status='CRYPTO_SUCCESS', drop='bad_inner_packet')
            return
        if C.is_tunnel(sa):
            fl.check(nh == {4: 4, 6: 41}.get(payload[0] >> 4), 'frame %d: next header %d' % (i, nh))
        else:
            fl.check(nh == 17, 'frame %d: transport next header %d' % (i, nh))
        self.good(f, i, sa, payload, kind, frames, software)

    def good(self, f, i, sa, payload, kind='good', frames=1, software=False):
        """scapy decrypts the packet: that is the frame ov2rx must deliver."""
        fl = self.fl
        pkt = IP(f.ip) if f.family == 4 else IPv6(f.ip)
        try:
            res = C.scapy_sa(sa).decrypt(pkt)
        except IPSecIntegrityError:
            fl.check(False, 'frame %d: scapy says the ICV is wrong' % i)
            return
        body = raw(res)
        if C.is_tunnel(sa):
            fl.check(body == payload, 'frame %d: scapy and AESGCM disagree' % i)
        else:
            fl.check(body[f.hl:] == payload, 'frame %d: scapy and AESGCM disagree' % i)
        et = b'\x08\x00' if body[0] >> 4 == 4 else b'\x86\xdd'
        self.check_udp(body, i)
        self.delivered.append(f.fr[:12] + et + body)
        self.outcome(kind, frames, status='CRYPTO_SUCCESS', delivered=True, software=software)

    def run(self, frames):
        i = 0
        while i < len(frames):
            f = Frame(frames[i])
            if f.is_fragment():
                i += self.fragment(frames, i)
                continue
            if f.proto not in (50, 51):
                self.cleartext(f, i)
            elif f.family == 4 and f.hl != 20:
                self.ipv4_options(f, i)
            elif f.total > len(f.ip):
                self.truncated(f, i)
            elif f.proto == 51:
                self.wrong_proto(f, i)
            else:
                self.esp(f, i)
            i += 1


def scenario(fl, gen, tmp, name, sas, args, want_kinds):
    conf = os.path.join(tmp, name + '.conf')
    C.write_conf(conf, sas)
    out, exp, man = (os.path.join(tmp, name + s) for s in ('.pcap', '.exp.pcap', '.json'))
    C.ov2gen(gen, conf, out, args, exp, man)
    frames = C.read_frames(out)
    ck = Checker(fl, sas, ordered='--random-order' not in args)
    ck.run(frames)
    C.compare_frames(fl, C.read_frames(exp), ck.delivered, name + ': --expect vs scapy')
    with open(man) as f:
        manifest = json.load(f)
    fl.check(manifest == ck.man, '%s: manifest %s\n  recomputed %s' % (name, manifest, ck.man))
    for k, n in want_kinds.items():
        fl.check(ck.kinds.get(k, 0) == n, '%s: %d %s frames, expected %d'
                 % (name, ck.kinds.get(k, 0), k, n))
    # Same options, same bytes.
    out2 = os.path.join(tmp, name + '.again.pcap')
    C.ov2gen(gen, conf, out2, args)
    fl.check(C.read_frames(out2) == frames, '%s: output not deterministic' % name)
    print('%s: %d frames, kinds %s' % (name, len(frames), ck.kinds))


def main():
    gen = sys.argv[1]
    fl = C.Failures('ov2gen_scapy_decrypt')
    tmp = C.tmpdir('decrypt')
    sas = C.SAS_ALL
    n = len(sas)
    # three of every fault; fragments on every SA (IPv4 and IPv6, tunnel and
    # transport)
    kinds = {k: 3 for k in C.FAULTS}
    kinds['fragment'] = n
    faults = sum((['--fault', '%s:%d' % (k, kinds[k])] for k in C.FAULTS), [])
    kinds.update({'good': 4 * n, 'cleartext': 6})
    scenario(fl, gen, tmp, 'all', sas,
             ['--count', '4', '--sizes', '48,97,128,333,1400'] + faults + ['--cleartext', '6'],
             kinds)
    scenario(fl, gen, tmp, 'inner6', sas,
             ['--count', '3', '--inner-family', '6', '--size', '200', '--seq-start', '4294967290',
              '--fault', 'bad-inner:2', '--fault', 'bad-pad:7'],
             {'good': 3 * n, 'bad-inner': 2, 'bad-pad': 7})
    scenario(fl, gen, tmp, 'inner4-random', sas,
             ['--count', '20', '--inner-family', '4', '--sizes', '48,64,65,66,67',
              '--random-order', '--seed', '7', '--cleartext', '3'],
             {'good': 20 * n, 'cleartext': 3})
    v4 = [sa for sa in sas if C.outer_family(sa) == 4]
    scenario(fl, gen, tmp, 'v4-small', v4,
             ['--count', '5', '--sizes', '28,29,30,31', '--inner-family', '4',
              '--fault', 'ipv4-options:4', '--fault', 'fragment:2', '--cleartext', '4'],
             {'good': 5 * len(v4), 'ipv4-options': 4, 'fragment': 2, 'cleartext': 4})
    scenario(fl, gen, tmp, 'spi-select', sas,
             ['--spi', str(sas[1]['spi']), '--count', '2', '--fault', 'wrong-dst:2'],
             {'good': 2, 'wrong-dst': 2})
    fl.finish(tmp)


if __name__ == '__main__':
    main()
