#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run-time SA management: ov2rx --ctl with ov2ctl, raw socket clients and
telemetry, while a net_pcap port replays ESP traffic without end
(infinite_rx=1).

usage: ctl_e2e.py OV2GEN OV2RX OV2CTL GROUP
  traffic  SAs added, updated and deleted (one at a time and pipelined) while
           the traffic of other SAs flows: not one of their packets is lost
           (per-SA counters, and every dropped frame, caught on the error
           port, is checked with scapy to belong to the SA that came and
           went); telemetry through its socket and dpdk-telemetry.py
  errors   malformed and refused requests, over-long and garbage input, a
           client gone mid-request, too many clients, pipelining, ov2ctl's
           exit statuses, socket mode 0600, a second ov2rx on the same path:
           errors, and nothing changes
  reload   a bad file or one over the capacity changes nothing; a good one
           deletes, replaces, adds and keeps as it says while traffic flows;
           a new policy reaches the lcores, and goes again
"""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_common import (Failures, key_bytes, read_frames, remove_runtime_dir,  # noqa: E402
                        run, tmpdir, write_pcap)
from scapy.all import Ether, IP, IPv6, UDP  # noqa: E402,F401
from scapy.layers.ipsec import ESP  # noqa: E402

GEN, RX, CTL, GROUP = sys.argv[1:5]

# SAs whose traffic flows all along (replay check off: the pcap repeats)
KEPT = [(0x2001, '198.51.100.1'), (0x2002, '198.51.100.2'),
        (0x2003, '198.51.100.3'), (0x2004, '198.51.100.4')]
X_SPI, X_DST = 0x3001, '198.51.100.9'	# comes and goes; has a little traffic


def hexkey(spi, n=16):
    return ':'.join('%02x' % b for b in key_bytes(spi, n))


def sa_words(spi, dst, extra='replay-window 0'):
    """The words of an 'sa in' line after 'sa in'."""
    return ('%d aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel src 192.0.2.1 dst %s %s'
            % (spi, hexkey(spi), dst, extra)).strip()


def conf_text(sas, extra=''):
    return ''.join('sa in %s\n' % sa_words(*s) for s in sas) + extra


def keys_of(spis):
    """Every way a key of these SAs could be printed."""
    out = []
    for spi in spis:
        kb = key_bytes(spi, 16)
        out += [hexkey(spi), kb.hex(), kb[:8].hex()]
    return out


class Rx:
    """ov2rx in the background on a pcap replayed without end."""

    def __init__(self, tmp, name, conf, pcap, extra=(), telemetry=False, errors=True):
        self.tmp = tmp
        self.sock = os.path.join(tmp, 'ctl.sock')
        self.stats = os.path.join(tmp, 'stats.json')
        self.errpcap = os.path.join(tmp, 'errors.pcap')
        self.prefix = 'ctle2e_%s_%d' % (name, os.getpid())
        cmd = [RX, '--no-huge', '-m', '256', '--no-pci', '-l', '0',
               '--file-prefix', self.prefix, '--log-level', 'lib.eal:warning',
               '--vdev', 'net_pcap0,rx_pcap=%s,infinite_rx=1' % pcap]
        if not telemetry:
            cmd.append('--no-telemetry')
        if errors:
            cmd += ['--vdev', 'net_pcap1,tx_pcap=%s' % self.errpcap]
        cmd += ['--', '-f', conf, '--in', 'net_pcap0', '--ctl', self.sock,
                '--stats-json', self.stats] + list(extra)
        if errors:
            cmd += ['--errors', 'net_pcap1']
        self.out = open(os.path.join(tmp, 'rx.out'), 'w')
        self.err = open(os.path.join(tmp, 'rx.err'), 'w')
        self.p = subprocess.Popen(cmd, stdout=self.out, stderr=self.err)
        deadline = time.time() + 30
        while not os.path.exists(self.sock):
            if self.p.poll() is not None or time.time() > deadline:
                self.stop()
                print(open(os.path.join(tmp, 'rx.err')).read()[-3000:])
                raise SystemExit('ov2rx did not open its control socket')
            time.sleep(0.05)

    def ctl(self, *words, stdin=None, sock=None):
        p = subprocess.run([CTL, '-s', sock or self.sock] + list(words), input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=120)
        return p.returncode, p.stdout, p.stderr

    def stats_now(self):
        rc, out, err = self.ctl('stats')
        if rc != 0:
            raise SystemExit('ov2ctl stats failed: %s' % err)
        return json.loads(out)

    def sa_list(self):
        rc, out, err = self.ctl('sa', 'list')
        if rc != 0:
            raise SystemExit('ov2ctl sa list failed: %s' % err)
        return out

    def stop(self):
        """SIGINT, then the stats written at exit."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        try:
            rc = self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.out.close()
        self.err.close()
        remove_runtime_dir(self.prefix)
        self.rc = rc
        if os.path.exists(self.stats):
            with open(self.stats) as f:
                return json.load(f)
        return None

    def logs(self):
        return (open(os.path.join(self.tmp, 'rx.out')).read() +
                open(os.path.join(self.tmp, 'rx.err')).read())


