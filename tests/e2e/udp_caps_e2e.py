#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP-encapsulated ESP (RFC 3948) and per-port OV2 capabilities end to end,
with traffic made by scapy 2.5 (SecurityAssociation(..., nat_t_header=UDP())).

Runs (one ov2rx process each, its own file prefix):
  udp       UDP-ESP SAs: AES-GCM and AES-CBC+HMAC-SHA-256, ipv4-tunnel (inner
            IPv4 and IPv6) and transport over IPv4, default port 4500 and
            'udp-encap 4501:4600' (packets to 4600); one ESN SA across 2^32.
            Good packets come out byte for byte (tunnel: the inner packet;
            transport: the original packet), corrupted copies (one ICV bit,
            one ciphertext bit) are dropped as *_esp_auth_failed, a wrong
            UDP checksum does not matter. IKE (non-ESP marker + IKEv2 or
            ISAKMP), NAT keep-alives (0xff), payloads shorter than an ESP
            header, ESP-looking UDP to the SA's *source* port 4501 and plain
            UDP: cleartext, delivered untouched, never counted as ESP.
            Plain ESP for a udp-encap SA and ESP in UDP (4500 and 4600) for an
            SA without udp-encap: invalid_protocol.
  policy    The same with an inbound policy: a bypass rule for UDP to 4500
            delivers IKE and keep-alives there; to 4600 (no bypass) they are
            policy_no_match; decrypted traffic needs its protect rule.
  noudp     No SA uses UDP-ESP: ESP in UDP to 4500 is plain cleartext UDP.
  caps_*    One traffic set (UDP-ESP GCM and CBC, plain ESP GCM, IPv6 outer,
            ESN, transport with and without IPv4 options, a transport SA
            without dst receiving IPv4 and IPv6) under the port default and
            --caps net_pcap0:+ipv4-options / -cbc / -udp-esp / -ipv6 / -esn:
            what the port cannot do is indicated without OOB (engine
            'unsupported') and processed by the consumer's software path
            (sw_processed): still delivered, same drops. The printed
            capability block matches the edit.
  badcaps   --caps with an unknown word, an unknown port, no list: exit 2,
            a clear message; '+ah,+udp-esp' must not advertise more than the
            software engine does; --caps twice for a port: both edits apply
            (or it is refused), the first is never silently lost.
Every run: every global counter, the port engine's counters, per-SA
counters, the accounting invariant, mbufs_in_use_at_exit == 0.

