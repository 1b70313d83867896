#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Key material never leaves ov2rx through its output: SAs of every key kind
(AEAD key + salt for AES-GCM and ChaCha20-Poly1305, AES-CBC cipher key and
HMAC key, AES-GMAC key + salt, AH HMAC key, UDP-ESP, an outbound record
with keys), run with every log type at debug level and --stats-json, on
traffic of every SA (valid and forged packets); then configurations whose
errors sit next to a key, or where a key stands in place of a keyword.

Searched in stdout, stderr and the stats JSON, as bytes: each key (and each
8-byte window of it, so a partial leak is found too) as raw bytes, as hex
in lower and upper case, plain and colon-separated as the configuration
writes it. A positive control runs the same search over the configuration
file itself, which must find every key.

usage: secrets_e2e.py OV2RX"""

import json
import os
import subprocess
import sys

from scapy.all import IP, UDP, IPv6, Raw, raw

import ah_nest_scapy as H
import algos_scapy as A
import e2e_common as C

EAL = ['--no-huge', '-m', '512', '--no-pci', '--no-telemetry',
       '--log-level', 'debug', '--log-level', '*:debug']

# (spi, algorithm, mode words, family, src, dst, udp)
ESP = [
    (0x5001, 'aes-256-gcm', 'ipv4-tunnel', 4, '192.0.2.1', '192.0.2.2', False),
    (0x5002, 'chacha20-poly1305', 'transport', 6, '2001:db8:5::1', '2001:db8:5::2', False),
    (0x5003, 'aes-192-cbc+sha512-hmac', 'ipv6-tunnel', 6, '2001:db8:6::1', '2001:db8:6::2',
     False),
    (0x5004, 'aes-128-gmac', 'transport', 4, '198.51.100.1', '198.51.100.9', False),
    (0x5005, 'aes-128-gcm', 'ipv4-tunnel', 4, '192.0.2.1', '192.0.2.5', True),
]
AH = (0x5006, 'sha384', 4, '198.51.100.1', '198.51.100.10')


def keys_of_conf():
    """[(label, key bytes)] of every SA of the configuration."""
    out = []
    for spi, name, *_ in ESP:
        ck, ak = A.ALGOS[name].keys(spi)
        for role, k in (('cipher/aead', ck), ('auth', ak)):
            if k:
                out.append(('SA %#x %s %s' % (spi, name, role), k))
    out.append(('AH SA %#x' % AH[0], H.AH_ALGOS[AH[1]].key(AH[0])))
    out.append(('outbound SA 0x6001', OUT_KEY))
    return out


OUT_KEY = bytes((i * 53 + 7) & 0xff for i in range(20))


def conf_text():
    lines = ['# secrets_e2e.py']
    for spi, name, mode, fam, src, dst, udp in ESP:
        w = 'sa in %d %s mode %s' % (spi, A.ALGOS[name].conf_words(spi), mode)
        w += (' src %s' % src if mode != 'transport' else '') + ' dst %s' % dst
        lines.append(w + (' udp-encap' if udp else ''))
    spi, algo, fam, src, dst = AH
    lines.append('sa in %d %s mode transport dst %s' % (spi, H.AH_ALGOS[algo].conf_words(spi),
                                                         dst))
    lines.append('sa out 24577 aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel '
                 'src 192.0.2.2 dst 192.0.2.1' % ':'.join('%02x' % b for b in OUT_KEY))
    return '\n'.join(lines) + '\n'


def frame(ip):
    return b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01' + (b'\x08\x00' if ip[0] >> 4 == 4 else
                                                  b'\x86\xdd') + ip


def traffic():
    """Valid and forged packets of every SA; returns (frames, n_valid)."""
    frames, valid = [], 0
    for spi, name, mode, fam, src, dst, udp in ESP:
        algo = A.ALGOS[name]
        for seq in range(1, 6):
            inner = IP(src='10.9.0.1', dst='10.9.0.2') / UDP(sport=7, dport=9) / \
                Raw(b'x' * (20 + seq))
            if mode == 'transport':
                plain = (IP if fam == 4 else IPv6)(src=src, dst=dst) / UDP(sport=7, dport=9) / \
                    Raw(b'y' * (20 + seq))
                hdr = None
            else:
                plain, hdr = inner, A.tunnel_header(fam, src, dst)
            plain = plain.__class__(raw(plain))
            b, _ = H.esp_encrypt(algo, spi, plain, seq, tunnel_header=hdr,
                                 ports=(4500, 4500) if udp else None)
            frames.append(frame(b))
            frames.append(frame(H.esp_icv_flip(b, algo, seq)))
            valid += 1
    spi, algo, fam, src, dst = AH
    for seq in range(1, 6):
        plain = IP(src=src, dst=dst) / UDP(sport=7, dport=9) / Raw(b'z' * 30)
        b = H.AH_ALGOS[algo].encrypt(spi, IP(raw(plain)), seq)
        frames.append(frame(b))
        frames.append(frame(H.flip(b, len(b) - 1)))
        valid += 1
    return frames, valid


def needles(key):
    """Byte strings whose presence means the key (or 8 bytes of it) leaked."""
    out = set()
    parts = [key] + [key[i:i + 8] for i in range(0, max(1, len(key) - 7))]
    for k in parts:
        if len(k) < 8 and k is not key:
            continue
        out.add(k)
        for h in (k.hex(), k.hex().upper()):
            out.add(h.encode())
            out.add(':'.join(h[i:i + 2] for i in range(0, len(h), 2)).encode())
    return out


def leaks(blob, keys):
    """[(label, what)] of the keys found in blob (bytes)."""
    found = []
    for label, key in keys:
        for n in needles(key):
            if n in blob:
                found.append((label, n[:40]))
                break
    return found


def run_rx(rx, tmp, name, conf, args, timeout=60):
    prefix = 'ov2sec_%s_%d' % (name, os.getpid())
    cmd = [rx] + EAL + ['-l', '0', '--file-prefix', prefix] + args[0] + ['--', '-f', conf] + \
        args[1]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    finally:
        C.remove_runtime_dir(prefix)
    return p


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    rx = sys.argv[1]
    fl = C.Failures('secrets_e2e')
    tmp = C.tmpdir('secrets')
    conf, inp, out, stats = (os.path.join(tmp, f) for f in ('sa.conf', 'in.pcap', 'out.pcap',
                                                            'stats.json'))
    text = conf_text()
    with open(conf, 'w') as f:
        f.write(text)
    keys = keys_of_conf()
    # positive control: the search finds every key where it is
    missed = [label for label, key in keys if not leaks(text.encode(), [(label, key)])]
    fl.check(not missed, 'the search does not find %s in the configuration itself' % missed)
    frames, valid = traffic()
    C.write_pcap(inp, frames)

    # 1. a run on traffic, every log type at debug level
    p = run_rx(rx, tmp, 'run', conf, (['--vdev', 'net_pcap0,rx_pcap=%s' % inp,
                                        '--vdev', 'net_pcap1,tx_pcap=%s' % out],
                                       ['--in', 'net_pcap0', '--out', 'net_pcap1',
                                        '--exit-when-idle', '300', '--stats-json', stats]))
    fl.check(p.returncode == 0, 'run: exit %d: %s' % (p.returncode, p.stderr[-600:]))
    try:
        with open(stats, 'rb') as f:
            js = f.read()
        st = json.loads(js)
    except (OSError, ValueError):
        js, st = b'', {}
    fl.check(st.get('delivered') == valid, 'run: delivered %s, expected the %d valid packets '
             '(the keys must have been used)' % (st.get('delivered'), valid))
    fl.check(st.get('drops_total') == len(frames) - valid, 'run: drops %s, expected %d forged'
             % (st.get('drops_total'), len(frames) - valid))
    fl.check(len(p.stderr) > 1000, 'run: only %d bytes on stderr: debug logging not on?'
             % len(p.stderr))
    for where, blob in (('stdout', p.stdout), ('stderr', p.stderr), ('stats JSON', js)):
        for label, n in leaks(blob, keys):
            fl.check(False, 'run: %s: key of %s appears (%r)' % (where, label, n))
        fl.checks += 1
    print('run: %d bytes of stdout, %d of stderr, %d of JSON searched for %d keys'
          % (len(p.stdout), len(p.stderr), len(js), len(keys)))

    # 2. configuration errors next to keys, and keys where a keyword was due
    spi, name = ESP[0][0], ESP[0][1]
    words = A.ALGOS[name].conf_words(spi)
    key = A.ALGOS[name].keys(spi)[0]
    khex = ':'.join('%02x' % b for b in key)
    bad_confs = [
        words.replace('aead_key ', '') + ' mode transport',	# key with no keyword
        words.replace('aead_key', 'aead-key') + ' mode transport',	# misspelt keyword
        'aead_algo %s mode transport' % khex,			# key as the algorithm
        words + ' mode %s' % khex,					# key as the mode
        words + 'ff mode transport',					# one byte too many
        words + ' mode transport dst %s' % khex,			# key as an address
        words.replace(':', '') + ' mode transport',		# plain hex key
    ]
    for i, line in enumerate(bad_confs):
        bconf = os.path.join(tmp, 'bad%d.conf' % i)
        with open(bconf, 'w') as f:
            f.write('sa in %d %s\n' % (spi, line))
        p = run_rx(rx, tmp, 'bad%d' % i, bconf, (['--vdev', 'net_null0'], []))
        fl.check(p.returncode == 1 and b'bad%d.conf:1' % i in p.stderr,
                 'bad config %d: exit %d, expected 1 naming the line: %s'
                 % (i, p.returncode, p.stderr[-300:]))
        for where, blob in (('stdout', p.stdout), ('stderr', p.stderr)):
            for label, n in leaks(blob, [('SA %#x' % spi, key)]):
                fl.check(False, 'bad config %d (%s): %s: the key appears (%r)'
                         % (i, line[:60], where, n))
            fl.checks += 1
    fl.finish(tmp)


if __name__ == '__main__':
    sys.exit(main())