def raw(path, data, n_replies, close_early=False):
    """Send bytes on one connection, read n replies: [(ok, text)]."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass	# the server may answer and close first (too many clients)
    if close_early:
        s.close()
        return []
    buf = b''
    out = []
    while len(out) < n_replies:
        while b'\n' not in buf:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b''
            if not chunk:
                s.close()
                return out
            buf += chunk
        line, buf = buf.split(b'\n', 1)
        if line.startswith(b'ok '):
            n = int(line[3:])
            while len(buf) < n:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            out.append((True, buf[:n].decode(errors='replace')))
            buf = buf[n:]
        else:
            out.append((False, line.decode(errors='replace')))
    s.close()
    return out


def make_traffic(tmp, sas, x_count=1, count=400):
    """pcap: count packets per kept SA, then x_count of SA X."""
    gconf = os.path.join(tmp, 'gen.conf')
    with open(gconf, 'w') as f:
        f.write(conf_text(sas + [(X_SPI, X_DST)]))
    kept = os.path.join(tmp, 'kept.pcap')
    args = ['--count', str(count)]
    for spi, _ in sas:
        args += ['--spi', str(spi)]
    run([GEN, '-f', gconf, '-o', kept] + args)
    frames = read_frames(kept)
    if x_count:
        xp = os.path.join(tmp, 'x.pcap')
        run([GEN, '-f', gconf, '-o', xp, '--spi', str(X_SPI), '--count', str(x_count)])
        frames += read_frames(xp)
    pcap = os.path.join(tmp, 'in.pcap')
    write_pcap(pcap, frames)
    return pcap


def sa_entries(stats, spi):
    return [s for s in stats['sas'] if s['spi'] == spi]


def wait_for(pred, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


# ---------------------------------------------------------------------------
# Telemetry: its own socket (SOCK_SEQPACKET, JSON replies)
# ---------------------------------------------------------------------------

def telemetry_path(prefix):
    base = '/var/run/dpdk' if os.geteuid() == 0 else \
        os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')
    return os.path.join(base, prefix, 'dpdk_telemetry.v2')


def telemetry(prefix, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(telemetry_path(prefix))
    json.loads(s.recv(16384).decode())	# the greeting
    s.send(cmd.encode())
    reply = json.loads(s.recv(1 << 20).decode())
    s.close()
    return reply[cmd.split(',')[0]]


def group_traffic(fl, tmp):
    conf = os.path.join(tmp, 'ov2rx.conf')
    with open(conf, 'w') as f:
        f.write(conf_text(KEPT))
    pcap = make_traffic(tmp, KEPT)
    rx = Rx(tmp, 'traffic', conf, pcap, telemetry=True)
    outputs = []
    try:
        mode = stat.S_IMODE(os.stat(rx.sock).st_mode)
        fl.check(mode == 0o600, 'socket mode %o, expected 600' % mode)
        lst = rx.sa_list()
        outputs.append(lst)
        fl.check(sorted(int(ln.split()[0]) for ln in lst.splitlines()) ==
                 [s for s, _ in KEPT], 'initial sa list: %r' % lst)
        fl.check(wait_for(lambda: rx.stats_now()['delivered'] > 10000),
                 'no traffic delivered')

        # one request at a time, while the traffic flows
        churn = []
        for i in range(40):
            spi = 0x4000 + i
            churn.append(spi)
            esn = 'esn %d replay-window 64' % (i * 1000) if i % 2 else 'replay-window 64'
            rc, out, err = rx.ctl('sa', 'add', *sa_words(spi, '203.0.113.%d' % (i + 1),
                                                         esn).split())
            fl.check(rc == 0 and 'added inbound SA %d' % spi in out,
                     'sa add %d: rc %d %s %s' % (spi, rc, out, err))
            if i % 2:
                rc, out, err = rx.ctl('sa', 'update', str(spi), 'esn-high', str(i))
                fl.check(rc == 0 and 'ESN high half %d' % i in out,
                         'sa update %d: rc %d %s %s' % (spi, rc, out, err))
            rc, out, err = rx.ctl('sa', 'del', str(spi), 'dst', '203.0.113.%d' % (i + 1))
            fl.check(rc == 0 and 'deleted inbound SA %d' % spi in out,
                     'sa del %d: rc %d %s %s' % (spi, rc, out, err))
            if i % 8 == 0:
                # SA X, whose packets are in the traffic, comes and goes
                rc, out, err = rx.ctl('sa', 'add', *sa_words(X_SPI, X_DST).split())
                fl.check(rc == 0, 'sa add X: %s' % err)
                time.sleep(0.05)
                rc, out, err = rx.ctl('sa', 'del', str(X_SPI))
                fl.check(rc == 0, 'sa del X: %s' % err)

        # pipelined on one connection: 300 adds, 300 updates, 300 deletes
        reqs = []
        for i in range(300):
            reqs.append('sa add ' + sa_words(0x5000 + i, '203.0.114.%d' % (i % 250 + 1),
                                             'esn replay-window 128'))
        for i in range(300):
            reqs.append('sa update %d dst 203.0.114.%d esn-high %d'
                        % (0x5000 + i, i % 250 + 1, i))
        for i in range(300):
            reqs.append('sa del %d dst 203.0.114.%d' % (0x5000 + i, i % 250 + 1))
        rc, out, err = rx.ctl('-', stdin='\n'.join(reqs) + '\n')
        fl.check(rc == 0, 'pipelined batch: rc %d %s' % (rc, err[-500:]))
        fl.check(out.count('added inbound SA') == 300 and
                 out.count('deleted inbound SA') == 300 and
                 out.count('ESN high half') == 300, 'pipelined replies: %s' % out[-300:])

        # X stays: its packets are delivered
        rc, out, err = rx.ctl('sa', 'add', *sa_words(X_SPI, X_DST).split())
        fl.check(rc == 0, 'sa add X: %s' % err)
        fl.check(wait_for(lambda: any(s['delivered'] > 0 and not s['deleted']
                                      for s in sa_entries(rx.stats_now(), X_SPI))),
                 'SA X added at run time: no packet delivered')
        rc, out, err = rx.ctl('sa', 'update', str(X_SPI), 'esn-high', '3')
        fl.check(rc == 1 and 'does not use extended sequence numbers' in err,
                 'update of an SA without ESN: rc %d %s' % (rc, err))

        # UPDATE_SA seen from telemetry: the ESN state's high half
        e_spi = 0x6001
        rc, out, err = rx.ctl('sa', 'add', *sa_words(e_spi, '203.0.115.1',
                                                     'esn 77 replay-window 64').split())
        fl.check(rc == 0, 'sa add ESN SA: %s' % err)
        info = telemetry(rx.prefix, '/ov2/sa/info,%d' % e_spi)
        fl.check(info.get('esn_top') == 77, 'ESN SA before update: %r' % info)
        rc, out, err = rx.ctl('sa', 'update', str(e_spi), 'esn-high', '7')
        fl.check(rc == 0, 'sa update: %s' % err)
        info = telemetry(rx.prefix, '/ov2/sa/info,%d' % e_spi)
        fl.check(info.get('esn_top') == (7 << 32) | 77, 'ESN SA after update: %r' % info)
        fl.check(info.get('esn') == 1 and info.get('mode') == 'ipv4-tunnel' and
                 info.get('dst') == '203.0.115.1' and
                 info.get('algorithms', '').startswith('aead_algo aes-128-gcm'),
                 'sa info: %r' % info)
        outputs.append(json.dumps(info))

        # telemetry: stats, list, info of a kept SA, caps
        ts = telemetry(rx.prefix, '/ov2/stats')
        fl.check(ts.get('rx_packets', 0) > 0 and ts.get('delivered', 0) > 0 and
                 'replay_duplicate' in ts.get('drops', {}) and
                 'CRYPTO_SUCCESS' in ts.get('crypto_status', {}), '/ov2/stats: %r' % ts)
        tl = telemetry(rx.prefix, '/ov2/sa/list')
        want = sorted([s for s, _ in KEPT] + [X_SPI, e_spi])
        fl.check(tl == want, '/ov2/sa/list %r, expected %r' % (tl, want))
        tl = telemetry(rx.prefix, '/ov2/sa/list,%d' % 0x3000)
        fl.check(tl == [X_SPI, e_spi], '/ov2/sa/list,0x3000: %r' % tl)
        ti = telemetry(rx.prefix, '/ov2/sa/info,%d' % KEPT[0][0])
        fl.check(ti.get('delivered', 0) > 0 and ti.get('drops') == {} and
                 ti.get('replay_window') == 0, '/ov2/sa/info kept: %r' % ti)
        ti = telemetry(rx.prefix, '/ov2/sa/info,%d' % 0x7777)
        fl.check('error' in ti, '/ov2/sa/info of a missing SA: %r' % ti)
        tc = telemetry(rx.prefix, '/ov2/caps')
        p0 = tc.get('net_pcap0', {})
        fl.check(p0.get('Esp') == 1 and p0.get('enable') == 'ah-esp' and
                 p0.get('SaOffloadCapacity') == 65536, '/ov2/caps: %r' % tc)
        outputs += [json.dumps(x) for x in (ts, ti, tc)]
        # the same through DPDK's own client
        p = subprocess.run(['/usr/bin/dpdk-telemetry.py', '-f', rx.prefix],
                           input='/ov2/sa/list\n', stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        fl.check(p.returncode == 0 and '"/ov2/sa/list": [%d' % KEPT[0][0]
                 in p.stdout.replace('\n', '').replace(' ', '').replace(
                     '"/ov2/sa/list":[', '"/ov2/sa/list": ['),
                 'dpdk-telemetry.py: rc %d %s %s' % (p.returncode, p.stdout[-500:],
                                                   p.stderr[-500:]))
        live = rx.stats_now()
        outputs.append(json.dumps(live))
        time.sleep(0.5)
    finally:
        stats = rx.stop()
    fl.check(rx.rc == 0, 'ov2rx exit status %d' % rx.rc)
    if stats is None:
        fl.check(False, 'no stats at exit')
        return
    # not one packet of the kept SAs was lost
    for spi, _ in KEPT:
        e = sa_entries(stats, spi)
        fl.check(len(e) == 1 and not e[0]['deleted'], 'kept SA %d: %r' % (spi, e))
        if e:
            fl.check(e[0]['drops_total'] == 0 and e[0]['delivered'] > 10000,
                     'kept SA %d lost packets: %r' % (spi, e[0]))
    drops = {k: v for k, v in stats['drops'].items() if v}
    fl.check(set(drops) <= {'no_sa', 'sa_deleted'}, 'drops: %r' % drops)
    fl.check(stats['rx_packets'] == stats['delivered'] + stats['drops_total'],
             'rx %d != delivered %d + dropped %d' % (stats['rx_packets'],
                                                     stats['delivered'], stats['drops_total']))
    # every dropped frame: SA X's, by scapy's reading
    errs = read_frames(rx.errpcap)
    not_x = 0
    for fr in errs:
        pkt = Ether(fr)
        if not (ESP in pkt and pkt[ESP].spi == X_SPI and pkt[IP].dst == X_DST):
            not_x += 1
    fl.check(not_x == 0, '%d dropped frames not of SA X' % not_x)
    fl.check(0 < len(errs) <= stats['drops_total'],
             'error port: %d frames, %d drops' % (len(errs), stats['drops_total']))
    x = sa_entries(stats, X_SPI)
    fl.check(len(x) == 6 and sum(1 for e in x if e['deleted']) == 5 and
             sum(e['delivered'] for e in x) > 0, 'records of SA X: %r' % x)
    fl.check(stats['sa_count'] == len(KEPT) + 2, 'sa_count %d' % stats['sa_count'])
    fl.check(stats['sa_pending_reclaim'] == 0, 'pending at exit: %d'
             % stats['sa_pending_reclaim'])
    # deleted SAs' counters stay in the document, without keys
    fl.check(len(sa_entries(stats, 0x4001)) == 1 and sa_entries(stats, 0x4001)[0]['deleted'],
             'record of a deleted SA')
    text = '\n'.join(outputs) + json.dumps(stats) + rx.logs()
    leaked = [k for k in keys_of([s for s, _ in KEPT] + [X_SPI, e_spi, 0x4001, 0x5001])
              if k in text]
    fl.check(not leaked, 'key material in replies, stats or logs: %r' % leaked[:3])


def group_errors(fl, tmp):
    conf = os.path.join(tmp, 'ov2rx.conf')
    with open(conf, 'w') as f:
        f.write(conf_text(KEPT[:2]))
    pcap = make_traffic(tmp, KEPT[:2], x_count=0, count=50)
    rx = Rx(tmp, 'errors', conf, pcap)
    try:
        mode = stat.S_IMODE(os.stat(rx.sock).st_mode)
        fl.check(mode == 0o600, 'socket mode %o' % mode)
        base = rx.sa_list()
        fl.check(base.count('\n') == 2, 'initial list %r' % base)

        def refused(data, want, what):
            r = raw(rx.sock, data, 1)
            fl.check(len(r) == 1 and not r[0][0] and want in r[0][1],
                     '%s: %r (expected an error with %r)' % (what, r, want))
            fl.check(rx.sa_list() == base, '%s changed the SAs' % what)

        refused(b'frobnicate now\n', 'unknown request', 'unknown verb')
        refused(b'sa del 12\n', 'SPI', 'reserved SPI')
        refused(b'sa del 0xzz\n', 'SPI', 'bad SPI')
        refused(b'sa update 99999999999 esn-high 1\n', 'SPI', 'SPI too large')
        refused(('sa add ' + sa_words(*KEPT[0]) + '\n').encode(), 'exists', 'duplicate SA')
        refused(b'sa del 30583\n', 'no inbound ESP SA 30583', 'delete of a missing SA')
        refused(b'sa del 8193 dst 10.0.0.1\n', 'no inbound ESP SA 8193 with dst',
                'delete with the wrong dst')
        refused(b'sa update 8193 esn-high 5\n', 'does not use extended', 'update without ESN')
        refused(('sa add ' + sa_words(0x7001, '10.1.1.1') + ' pair 9000\n').encode(),
                'only supported in the configuration file', 'sa add with pair')
        refused(('sa add ' + sa_words(0x7001, '10.1.1.1').replace('aes-128-gcm',
                                                                  'aes-128-ccm') + '\n').encode(),
                'ccm', 'an algorithm not implemented')
        refused(b'\x00\xff\xfe garbage \x01\n', 'NUL', 'garbage bytes')
        refused(b'\xff\xfe\x80\x81\n', 'unknown request', 'high bytes')
        # over-long: refused, and the connection goes on
        r = raw(rx.sock, b'sa add ' + b'7' * 5000 + b'\nsa list\n', 2)
        fl.check(len(r) == 2 and not r[0][0] and 'longer than 4096' in r[0][1] and
                 r[1][0] and r[1][1] == base, 'over-long request: %r' % r)
        r = raw(rx.sock, b'x' * (1 << 20) + b'\nsa list\n', 2)
        fl.check(len(r) == 2 and not r[0][0] and r[1][0] and r[1][1] == base,
                 'a megabyte without newline: %r' % [(a, b[:80]) for a, b in r])
        # a client gone mid-request: nothing happens
        raw(rx.sock, ('sa add ' + sa_words(0x7002, '10.1.1.2')).encode(), 0, close_early=True)
        raw(rx.sock, b'sa del 8193', 0, close_early=True)
        time.sleep(0.2)
        fl.check(rx.sa_list() == base, 'half a request changed the SAs')
        # pipelined, answered in order
        r = raw(rx.sock, b'sa list\nbogus\nstats\nsa del 30583\nsa list\n', 5)
        fl.check([ok for ok, _ in r] == [True, False, True, False, True] and
                 r[0][1] == base and json.loads(r[2][1])['sa_count'] == 2,
                 'pipelined: %r' % [(a, b[:60]) for a, b in r])
        # too many clients: the one over the limit is told so
        conns = []
        for _ in range(16):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(rx.sock)
            conns.append(s)
        time.sleep(0.2)
        r = raw(rx.sock, b'sa list\n', 1)
        fl.check(len(r) == 1 and not r[0][0] and 'too many' in r[0][1],
                 'client over the limit: %r' % r)
        for s in conns:
            s.close()
        time.sleep(0.2)
        fl.check(rx.sa_list() == base, 'after the idle clients left')
        # ov2ctl exit statuses
        rc, out, err = rx.ctl('sa', 'del', '30583')
        fl.check(rc == 1 and 'no inbound ESP SA 30583' in err, 'refused: rc %d %s' % (rc, err))
        rc, out, err = rx.ctl()
        fl.check(rc == 2 and 'unknown command' in err, 'no command: rc %d' % rc)
        rc, out, err = rx.ctl('frobnicate')
        fl.check(rc == 2, 'unknown command: rc %d' % rc)
        rc, out, err = rx.ctl('sa', 'del', '8193\nsa del 8194')
        fl.check(rc == 2 and 'newline' in err, 'a newline in a word: rc %d %s' % (rc, err))
        rc, out, err = rx.ctl('sa', 'list', sock=os.path.join(tmp, 'nonexistent.sock'))
        fl.check(rc == 2 and 'cannot connect' in err, 'no socket: rc %d %s' % (rc, err))
        p = subprocess.run([CTL, 'sa', 'list'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        fl.check(p.returncode == 2 and '-s PATH' in p.stderr, 'no -s: rc %d' % p.returncode)
        rc, out, err = rx.ctl('sa', 'add', *sa_words(0x7003, '10.1.1.3').split())
        fl.check(rc == 0 and 'added' in out, 'sa add: rc %d %s' % (rc, err))
        rc, out, err = rx.ctl('-', stdin='sa del 28675\nsa del 28675\nsa list\n')
        fl.check(rc == 1 and out.count('deleted') == 1 and out.endswith(base) and
                 'request 2: no inbound ESP SA 28675' in err,
                 'batch with a refused request: rc %d %r %r' % (rc, out, err))
        # a second ov2rx on the same socket path is refused
        p = subprocess.run([RX, '--no-huge', '-m', '128', '--no-pci', '--no-telemetry', '-l', '0',
                            '--file-prefix', rx.prefix + 'b', '--log-level', 'lib.eal:warning',
                            '--vdev', 'net_pcap0,rx_pcap=%s' % pcap, '--', '-f', conf,
                            '--ctl', rx.sock, '--duration', '1'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        remove_runtime_dir(rx.prefix + 'b')
        fl.check(p.returncode == 1 and 'another process serves this socket' in p.stderr,
                 'second ov2rx on the socket: rc %d %s' % (p.returncode, p.stderr[-300:]))
        fl.check(rx.sa_list() == base, 'after the second ov2rx')
        fl.check(rx.p.poll() is None, 'ov2rx died')
    finally:
        stats = rx.stop()
    fl.check(rx.rc == 0, 'ov2rx exit status %d' % rx.rc)
    fl.check(not os.path.exists(rx.sock), 'socket file left at exit')
    fl.check(stats is not None and stats['sa_count'] == 2, 'stats at exit')
    notafile = os.path.join(tmp, 'plain')
    open(notafile, 'w').close()
    p = subprocess.run([RX, '--no-huge', '-m', '128', '--no-pci', '--no-telemetry', '-l', '0',
                        '--file-prefix', rx.prefix + 'c', '--log-level', 'lib.eal:warning',
                        '--vdev', 'net_pcap0,rx_pcap=%s' % pcap, '--', '-f', conf,
                        '--ctl', notafile, '--duration', '1'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    remove_runtime_dir(rx.prefix + 'c')
    fl.check(p.returncode == 1 and 'not a socket' in p.stderr,
             '--ctl on a plain file: rc %d %s' % (p.returncode, p.stderr[-300:]))


def group_reload(fl, tmp):
    K1, K2 = KEPT[0], KEPT[1]
    B, C, D, E = (0x2101, '203.0.113.1'), (0x2102, '203.0.113.2'), \
                 (0x2103, '203.0.113.3'), (0x2104, '203.0.113.4')
    conf = os.path.join(tmp, 'ov2rx.conf')
    first = conf_text([K1, K2, D]) + 'sa in %s pair 9000\n' % sa_words(*B) + \
        'sa out 9000 aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel dst 192.0.2.1\n' \
        % hexkey(9000)
    with open(conf, 'w') as f:
        f.write(first)
    pcap = make_traffic(tmp, [K1, K2], x_count=0)
    rx = Rx(tmp, 'reload', conf, pcap, extra=['--sa-capacity', '6'])
    try:
        rc, out, err = rx.ctl('sa', 'add', *sa_words(*C).split())
        fl.check(rc == 0, 'sa add C: %s' % err)
        base = rx.sa_list()
        fl.check(base.count('\n') == 5, 'list before reload: %r' % base)
        fl.check(wait_for(lambda: rx.stats_now()['delivered'] > 5000), 'no traffic')

        # a file with an error: refused, nothing changes
        with open(conf, 'w') as f:
            f.write(conf_text([K1, K2]) + 'sa in 77 aead_algo aes-128-gcm mode transport\n')
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 1 and 'ov2rx.conf:3' in err, 'bad file: rc %d %s' % (rc, err))
        fl.check(rx.sa_list() == base, 'bad file changed the SAs')
        # a policy that does not parse: same
        with open(conf, 'w') as f:
            f.write(conf_text([K1, K2]) + 'sp ipv4 in esp protect 12345\n')
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 1 and 'reload' in err, 'bad policy: rc %d %s' % (rc, err))
        fl.check(rx.sa_list() == base, 'bad policy changed the SAs')
        st = rx.stats_now()
        fl.check(st['policy_rules'] == 0 and st['out_sa_count'] == 1 and
                 st['drops']['policy_mismatch'] == 0, 'bad policy changed the state')
        # more SAs than the capacity: refused before anything changes
        many = [(0x2200 + i, '203.0.116.%d' % (i + 1)) for i in range(5)]
        with open(conf, 'w') as f:
            f.write(conf_text([K1, K2] + many))
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 1 and 'capacity' in err, 'over capacity: rc %d %s' % (rc, err))
        fl.check(rx.sa_list() == base, 'over-capacity reload changed the SAs')
        fl.check(rx.stats_now()['out_sa_count'] == 1, 'outbound record changed')

        # a good file: K1, K2 unchanged, B and C go, D changes, E comes
        good = conf_text([K1, K2]) + 'sa in %s\n' % sa_words(D[0], D[1], 'replay-window 32') + \
            conf_text([E])
        with open(conf, 'w') as f:
            f.write(good)
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 0 and '1 added, 1 replaced, 2 deleted, 2 unchanged' in out and
                 '0 outbound SA records' in out, 'good reload: rc %d %s %s' % (rc, out, err))
        lst = rx.sa_list()
        spis = sorted(int(ln.split()[0]) for ln in lst.splitlines())
        fl.check(spis == sorted([K1[0], K2[0], D[0], E[0]]), 'list after reload: %r' % lst)
        fl.check('%d dst %s esp ipv4-tunnel aead_algo aes-128-gcm replay-window 32'
                 % D in lst, 'D replaced: %r' % lst)
        # the same file again: nothing to do
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 0 and '0 added, 0 replaced, 0 deleted, 4 unchanged' in out,
                 'second reload: %s' % out)

        # a policy with no rule for the kept SAs: their packets now fail it
        with open(conf, 'w') as f:
            f.write(good + 'sp ipv4 in esp protect %d dst 10.99.0.0/16\n' % E[0])
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 0 and '1 inbound policy rules' in out, 'policy reload: %s %s' % (out, err))
        fl.check(wait_for(lambda: rx.stats_now()['drops']['policy_mismatch'] > 0),
                 'the lcores did not pick up the new policy')
        with open(conf, 'w') as f:
            f.write(good)
        rc, out, err = rx.ctl('reload')
        fl.check(rc == 0 and '0 inbound policy rules' in out, 'policy removed: %s' % out)
        time.sleep(0.3)
        pm = rx.stats_now()['drops']['policy_mismatch']
        time.sleep(0.5)
        fl.check(rx.stats_now()['drops']['policy_mismatch'] == pm,
                 'policy_mismatch still grows after the policy went')
    finally:
        stats = rx.stop()
    fl.check(rx.rc == 0, 'ov2rx exit status %d' % rx.rc)
    if stats is None:
        fl.check(False, 'no stats at exit')
        return
    for spi, _ in (K1, K2):
        e = sa_entries(stats, spi)
        # kept all along: one record, never replaced, only the policy's drops
        fl.check(len(e) == 1 and not e[0]['deleted'] and e[0]['delivered'] > 5000 and
                 set(e[0]['drops']) <= {'policy_mismatch'}, 'kept SA %d: %r' % (spi, e))
    fl.check(len(sa_entries(stats, D[0])) == 2, 'D: old and new records')
    fl.check(stats['drops_total'] == stats['drops']['policy_mismatch'],
             'drops other than the policy window: %r' % {k: v for k, v in
                                                          stats['drops'].items() if v})


def main():
    fl = Failures('ctl_e2e_' + GROUP)
    tmp = tmpdir('ctl_' + GROUP)
    {'traffic': group_traffic, 'errors': group_errors, 'reload': group_reload}[GROUP](fl, tmp)
    fl.finish(tmp)


if __name__ == '__main__':
    main()