usage: udp_caps_e2e.py OV2RX"""

import os
import re
import struct
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from scapy.all import ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, IPv6, Raw, raw
from scapy.contrib.ikev2 import IKEv2, IKEv2_payload_Nonce, NAT_KEEPALIVE, NON_ESP
from scapy.layers.ipsec import AUTH_ALGOS, ESP, SecurityAssociation
from scapy.layers.isakmp import ISAKMP, ISAKMP_payload_SA

import algos_scapy as A
import e2e_common as C

MAC_DST = '02:00:00:00:ee:02'
MAC_SRC = '02:00:00:00:ee:01'
GCM = A.ALGOS['aes-128-gcm']
CBC = A.ALGOS['aes-128-cbc+sha256-hmac']
PEER4 = '203.0.113.10'		# the NAT's public address (tunnel source)
LOCAL4 = '192.0.2.50'		# this receiver
DELIVER = 'deliver'

# The port default (ov2_caps_port_default) as printed, with the
# --sa-capacity default; the edits the caps runs apply to it.
CAPS_DEFAULT = {
    'IPv6Supported': 'yes', 'IPv4Options': 'no', 'IPv6NonIPsecExtensionHeaders': 'no',
    'Ah': 'yes', 'Esp': 'yes', 'AhEspCombined': 'yes', 'Transport': 'yes', 'Tunnel': 'yes',
    'TransportTunnelCombined': 'yes', 'LsoSupported': 'no', 'ExtendedSequenceNumbers': 'yes',
    'UdpEsp': '0xf', 'AuthenticationAlgorithms': '0x3003f',
    'EncryptionAlgorithms': '0x101ff', 'SaOffloadCapacity': '65536',
}


def final(p):
    return p.__class__(raw(p))


def payload(n, k):
    return Raw(bytes((k * 29 + i * 13 + 3) & 0xff for i in range(n)))


def l4(k, n, family):
    kind = k % 3
    if kind == 0:
        return UDP(sport=20000 + k, dport=53) / payload(n, k)
    if kind == 1:
        return TCP(sport=30000 + k, dport=443, flags='PA', seq=k * 1000) / payload(n, k)
    if family == 4:
        return ICMP(id=k, seq=k) / payload(n, k)
    return ICMPv6EchoRequest(id=k, seq=k) / payload(n, k)


def inner(family, k, n, net=1):
    if family == 4:
        return final(IP(src='10.9.%d.1' % (k % 250), dst='10.%d.0.%d' % (net, k % 250 + 1),
                        ttl=63, id=k, tos=0x28) / l4(k, n, 4))
    return final(IPv6(src='2001:db8:9::%x' % (k + 1), dst='2001:db8:%x::1' % net, hlim=61,
                      tc=0x20, fl=k) / l4(k, n, 6))


# IPv4 options: record route (3 slots) + NOP + EOL padding: 16 bytes
OPTS = b'\x07\x0f\x04' + bytes(12) + b'\x00'


def ip_opts(**kw):
    """An IPv4 header (no payload) with OPTS, as scapy parses it."""
    b = bytearray(raw(IP(**kw)))
    b[0] = 0x49
    b[2:4] = struct.pack('!H', 36)
    h = IP(bytes(b[:20]) + OPTS)
    assert raw(h.options[0])[:3] == OPTS[:3] and h.ihl == 9
    del h.len
    del h.chksum
    return h


def transport_pkt(src, dst, k, n, options=False, family=4):
    if family == 6:
        return final(IPv6(src=src, dst=dst, hlim=60) / l4(k, n, 6))
    kw = dict(src=src, dst=dst, ttl=55, id=1000 + k, flags='DF')
    p = final((ip_opts(**kw) if options else IP(**kw)) / l4(k, n, 4))
    assert (raw(p)[0] & 0xf) == (9 if options else 5)
    return p


def esn_resign(b, algo, spi, hi, esp_off):
    """The HMAC ICV of ESP at esp_off redone with the ESN high half
    (RFC 4303 2.2.1; scapy 2.5 leaves it out; algos_scapy.esn_hmac_resign
    for ESP right after the IP header, here after a UDP header too)."""
    _, ak = algo.keys(spi)
    auth = AUTH_ALGOS[algo.auth]
    mac = auth.new_mac(ak)
    mac.update(b[esp_off:len(b) - auth.icv_size] + struct.pack('!I', hi))
    return b[:len(b) - auth.icv_size] + mac.finalize()[:auth.icv_size]


def strip_udp(b):
    """An IPv4 ESP-in-UDP packet as plain ESP (for scapy's own decryption)."""
    hl = (b[0] & 0xf) * 4
    ip = IP(b[:hl])
    ip.proto = 50
    ip.len = len(b) - 8
    del ip.chksum
    return raw(ip)[:hl] + b[hl + 8:]


class Run:
    """One ov2rx run: SAs, the frames in order, what must come out."""

    def __init__(self, fl, name, extra=(), sp=()):
        self.fl = fl
        self.name = name
        self.extra = list(extra)
        self.conf = ['# %s: generated by udp_caps_e2e.py' % name] + ['sp ' + r for r in sp]
        self.sas = {}
        self.events = []	# dicts: frame, outcome, out, spi, esp, attrs
        self.ivn = 0

    # -- configuration ----------------------------------------------------
    def add_sa(self, spi, algo, mode, src, dst, udp=None, esn=None, family=4):
        """mode 'ipv4-tunnel', 'ipv6-tunnel' or 'transport'; udp: None (no
        udp-encap), '' (udp-encap), 'P' or 'S:D'; esn: start or None."""
        words = '%s mode %s' % (algo.conf_words(spi), mode)
        if src:
            words += ' src %s' % src
        if dst:
            words += ' dst %s' % dst
        if udp is not None:
            words += (' udp-encap %s' % udp).rstrip()
        if esn is not None:
            words += ' esn 0x%x' % esn
        self.conf.append('sa in %d %s' % (spi, words))
        ports = None
        if udp is not None:
            ports = (4500, 4500) if udp == '' else tuple(int(x) for x in (
                udp.split(':') if ':' in udp else (udp, udp)))
        sa = {'spi': spi, 'algo': algo, 'mode': mode, 'tunnel': mode != 'transport',
              'src': src, 'dst': dst, 'ports': ports, 'esn': esn is not None,
              'family': 6 if mode == 'ipv6-tunnel' or family == 6 else 4,
              'fail': 'transport_esp_auth_failed' if mode == 'transport'
              else 'tunnel_esp_auth_failed',
              'delivered': 0, 'bytes': 0, 'drops': Counter(), 'top': 0,
              'life_packets': 0, 'life_bytes': 0}
        self.sas[spi] = sa
        return sa

    # -- traffic ----------------------------------------------------------
    def encrypt(self, sa, plain, seq, hi=None, nat='sa', outer_src=None, outer_opts=False):
        """scapy's ESP packet of plain (raw IP bytes) and its ciphertext
        length. nat: 'sa' (the SA's encapsulation), None (plain ESP) or a
        (sport, dport) pair."""
        algo = sa['algo']
        ports = sa['ports'] if nat == 'sa' else nat
        hdr = None
        if sa['tunnel']:
            s = outer_src or sa['src']
            if sa['family'] == 4:
                hdr = ip_opts(src=s, dst=sa['dst']) if outer_opts else IP(src=s, dst=sa['dst'])
            else:
                hdr = IPv6(src=s, dst=sa['dst'])
        ck, ak = algo.keys(sa['spi'])
        kw = dict(spi=sa['spi'], seq_num=seq, crypt_algo=algo.crypt, crypt_key=ck or None,
                  tunnel_header=hdr)
        if algo.hmac:
            kw.update(auth_algo=algo.auth, auth_key=ak)
        if hi is not None:
            kw.update(esn_en=True, esn=hi)
        plain_kw = dict(kw)
        if ports:
            kw['nat_t_header'] = UDP(sport=ports[0], dport=ports[1])
        ssa = SecurityAssociation(ESP, **kw)
        self.ivn += 1
        iv = struct.pack('!IIII', sa['spi'], seq, self.ivn, 0x5a5a5a5a)[:algo.iv]
        b = raw(ssa.encrypt(plain, seq_num=seq, iv=iv))
        v6 = b[0] >> 4 == 6
        hl = 40 if v6 else (b[0] & 0xf) * 4
        esp_off = hl + (8 if ports else 0)
        if ports:
            assert not v6 and b[9] == 17, 'UDP-ESP over IPv4 only here'
            # scapy 2.5 computes the UDP length before it appends the ESP
            # header (it writes 8): the real length
            assert struct.unpack('!H', b[hl + 4:hl + 6])[0] in (8, len(b) - hl)
            b = b[:hl + 4] + struct.pack('!H', len(b) - hl) + b[hl + 6:]
            sp, dp, ulen, ck_ = struct.unpack('!HHHH', b[hl:hl + 8])
            assert (sp, dp, ulen, ck_) == (ports[0], ports[1], len(b) - hl, 0), \
                (sp, dp, ulen, ck_)
        else:
            assert (b[6] if v6 else b[9]) == 50
        assert struct.unpack('!II', b[esp_off:esp_off + 8]) == (sa['spi'], seq)
        if hi is not None and algo.hmac:
            b = esn_resign(b, algo, sa['spi'], hi, esp_off)
        # scapy decrypts its own packet (as plain ESP: the same ESP bytes)
        chk = SecurityAssociation(ESP, **plain_kw)
        pb = strip_udp(b) if ports else b
        dec = chk.decrypt((IPv6 if v6 else IP)(pb), verify=not (hi is not None and algo.hmac))
        assert raw(dec) == raw(plain), '%s: scapy does not decrypt its own packet' % algo.label
        ct = len(b) - esp_off - 8 - algo.iv - algo.icv
        return b, ct

    @staticmethod
    def frame(ip):
        return raw(Ether(dst=MAC_DST, src=MAC_SRC,
                         type=0x86dd if ip[0] >> 4 == 6 else 0x0800)) + ip

    def out_frame(self, plain):
        return raw(Ether(dst=MAC_DST, src=MAC_SRC) / plain)

    def ev(self, frame, outcome, out=None, sa=None, esp=False, **attrs):
        self.events.append({'frame': frame, 'outcome': outcome, 'out': out,
                            'spi': sa['spi'] if sa else None, 'esp': esp, 'attrs': attrs})

    def good(self, sa, plain, seq, hi=None, copies=True, udp_cksum=None, outer_opts=False):
        """Corrupted copies (an ICV bit, a ciphertext bit), then the packet,
        delivered. udp_cksum: a UDP checksum to write (never checked)."""
        b, ct = self.encrypt(sa, plain, seq, hi, outer_opts=outer_opts)
        attrs = self.attrs(sa, b)
        if udp_cksum is not None:
            hl = (b[0] & 0xf) * 4
            b = b[:hl + 6] + struct.pack('!H', udp_cksum) + b[hl + 8:]
        if copies:
            icv = sa['algo'].icv
            for where in ('icv', 'ciphertext'):
                x = bytearray(b)
                i = len(x) - 1 - seq % icv if where == 'icv' else len(x) - icv - ct + seq % ct
                x[i] ^= 0x10
                self.ev(self.frame(bytes(x)), sa['fail'], None, sa, True, **attrs)
                sa['drops'][sa['fail']] += 1
        out = self.out_frame(plain)
        self.ev(self.frame(b), DELIVER, out, sa, True, **attrs)
        sa['delivered'] += 1
        sa['bytes'] += len(out)
        sa['life_packets'] += 1
        sa['life_bytes'] += ct
        sa['top'] = max(sa['top'], ((hi or 0) << 32) | seq)

    def bad(self, sa, b, reason, ct=None):
        """b, of sa, dropped for reason (ct: counted in the lifetime)."""
        self.ev(self.frame(b), reason, None, sa, True, **self.attrs(sa, b))
        sa['drops'][reason] += 1
        if ct is not None:
            sa['life_packets'] += 1
            sa['life_bytes'] += ct

    @staticmethod
    def attrs(sa, b):
        """What the packet needs from the port: UDP-ESP, CBC, ESN, an IPv6
        SA, an IPv6 packet, IPv4 options (outer header)."""
        return {'udp': sa['ports'] is not None, 'cbc': sa['algo'] is CBC, 'esn': sa['esn'],
                'v6sa': sa['family'] == 6 or ':' in (sa['dst'] or ''),
                'v6pkt': b[0] >> 4 == 6, 'opts': b[0] >> 4 == 4 and b[0] & 0xf > 5}

    def clear(self, ip, outcome=DELIVER):
        """A cleartext packet (scapy or raw IP bytes): delivered as it is
        (or dropped by policy)."""
        f = self.frame(ip if isinstance(ip, bytes) else raw(ip))
        self.ev(f, outcome, f if outcome == DELIVER else None)

    # -- run and check ----------------------------------------------------
    def write(self, tmp):
        d = os.path.join(tmp, self.name)
        os.makedirs(d, exist_ok=True)
        paths = [os.path.join(d, f) for f in ('ov2rx.conf', 'in.pcap', 'out.pcap', 'stats.json')]
        with open(paths[0], 'w') as f:
            f.write('\n'.join(self.conf) + '\n')
        C.write_pcap(paths[1], [e['frame'] for e in self.events])
        return paths

    def go(self, rx, tmp, engine=None, caps_edit=None, note=''):
        """Run ov2rx and check everything. engine(e) -> the port's engine
        processes ESP event e (default: all)."""
        conf, inp, out, stats = self.write(tmp)
        st, p = C.ov2rx(rx, tmp, 'udpcaps_' + self.name, conf, inp, out, stats, self.extra)
        self.check(st, C.read_frames(out), engine or (lambda e: True), note)
        self.check_caps_block(p.stdout, caps_edit or {})
        return st, p

    def check(self, st, got, engine, note=''):
        fl, n = self.fl, self.name
        want = [e['out'] for e in self.events if e['outcome'] == DELIVER]
        fl.check(len(got) == len(want), '%s: %d frames delivered, expected %d'
                 % (n, len(got), len(want)))
        bad = 0
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                bad += 1
                if bad <= 4:
                    fl.check(False, '%s: delivered frame %d differs\n  got  %s\n  want %s'
                             % (n, i, g.hex(), w.hex()))
        fl.check(bad == 0, '%s: %d delivered frames differ' % (n, bad))

        status, drops = Counter(), Counter()
        esp = [e for e in self.events if e['esp']]
        sw = [e for e in esp if not engine(e)]
        for e in self.events:
            o = e['outcome']
            if e['esp']:
                if o in ('tunnel_esp_auth_failed', 'transport_esp_auth_failed',
                         'invalid_protocol'):
                    status['CRYPTO_' + o.upper()] += 1
                else:
                    status['CRYPTO_SUCCESS'] += 1
            if o != DELIVER:
                drops[o] += 1
        clear = [e for e in self.events if not e['esp']]
        man = {'frames': len(self.events), 'delivered': len(want),
               'crypto_status': dict(status), 'drops': dict(drops),
               'not_offloaded': len(clear) + len(sw), 'sw_processed': len(sw),
               'fragments': 0, 'reassembled': 0, 'frag_merged': 0, 'frag_held': 0,
               'kinds': {'cleartext': {'delivered': sum(1 for e in clear
                                                         if e['outcome'] == DELIVER)}}}
        C.check_stats(fl, st, man, n)
        for key, v in (('delivered_bytes', sum(len(x) for x in want)),
                       ('crypto_done', len(esp)), ('mbufs_in_use_at_exit', 0),
                       ('sa_count', len(self.sas)), ('sa_deleted', 0)):
            fl.check(st.get(key) == v, '%s: %s %s, expected %s' % (n, key, st.get(key), v))

        eng = (st.get('ports') or [{}])[0].get('engine', {})
        w = {'packets': len(self.events), 'crypto_done': len(esp) - len(sw), 'no_sa': 0,
             'unsupported': len(sw), 'disabled': 0}
        g = {k: eng.get(k) for k in w}
        fl.check(g == w, '%s: port net_pcap0 engine %s, expected %s%s' % (n, g, w, note))
        # IKE / keep-alives on UDP-ESP ports: the engine counts them (ike),
        # compared when the stats report it (ov2rx does not, yet)
        ike = sum(1 for e in clear if e['attrs'].get('ike'))
        fl.check(eng.get('ike', ike) == ike, '%s: engine ike %s, expected %d'
                 % (n, eng.get('ike'), ike))

        by_spi = {s.get('spi'): s for s in st.get('sas', [])}
        fl.check(sorted(by_spi) == sorted(self.sas), '%s: SAs listed %s' % (n, sorted(by_spi)))
        for spi, sa in self.sas.items():
            s = by_spi.get(spi, {})
            want_sa = {'delivered': sa['delivered'], 'delivered_bytes': sa['bytes'],
                       'drops': dict(+sa['drops']), 'drops_total': sum(sa['drops'].values()),
                       'replay_top': sa['top'], 'lifetime_packets': sa['life_packets'],
                       'lifetime_bytes': sa['life_bytes'], 'deleted': False}
            got_sa = {k: s.get(k) for k in want_sa}
            fl.check(got_sa == want_sa, '%s: SA %d (%s %s %s)\n  got  %s\n  want %s'
                     % (n, spi, sa['algo'].label, sa['mode'], sa['ports'], got_sa, want_sa))
        print('%s: %d frames, %d ESP (%d via software), %d delivered, drops %s'
              % (n, len(self.events), len(esp), len(sw), len(want), dict(+drops)))

    def check_caps_block(self, stdout, edit):
        """The capability block printed for net_pcap0: the default with the
        edit applied (edit: field -> value)."""
        m = re.search(r'\(net_pcap0\).*\n\s*OV2 enable setting: (\S+); capabilities:\n'
                      r'((?:  .*\n){5})', stdout)
        if not self.fl.check(m is not None, '%s: no capability block for net_pcap0 in:\n%s'
                             % (self.name, stdout[:1500])):
            return
        got = dict(re.findall(r'(\w+) (yes|no|0x[0-9a-f]+|\d+)', m.group(2)))
        want = dict(CAPS_DEFAULT, **edit)
        self.fl.check(m.group(1) == 'ah-esp', '%s: enable setting %s' % (self.name, m.group(1)))
        self.fl.check(got == want, '%s: capabilities printed\n  got  %s\n  want %s'
                      % (self.name, got, want))


# ---------------------------------------------------------------------------
# Cleartext on UDP-ESP ports
# ---------------------------------------------------------------------------

def ike_pkts(dport, k, src=PEER4, dst=LOCAL4, sport=None):
    """IKE (IKEv2 and ISAKMP after the non-ESP marker), a NAT keep-alive,
    and the marker followed by anything: (packet, is IKE/keep-alive)."""
    sp = sport or dport
    u = UDP(sport=sp, dport=dport)
    return [
        IP(src=src, dst=dst) / u / NON_ESP() /
        IKEv2(init_SPI=struct.pack('!Q', 0x1100 + k), exch_type=34, flags='Initiator') /
        IKEv2_payload_Nonce(load=bytes(range(k, k + 24))),
        IP(src=src, dst=dst, id=k) / u / Raw(bytes(4)) /
        ISAKMP(init_cookie=struct.pack('!Q', 0x2200 + k), exch_type=2) / ISAKMP_payload_SA(),
        IP(src=src, dst=dst, id=k + 1) / u / NAT_KEEPALIVE(),
        IP(src=src, dst=dst, id=k + 2) / u / Raw(bytes(4) + b'\x01\x02\x03\x04\x05'),
    ]


def short_pkts(dport, k):
    """UDP to a UDP-ESP port whose payload cannot be ESP (shorter than an ESP
    header, a single byte other than 0xff, nothing): plain UDP."""
    def u(i):
        return IP(src=PEER4, dst=LOCAL4, id=k + i) / UDP(sport=4500, dport=dport)
    return [u(0) / Raw(b'\x01\x02\x03\x04'), u(1) / Raw(b'\x01\x02\x03\x04\x05\x06\x07'),
            u(2) / Raw(b'\xfe'), u(3)]


def add_ike(r, dport, k, outcome=DELIVER):
    for p in ike_pkts(dport, k):
        f = r.frame(raw(p))
        r.ev(f, outcome, f if outcome == DELIVER else None, ike=True)


# ---------------------------------------------------------------------------
# udp: UDP-ESP data path
# ---------------------------------------------------------------------------

def build_udp(fl):
    r = Run(fl, 'udp')
    t_gcm = r.add_sa(0x100, GCM, 'ipv4-tunnel', PEER4, LOCAL4, udp='')
    t_cbc = r.add_sa(0x101, CBC, 'ipv4-tunnel', PEER4, '192.0.2.51', udp='')
    x_gcm = r.add_sa(0x102, GCM, 'transport', None, '198.51.100.7', udp='')
    x_cbc = r.add_sa(0x103, CBC, 'transport', None, '198.51.100.8', udp='4501:4600')
    t_cus = r.add_sa(0x104, GCM, 'ipv4-tunnel', PEER4, '192.0.2.52', udp='4501:4600')
    plain = r.add_sa(0x105, GCM, 'ipv4-tunnel', PEER4, '192.0.2.53')
    esn = r.add_sa(0x106, CBC, 'ipv4-tunnel', PEER4, '192.0.2.54', udp='', esn=0xfffffff0)
    k = 0
    for sa in (t_gcm, t_cbc, t_cus, plain):
        seq = 0
        for fam in (4, 6):
            for n in (0, 57, 300):
                k += 1
                seq += 1
                r.good(sa, inner(fam, k, n + k % 5), seq, copies=n == 57)
    for sa in (x_gcm, x_cbc):
        for seq, n in enumerate((0, 33, 512), 1):
            k += 1
            r.good(sa, transport_pkt('198.51.100.1', sa['dst'], k, n), seq, copies=n == 33)
    # the outer UDP checksum is not checked (RFC 3948 3.1.2: the ICV protects)
    r.good(t_gcm, inner(4, 90, 40), 7, copies=False, udp_cksum=0x1234)
    r.good(x_cbc, transport_pkt('198.51.100.1', x_cbc['dst'], 91, 40), 4, copies=False,
           udp_cksum=0xffff)
    # encapsulation differing from the SA's: invalid_protocol
    b, _ = r.encrypt(t_gcm, inner(4, 92, 30), 8, nat=None)
    r.bad(t_gcm, b, 'invalid_protocol')
    b, _ = r.encrypt(x_cbc, transport_pkt('198.51.100.1', x_cbc['dst'], 93, 30), 5, nat=None)
    r.bad(x_cbc, b, 'invalid_protocol')
    for ports in ((4500, 4500), (4501, 4600)):
        b, _ = r.encrypt(plain, inner(4, 94, 30), 7, nat=ports)
        r.bad(plain, b, 'invalid_protocol')
    # cleartext on and off UDP-ESP ports (no policy: delivered)
    add_ike(r, 4500, 1)
    add_ike(r, 4600, 2)
    for p in short_pkts(4500, 10) + short_pkts(4600, 20):
        r.clear(p)
    # ESP in UDP to 4501, the custom SA's *source* port, is not UDP-ESP here
    b, _ = r.encrypt(x_cbc, transport_pkt('198.51.100.1', x_cbc['dst'], 95, 30), 6,
                     nat=(4600, 4501))
    r.clear(b)
    r.clear(IP(src=PEER4, dst=LOCAL4) / UDP(sport=5353, dport=53) / Raw(b'q' * 20))
    # ESN across 2^32 (HMAC ICV over the high half), a wrong high half
    for lo in range(0xfffffff1, 0x100000000, 3):
        k += 1
        r.good(esn, inner(4 if lo % 2 else 6, k, 20 + lo % 7), lo, hi=0, copies=False)
    for lo in (1, 2, 3):
        k += 1
        r.good(esn, inner(4, k, 44), lo, hi=1, copies=lo == 2)
    b, _ = r.encrypt(esn, inner(4, 96, 30), 4, hi=0)
    r.bad(esn, b, 'tunnel_esp_auth_failed')
    b, ct = r.encrypt(esn, inner(4, 97, 30), 2, hi=1)		# duplicate
    r.bad(esn, b, 'replay_duplicate', ct)
    return r


def run_udp(fl, rx, tmp):
    build_udp(fl).go(rx, tmp)


def run_policy(fl, rx, tmp):
    build_udp_policy(fl).go(rx, tmp)


def build_udp_policy(fl):
    """bypass for UDP to 4500 only; protect rules naming each SA for its
    decrypted traffic (its own inner network / transport address)."""
    sp = ['ipv4 in esp protect 256 dst 10.1.0.0/16', 'ipv6 in esp protect 256 dst 2001:db8:1::/48',
          'ipv4 in esp protect 260 dst 10.4.0.0/16', 'ipv6 in esp protect 260 dst 2001:db8:4::/48',
          'ipv4 in esp protect 258 dst 198.51.100.7/32',
          'ipv4 in esp bypass proto 17 dport 4500:4500']
    r = Run(fl, 'policy', sp=sp)
    t_gcm = r.add_sa(0x100, GCM, 'ipv4-tunnel', PEER4, LOCAL4, udp='')
    t_cus = r.add_sa(0x104, GCM, 'ipv4-tunnel', PEER4, '192.0.2.52', udp='4501:4600')
    x_gcm = r.add_sa(0x102, GCM, 'transport', None, '198.51.100.7', udp='')
    k = 200
    for sa, net in ((t_gcm, 1), (t_cus, 4)):
        for seq, fam in enumerate((4, 6, 4), 1):
            k += 1
            r.good(sa, inner(fam, k, 40 + seq, net=net), seq, copies=seq == 2)
    r.good(x_gcm, transport_pkt('198.51.100.1', '198.51.100.7', 210, 50), 1)
    # decrypted through 0x104 but matching 0x100's rule: policy_mismatch
    b, ct = r.encrypt(t_cus, inner(4, 211, 30, net=1), 4)
    r.bad(t_cus, b, 'policy_mismatch')
    t_cus['life_packets'] += 1
    t_cus['life_bytes'] += ct
    t_cus['top'] = 4
    # IKE and keep-alives: bypassed on 4500, no rule on 4600
    add_ike(r, 4500, 30)
    add_ike(r, 4600, 31, 'policy_no_match')
    for p in short_pkts(4500, 40):
        r.clear(p)
    for p in short_pkts(4600, 50):
        r.clear(p, 'policy_no_match')
    r.clear(IP(src=PEER4, dst=LOCAL4) / UDP(sport=5353, dport=53) / Raw(b'q' * 20),
            'policy_no_match')
    return r


# ---------------------------------------------------------------------------
# noudp: no UDP-ESP SA, port 4500 is just UDP
# ---------------------------------------------------------------------------

def run_noudp(fl, rx, tmp):
    r = Run(fl, 'noudp')
    sa = r.add_sa(0x400, GCM, 'ipv4-tunnel', PEER4, LOCAL4)
    x = r.add_sa(0x401, CBC, 'transport', None, '198.51.100.9')
    r.good(sa, inner(4, 300, 50), 1)
    r.good(x, transport_pkt('198.51.100.1', '198.51.100.9', 301, 60), 1)
    for seq, ports in enumerate(((4500, 4500), (4500, 4600), (1234, 4500)), 2):
        b, _ = r.encrypt(sa, inner(6, 302 + seq, 40), seq, nat=ports)
        r.clear(b)
        b, _ = r.encrypt(x, transport_pkt('198.51.100.1', '198.51.100.9', 310 + seq, 40), seq,
                         nat=ports)
        r.clear(b)
    for p in ike_pkts(4500, 60) + short_pkts(4500, 70):
        r.clear(p)
    r.good(sa, inner(6, 320, 70), 5)
    r.go(rx, tmp)


# ---------------------------------------------------------------------------
# caps: what the port does with --caps
# ---------------------------------------------------------------------------

def build_caps(fl, name, extra):
    r = Run(fl, name, extra=extra)
    a = r.add_sa(0x500, GCM, 'ipv4-tunnel', PEER4, LOCAL4, udp='')
    b = r.add_sa(0x501, CBC, 'ipv4-tunnel', PEER4, '192.0.2.61', udp='')
    c = r.add_sa(0x502, GCM, 'ipv4-tunnel', PEER4, '192.0.2.62')
    d = r.add_sa(0x503, GCM, 'ipv6-tunnel', '2001:db8:f::1', '2001:db8:f::2')
    e = r.add_sa(0x504, GCM, 'ipv4-tunnel', PEER4, '192.0.2.64', esn=0x7fffffff0)
    f = r.add_sa(0x505, GCM, 'transport', None, '198.51.100.20')
    g = r.add_sa(0x506, CBC, 'transport', None, '198.51.100.21', udp='')
    h = r.add_sa(0x507, CBC, 'transport', None, None)		# any local address
    k = 400
    for sa in (a, b, c, d):
        for seq, fam in enumerate((4, 6), 1):
            k += 1
            r.good(sa, inner(fam, k, 30 + 11 * seq), seq, copies=seq == 1)
    # UDP-ESP tunnel with IPv4 options on the outer header
    r.good(a, inner(4, 420, 50), 3, outer_opts=True, copies=True)
    # ESN: high half 7 (esn start 0x7fffffff0), then 8
    r.good(e, inner(4, 421, 40), 0xfffffff1, hi=7, copies=False)
    r.good(e, inner(6, 422, 40), 1, hi=8, copies=True)
    for seq, opts in enumerate((False, True, True, False), 1):
        k += 1
        r.good(f, transport_pkt('198.51.100.1', f['dst'], k, 48, options=opts), seq,
               copies=seq == 2)
        k += 1
        r.good(g, transport_pkt('198.51.100.1', g['dst'], k, 48, options=opts), seq,
               copies=seq == 3)
    for seq, fam in enumerate((4, 6, 6, 4), 1):
        k += 1
        src, dst = ('198.51.100.1', '198.51.100.30') if fam == 4 else \
            ('2001:db8:e::1', '2001:db8:e::2')
        r.good(h, transport_pkt(src, dst, k, 36 + seq, family=fam), seq, copies=seq == 2)
    add_ike(r, 4500, 80)
    return r


CAPS_RUNS = [
    # (name, --caps list or None, engine predicate, printed edit, note)
    ('caps_default', None, lambda at: not at['opts'], {}, ''),
    ('caps_ipv4opts', '+ipv4-options', lambda at: True, {'IPv4Options': 'yes'}, ''),
    ('caps_nocbc', '-cbc', lambda at: not at['opts'] and not at['cbc'],
     {'EncryptionAlgorithms': '0x1003f'}, ''),
    ('caps_noudp', '-udp-esp', lambda at: not at['opts'] and not at['udp'],
     {'UdpEsp': '0x0'}, ''),
    # IPv6: SAs with IPv6 addresses, and the IPv6 packets of the transport
    # SA bound to any local address (0x507): a port without IPv6Supported
    # must not process IPv6 packets, whatever SA they belong to
    ('caps_noipv6', '-ipv6', lambda at: not at['opts'] and not at['v6sa'] and not at['v6pkt'],
     {'IPv6Supported': 'no'}, '\n  (the 4 IPv6 packets of SA 0x507, transport without dst, '
     'must go to software too: the port says IPv6Supported no)'),
    ('caps_noesn', '-esn', lambda at: not at['opts'] and not at['esn'],
     {'ExtendedSequenceNumbers': 'no'}, ''),
    ('caps_mixed', '-gcm,+ipv4-options,-esn', lambda at: at['cbc'],
     {'IPv4Options': 'yes', 'ExtendedSequenceNumbers': 'no',
      'EncryptionAlgorithms': '0x101c7'}, ''),
]


def run_caps(fl, rx, tmp, spec):
    name, edit, pred, printed, note = spec
    extra = ['--caps', 'net_pcap0:' + edit] if edit else []
    r = build_caps(fl, name, extra)
    r.go(rx, tmp, engine=lambda e: pred(e['attrs']), caps_edit=printed, note=note)


# ---------------------------------------------------------------------------
# badcaps: refused --caps
# ---------------------------------------------------------------------------

def ov2rx_raw(rx, tmp, name, args):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    conf, inp, out, stats = (os.path.join(d, f) for f in (
        'ov2rx.conf', 'in.pcap', 'out.pcap', 'stats.json'))
    with open(conf, 'w') as f:
        f.write('sa in 256 %s mode ipv4-tunnel dst 192.0.2.1 udp-encap\n' % GCM.conf_words(256))
    C.write_pcap(inp, [])
    prefix = 'udpcaps_%s_%d' % (name, os.getpid())
    cmd = [rx, '--no-huge', '-m', '512', '--no-pci', '--no-telemetry', '-l', '0',
           '--file-prefix', prefix, '--log-level', 'lib.eal:warning',
           '--vdev', 'net_pcap0,rx_pcap=%s' % inp, '--vdev', 'net_pcap1,tx_pcap=%s' % out,
           '--', '-f', conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
           '--exit-when-idle', '100', '--stats-json', stats] + args
    try:
        p = C.run(cmd, timeout=60, check=False)
    finally:
        C.remove_runtime_dir(prefix)
    return p, stats


def run_badcaps(fl, rx, tmp):
    cases = [
        ('word', 'net_pcap0:-cbc,-bogus', r"--caps 'net_pcap0:-cbc,-bogus': unknown "
         r"capability 'bogus' \(known: ipv6, ipv4-options,"),
        ('plus', 'net_pcap0:+ipv4_options', r"unknown capability 'ipv4_options'"),
        ('empty', 'net_pcap0:-', r"unknown capability ''"),
        ('port', 'net_pcap7:-cbc', r"--caps 'net_pcap7:-cbc': no such port"),
        ('nolist', 'net_pcap0:', r"--caps 'net_pcap0:': expected PORT:CAP"),
        ('nocolon', 'net_pcap0', r"--caps 'net_pcap0': expected PORT:CAP"),
    ]
    for what, arg, msg in cases:
        p, stats = ov2rx_raw(rx, tmp, 'bad_' + what, ['--caps', arg])
        ok = fl.check(p.returncode == 2, 'badcaps %s: exit %d, expected 2' % (what, p.returncode))
        ok &= fl.check(re.search(msg, p.stderr) is not None,
                       'badcaps %s: stderr lacks %r: %s' % (what, msg, p.stderr[-600:]))
        ok &= fl.check(not os.path.exists(stats) and 'capabilities' not in p.stdout,
                       'badcaps %s: ov2rx started anyway' % what)
        print('badcaps %-8s %s: %s' % (what, 'ok' if ok else 'FAIL',
                                       (p.stderr.strip().splitlines() or [''])[-1][:110]))
    # '+word' adds only what the software engine can do (caps.h): after
    # removing them, AH and UDP-ESP come back; LSO is not a word at all
    p, stats = ov2rx_raw(rx, tmp, 'plus_ah', ['--caps', 'net_pcap0:-ah,-udp-esp,+ah,+udp-esp'])
    fl.check(p.returncode == 0, '-ah,-udp-esp,+ah,+udp-esp: exit %d' % p.returncode)
    if p.returncode == 0:
        got = printed_caps(p.stdout)
        fl.check(got.get('Ah') == 'yes' and got.get('UdpEsp') == '0xf',
                 "--caps net_pcap0:-ah,-udp-esp,+ah,+udp-esp: port advertises Ah %s, "
                 "UdpEsp %s (expected yes, 0xf)" % (got.get('Ah'), got.get('UdpEsp')))
    p, stats = ov2rx_raw(rx, tmp, 'plus_lso', ['--caps', 'net_pcap0:+lso'])
    fl.check(p.returncode == 2, '+lso: exit %d (expected 2: unknown word)' % p.returncode)
    # --caps given twice for a port (the usage line says it repeats): both
    # edits apply, or the second is refused; never silently dropped
    p, stats = ov2rx_raw(rx, tmp, 'twice', ['--caps', 'net_pcap0:-cbc',
                                            '--caps', 'net_pcap0:-esn'])
    if p.returncode == 0:
        got = printed_caps(p.stdout)
        fl.check(got.get('EncryptionAlgorithms') == '0x1003f' and
                 got.get('ExtendedSequenceNumbers') == 'no',
                 '--caps net_pcap0:-cbc --caps net_pcap0:-esn: the port has '
                 'EncryptionAlgorithms %s, ExtendedSequenceNumbers %s (expected 0x1003f, no: '
                 'the first --caps is lost)' % (got.get('EncryptionAlgorithms'),
                                                got.get('ExtendedSequenceNumbers')))
    else:
        fl.check(p.returncode == 2 and 'net_pcap0' in p.stderr,
                 '--caps twice: exit %d: %s' % (p.returncode, p.stderr[-300:]))


def printed_caps(stdout):
    """The capability block ov2rx prints for net_pcap0 as {field: value}."""
    m = re.search(r'\(net_pcap0\).*\n\s*OV2 enable setting: \S+; capabilities:\n'
                  r'((?:  .*\n){5})', stdout)
    return dict(re.findall(r'(\w+) (yes|no|0x[0-9a-f]+|\d+)', m.group(1))) if m else {}


def main():
    rx = sys.argv[1]
    fl = C.Failures('udp_caps_e2e')
    tmp = C.tmpdir('udpcaps')
    jobs = [lambda: run_udp(fl, rx, tmp), lambda: run_policy(fl, rx, tmp),
            lambda: run_noudp(fl, rx, tmp), lambda: run_badcaps(fl, rx, tmp)]
    jobs += [lambda s=s: run_caps(fl, rx, tmp, s) for s in CAPS_RUNS]
    with ThreadPoolExecutor(max_workers=2) as ex:
        for fut in [ex.submit(j) for j in jobs]:
            try:
                fut.result()
            except SystemExit:
                fl.check(False, 'an ov2rx run failed (see above)')
    fl.finish(tmp)


if __name__ == '__main__':
    main()
