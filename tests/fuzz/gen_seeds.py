#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed inputs for the packet harness (tests/fuzz/fuzz_packet.c) in its
input format, so that libFuzzer starts from ESP that verifies and reaches
the decapsulation and trailer code:

- every frame of ov2gen pcaps (made for tests/fuzz/packet.conf), one seed
  each, and runs of consecutive frames (fragment pairs, several packets of
  one SA: replay window, lifetimes) under several port settings;
- the full-packet known-answer vectors of tests/vectors/esp-kat.txt (D01,
  D02, and C1 under an IPv4 header), whose SAs packet.conf holds;
- with --scapy (Debian's /usr/bin/python3 with python3-scapy), AH, the
  AH + ESP bundle and transport-in-tunnel nesting, which ov2gen does not
  build.

Seed format (see fuzz_packet.c): 2 header bytes (port settings), then per
frame: flags, 2-byte big-endian length, the frame.

usage: gen_seeds.py OUTDIR [--pcap FILE]... [--kat FILE] [--scapy]
"""

import hashlib
import os
import struct
import sys

ETH4 = bytes.fromhex('020000000002020000000001') + b'\x08\x00'
ETH6 = bytes.fromhex('020000000002020000000001') + b'\x86\xdd'

# header byte 0: enable AH + ESP (3), policy (4), reassembly (8), differential (0x40)
SETTINGS = [(0x0b, 0x00), (0x0f, 0x00), (0x08, 0x00), (0x0b, 0x01), (0x3b, 0x04), (0x4b, 0x00),
            (0x4f, 0x00)]


def pcap_frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise SystemExit('%s: not a pcap file' % path)
    off, frames = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(end + 'IIII', data[off:off + 16])[2]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def seed(frames, settings=(0x0b, 0x00), flags=None):
    out = bytearray(settings)
    for i, fr in enumerate(frames):
        out += bytes([flags[i] if flags else 0]) + struct.pack('>H', len(fr)) + fr
    return bytes(out)


def kat_packets(path):
    blocks, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith('### '):
                cur = line.split()[1]
                blocks[cur] = {}
            elif cur and ':' in line:
                k, v = line.split(':', 1)
                blocks[cur][k.strip()] = v.strip()
    pkts = []
    for case in ('D01', 'D02'):
        if case in blocks and 'pkt' in blocks[case]:
            pkts.append(ETH4 + bytes.fromhex(blocks[case]['pkt']))
    c1 = blocks.get('C1')
    if c1:
        esp = (bytes.fromhex(c1['spi']) + bytes.fromhex(c1['seq']) +
               bytes.fromhex(c1['iv']) + bytes.fromhex(c1['ctext_tag']))
        pkts.append(ETH4 + ipv4(esp, 50, '192.168.1.2', '192.168.1.1'))
    return pkts


def ipv4(payload, proto, src, dst):
    a = bytes(int(x) for x in src.split('.'))
    b = bytes(int(x) for x in dst.split('.'))
    h = bytearray(struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64,
                              proto, 0, a, b))
    s = sum(struct.unpack('>10H', bytes(h)))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    h[10:12] = struct.pack('>H', ~s & 0xffff)
    return bytes(h) + payload


def conf_keys(conf_path):
    """SPI -> the words of its 'sa in' line (keys as bytes)."""
    text = open(conf_path).read().replace('\\\n', '')
    sas = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) > 2 and w[0] == 'sa' and w[1] == 'in':
            d = {}
            for i, x in enumerate(w[:-1]):
                if x.endswith('_key'):
                    d[x] = bytes.fromhex(w[i + 1].replace(':', ''))
            sas[int(w[2], 0)] = d
    return sas


def scapy_frames(conf_path):
    """AH (IPv4 transport, IPv6 tunnel), the AH + ESP bundle and ESP
    transport nested in tunnel SA 1000, made by scapy's ipsec layer."""
    from scapy.all import IP, IPv6, UDP, Raw, raw
    from scapy.layers.ipsec import AH, ESP, SecurityAssociation

    keys = conf_keys(conf_path)
    pl = Raw(bytes(range(48)))

    def gcm(spi, tunnel=None):
        k = keys[spi]['aead_key']
        return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM', crypt_key=k,
                                   auth_algo='NULL', tunnel_header=tunnel)

    out = []
    inner4 = IP(src='10.0.0.1', dst='10.0.0.2') / UDP(sport=1234, dport=5678) / pl
    # AH transport IPv4, SA 1100 (HMAC-SHA-256-128)
    ah = SecurityAssociation(AH, spi=1100, auth_algo='SHA2-256-128',
                             auth_key=keys[1100]['auth_key'])
    p = IP(src='172.16.1.5', dst='172.16.2.5') / UDP(sport=7, dport=9) / pl
    for seq in (1, 2):
        out.append(ETH4 + raw(ah.encrypt(p, seq_num=seq)))
    # AH tunnel IPv6, SA 1101 (HMAC-SHA1-96)
    ah6 = SecurityAssociation(AH, spi=1101, auth_algo='HMAC-SHA1-96',
                              auth_key=keys[1101]['auth_key'],
                              tunnel_header=IPv6(src='2001:db8:1::5', dst='2001:db8:2::5'))
    q = IPv6(src='2001:db8:1::1', dst='2001:db8:2::1') / UDP(sport=7, dport=9) / pl
    out.append(ETH6 + raw(ah6.encrypt(q, seq_num=1)))
    # AH + ESP bundle, IPv4 tunnel: ESP 1104 (tunnel), then AH 1103 over it
    esp = gcm(1104, IP(src='172.16.1.10', dst='172.16.2.10'))
    e = esp.encrypt(inner4, seq_num=1)
    # scapy 2.5 signs AH over ESP wrongly: the e2e tests' AH-only variant
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
    from ah_nest_scapy import _ah_only
    bah = SecurityAssociation(AH, spi=1103, auth_algo=_ah_only('SHA2-256-128'),
                              auth_key=keys[1103]['auth_key'])
    out.append(ETH4 + raw(bah.encrypt(IP(raw(e)), seq_num=1)))
    # nesting: ESP transport SA 1200 (to 10.0.0.2) inside tunnel SA 1000
    t = gcm(1200).encrypt(inner4, seq_num=1)
    outer = gcm(1000, IP(src='172.16.1.5', dst='172.16.2.5'))
    out.append(ETH4 + raw(outer.encrypt(IP(raw(t)), seq_num=1)))
    # UDP-ESP transport SA 1201 (to 10.0.0.3, port 4500) inside tunnel SA 1000
    inner3 = IP(src='10.0.0.1', dst='10.0.0.3') / UDP(sport=1234, dport=5678) / pl
    t3 = IP(raw(gcm(1201).encrypt(inner3, seq_num=1)))
    espb = raw(t3)[20:]
    u = IP(src='10.0.0.1', dst='10.0.0.3') / UDP(sport=4500, dport=4500, chksum=0) / Raw(espb)
    out.append(ETH4 + raw(outer.encrypt(IP(raw(u)), seq_num=2)))
    return out


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    outdir, pcaps, kat, use_scapy = args[0], [], None, False
    i = 1
    while i < len(args):
        if args[i] == '--pcap':
            pcaps.append(args[i + 1])
            i += 2
        elif args[i] == '--kat':
            kat = args[i + 1]
            i += 2
        elif args[i] == '--scapy':
            use_scapy = True
            i += 1
        else:
            raise SystemExit('gen_seeds.py: unknown argument %s' % args[i])
    os.makedirs(outdir, exist_ok=True)
    seeds = []
    frames = []
    for p in pcaps:
        frames += pcap_frames(p)
    if kat:
        frames += kat_packets(kat)
    if use_scapy:
        conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'packet.conf')
        sf = scapy_frames(conf)
        frames += sf
        seeds.append(seed(sf, (0x0f, 0x00)))
    for fr in frames:
        seeds.append(seed([fr]))
    for n, (b0, b1) in enumerate(SETTINGS):
        for j in range(n, len(frames), 6):
            seeds.append(seed(frames[j:j + 6], (b0, b1)))
    # jumbo frames as chains, split early in the first segment
    for fr in frames:
        if len(fr) > 1500:
            seeds.append(seed([fr], (0x0b, 0), [0x10 << 3]))
    for s in seeds:
        name = hashlib.sha1(s).hexdigest()
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(s)
    print('gen_seeds: %d seeds in %s' % (len(seeds), outdir))


if __name__ == '__main__':
    main()
