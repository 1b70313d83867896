#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Process-level behaviour of ov2rx: exit statuses and messages for bad
command lines and bad configurations, stopping on SIGTERM/SIGINT and after
--duration (both on endless input: anti-replay drops every repeat), two
lcores polling two rx queues, the --errors port, --offload off/ah (ESP
processed by the consumer's software path), jumbo frames (chained mbufs,
ESP of known SAs processed in software), inbound policy lines, and an empty
input.

usage: ov2rx_behaviour.py OV2GEN OV2RX"""

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from scapy.all import Ether, IP, IPv6, UDP, Raw

import e2e_common as C

EAL = ['--no-huge', '-m', '512', '--no-pci', '--no-telemetry',
       '--log-level', 'lib.eal:warning']
SAS = C.SAS_ALL[:3]	# IPv4 tunnel, IPv6 tunnel, IPv4 transport
ALL_FAULTS = sum((['--fault', k + ':1'] for k in C.FAULTS), [])


class Ctx:
    def __init__(self, gen, rx, tmp, fl):
        self.gen, self.rx, self.tmp, self.fl = gen, rx, tmp, fl
        self.conf = self.path('sa.conf')
        C.write_conf(self.conf, SAS)

    def path(self, name):
        return os.path.join(self.tmp, name)


def prefix(name):
    return 'ov2bh_%s_%d' % (name, os.getpid())


def rx_cmd(ctx, name, vdevs, args, lcores='0'):
    cmd = [ctx.rx] + EAL + ['-l', lcores, '--file-prefix', prefix(name)]
    for v in vdevs:
        cmd += ['--vdev', v]
    return cmd + ['--'] + list(args)


def run_rx(ctx, name, vdevs, args, lcores='0', timeout=60):
    """Run ov2rx to completion; returns the CompletedProcess (None on timeout)."""
    cmd = rx_cmd(ctx, name, vdevs, args, lcores)
    try:
        return C.run(cmd, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        ctx.fl.check(False, '%s: ov2rx did not exit within %d s: %s'
                     % (name, timeout, ' '.join(cmd)))
        return None
    finally:
        C.remove_runtime_dir(prefix(name))


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def show(p):
    """The tail of a process's output, for failure messages."""
    if p is None:
        return ''
    return ' [stdout: %s] [stderr: %s]' % (p.stdout[-600:].strip(), p.stderr[-600:].strip())


def check_accounting(fl, st, what):
    """drops_total is the sum of drops; rx_packets = delivered + drops +
    frag_merged + frag_held; the per-SA counters agree; no leak."""
    C.check_invariant(fl, st, what)
    C.check_per_sa(fl, st, what)
    fl.check(st.get('mbufs_in_use_at_exit') == 0, '%s: mbufs_in_use_at_exit %s, expected 0'
             % (what, st.get('mbufs_in_use_at_exit')))


def check_looped(fl, st, frames, n_good, n_clear, what):
    """Input sent over and over (net_pcap infinite_rx, in file order) whose
    first n_good frames are good ESP packets and last n_clear cleartext.
    Anti-replay is on (default window 64, more than the packets of an SA
    here): each good packet is delivered once, every repeat is dropped as
    replay_duplicate (a genuine replay: expected, not switched off), never
    replay_old; cleartext is delivered every time."""
    n = st.get('rx_packets', 0)
    loops, rest = divmod(n, len(frames))
    if not fl.check(loops >= 2, '%s: test setup: only %d frames received, not the input '
                    '(%d frames) twice' % (what, n, len(frames))):
        return
    times = [loops + (i < rest) for i in range(len(frames))]
    once = sum(min(t, 1) for t in times[:n_good])
    dup = sum(t - 1 for t in times[:n_good] if t > 0)
    clear = sum(times[len(frames) - n_clear:])
    drops = st.get('drops', {})
    sa_delivered = sum(sa.get('delivered', 0) for sa in st.get('sas', []))
    fl.check(sa_delivered == once, '%s: SAs delivered %d, expected each of the %d good '
             'packets once' % (what, sa_delivered, n_good))
    fl.check(drops.get('replay_duplicate') == dup, '%s: replay_duplicate %s, expected %d '
             '(%d frames received: %d loops + %d)' % (what, drops.get('replay_duplicate'),
                                                      dup, n, loops, rest))
    fl.check(drops.get('replay_old') == 0, '%s: replay_old %s, expected 0'
             % (what, drops.get('replay_old')))
    fl.check(st.get('delivered') == once + clear, '%s: delivered %s, expected %d good + '
             '%d cleartext' % (what, st.get('delivered'), once, clear))


def run_ok(ctx, name, vdevs, args, lcores='0'):
    """Run ov2rx, which must exit 0 and write its stats JSON; returns the stats
    (None after a failure, already recorded)."""
    stats = ctx.path(name + '.stats.json')
    p = run_rx(ctx, name, vdevs, list(args) + ['--stats-json', stats], lcores)
    if p is None:
        return None
    if not ctx.fl.check(p.returncode == 0, '%s: ov2rx exited %d, expected 0%s'
                        % (name, p.returncode, show(p))):
        return None
    st = load_json(stats)
    ctx.fl.check(st is not None, '%s: no stats JSON written at %s' % (name, stats))
    return st


def gen(ctx, name, args):
    """ov2gen with --expect and --manifest; returns (input, expect, manifest)."""
    inp, exp, man = (ctx.path(name + s) for s in ('.in.pcap', '.exp.pcap', '.man.json'))
    C.ov2gen(ctx.gen, ctx.conf, inp, args, exp, man)
    return inp, exp, load_json(man)


# Drop reasons the consumer decides after the NIC side decrypted the packet.
POST_DECRYPT = ('bad_trailer', 'bad_padding', 'bad_inner_packet', 'dummy_packet')
ICV_LEN = 16


def esp_offset(frame):
    """Offset of the ESP header in an ov2gen frame (no extension headers)."""
    et = frame[12] << 8 | frame[13]
    if et == 0x0800:
        return 14 + (frame[14] & 0xf) * 4
    if et == 0x86dd:
        return 14 + 40
    return None


def decrypted_version_of(got, orig):
    """got is orig with its ESP payload decrypted in place: same length, same
    headers, ESP header, 8-byte IV and ICV, different payload."""
    off = esp_offset(orig)
    if off is None or len(got) != len(orig):
        return False
    head = off + 8 + 8
    return got[:head] == orig[:head] and got[-ICV_LEN:] == orig[-ICV_LEN:] and \
        got[head:-ICV_LEN] != orig[head:-ICV_LEN]


def no_frames(path):
    return len(C.read_frames(path)) == 0


def software_path_frame(frame):
    """An IPv4 frame with options or an IP fragment: ESP in it reaches the
    consumer without OOB (the NIC side does not take it)."""
    et = frame[12] << 8 | frame[13]
    if et == 0x0800:
        return frame[14] & 0xf != 5 or (frame[20] << 8 | frame[21]) & 0x3fff != 0
    return et == 0x86dd and frame[14 + 6] == 44


# 1. Bad command lines: exit 2, a message naming the problem, no output.
def test_bad_options(ctx):
    fl = ctx.fl
    inp, _, _ = gen(ctx, 'opts', ['--count', '2'])
    conf = ctx.conf
    cases = [
        # (name, options, words the message must contain)
        ('unknown', ['-f', conf, '--bogus-option'], ['--bogus-option']),
        ('no_f', ['--in', 'net_pcap0'], ['-f', 'required']),
        ('in_none', ['-f', conf, '--in', 'net_pcap7'], ['--in', 'net_pcap7']),
        ('in_none_id', ['-f', conf, '--in', '9'], ['--in', "'9'"]),
        ('out_eq_err', ['-f', conf, '--out', 'net_pcap1', '--errors', 'net_pcap1'],
         ['--out', '--errors']),
        ('dur_neg', ['-f', conf, '--duration', '-1'], ['--duration', '-1']),
        ('dur_abc', ['-f', conf, '--duration', 'abc'], ['--duration', 'abc']),
        ('idle_0', ['-f', conf, '--exit-when-idle', '0'], ['--exit-when-idle']),
        ('off_mode', ['-f', conf, '--offload', 'net_pcap0:bogus'], ['--offload', 'bogus']),
        ('off_port', ['-f', conf, '--offload', 'nosuchport:esp'], ['--offload', 'nosuchport']),
        ('sacap_0', ['-f', conf, '--sa-capacity', '0'], ['--sa-capacity']),
        ('rxd_5', ['-f', conf, '--rxd', '5'], ['--rxd']),
        ('stray', ['-f', conf, 'strayarg'], ['strayarg']),
    ]
    for name, args, words in cases:
        stats, out = ctx.path('opt_%s.json' % name), ctx.path('opt_%s.out.pcap' % name)
        p = run_rx(ctx, 'opt_' + name,
                   ['net_pcap0,rx_pcap=%s' % inp, 'net_pcap1,tx_pcap=%s' % out],
                   args + ['--stats-json', stats, '--exit-when-idle', '200'])
        if p is None:
            continue
        what = 'bad options %s (%s)' % (name, ' '.join(args[2:] if args[:1] == ['-f'] else args))
        fl.check(p.returncode == 2, '%s: exit status %d, expected 2%s'
                 % (what, p.returncode, show(p)))
        for w in words:
            fl.check(w in p.stderr, '%s: stderr does not name %r: %r' % (what, w, p.stderr))
        fl.check('polling' not in p.stdout, '%s: ov2rx started polling' % what)
        fl.check(not os.path.exists(stats) and not os.path.exists(stats + '.tmp'),
                 '%s: a stats file was written' % what)
        # The tx_pcap file itself is created by EAL's vdev probe, before ov2rx
        # parses its options: it must hold no packet.
        fl.check(no_frames(out), '%s: the output pcap holds packets' % what)

    stats = ctx.path('opt_help.json')
    p = run_rx(ctx, 'opt_help', ['net_pcap0,rx_pcap=%s' % inp],
               ['--help', '-f', conf, '--stats-json', stats])
    if p is not None:
        fl.check(p.returncode == 0, '--help: exit status %d, expected 0%s'
                 % (p.returncode, show(p)))
        fl.check('usage:' in p.stdout and '-f CONFIG' in p.stdout and '--offload' in p.stdout,
                 '--help: no usage text on stdout: %r' % p.stdout[:300])
        fl.check('polling' not in p.stdout, '--help: ov2rx started polling')
        fl.check(not os.path.exists(stats), '--help: a stats file was written')


# 2. Bad configurations: exit 1, FILE:LINE: and what is wrong, no stats.
def test_bad_config(ctx):
    fl = ctx.fl
    inp, _, _ = gen(ctx, 'conf', ['--count', '2'])
    good = C.conf_text(SAS).splitlines()	# line 1 comment, lines 2.. SAs
    missing = ctx.path('no_such.conf')
    badkey = ctx.path('badkey.conf')
    with open(badkey, 'w') as f:
        f.write('\n'.join(good[:2]) + '\n'
                'sa in 300 aead_algo aes-128-gcm aead_key 01:02:03 mode transport\n')
    # sp lines are accepted now (test_policy_lines): these two are wrong
    sp = ctx.path('sp.conf')
    with open(sp, 'w') as f:
        f.write('\n'.join(good[:2]) + '\n'
                'sp ipv4 in esp protect 105 pri 1 dst 0.0.0.0/0 sport 0:65535 '
                'dport 0:65535\n')
    sp_addr = ctx.path('sp_addr.conf')
    with open(sp_addr, 'w') as f:
        f.write('\n'.join(good) + '\n'
                'sp ipv4 in esp bypass pri 1 dst 10.1.2.300/8\n')
    sp_addr_line = len(good) + 1
    dup = ctx.path('dup.conf')
    with open(dup, 'w') as f:
        f.write('\n'.join(good + [good[1]]) + '\n')
    dup_line = len(good) + 1
    cases = [
        ('missing', missing, [missing + ':']),
        ('badkey', badkey, [badkey + ':3:', 'aead_key']),
        ('sp', sp, [sp + ':3:', 'SPI 105', 'reserved']),
        ('sp_addr', sp_addr, ['%s:%d:' % (sp_addr, sp_addr_line), '10.1.2.300/8']),
        ('dup', dup, ['%s:%d:' % (dup, dup_line), 'duplicate']),
        # three inbound SAs, room for two: the third (line 4) does not fit
        ('full', ctx.conf, [ctx.conf + ':4:', 'full'], ['--sa-capacity', '2']),
    ]
    for case in cases:
        name, conf, words = case[:3]
        extra = case[3] if len(case) > 3 else []
        stats, out = ctx.path('conf_%s.json' % name), ctx.path('conf_%s.out.pcap' % name)
        p = run_rx(ctx, 'conf_' + name,
                   ['net_pcap0,rx_pcap=%s' % inp, 'net_pcap1,tx_pcap=%s' % out],
                   ['-f', conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                    '--exit-when-idle', '200', '--stats-json', stats] + extra)
        if p is None:
            continue
        what = 'bad configuration %s' % name
        fl.check(p.returncode == 1, '%s: exit status %d, expected 1%s'
                 % (what, p.returncode, show(p)))
        for w in words:
            fl.check(w in p.stderr, '%s: stderr lacks %r: %r' % (what, w, p.stderr))
        fl.check('polling' not in p.stdout, '%s: ov2rx started polling' % what)
        fl.check(not os.path.exists(stats) and not os.path.exists(stats + '.tmp'),
                 '%s: a stats file was written' % what)
        fl.check(no_frames(out), '%s: the output pcap holds packets' % what)


class Running:
    """ov2rx under Popen, its stdout read line by line by a thread."""

    def __init__(self, ctx, name, cmd):
        self.name = name
        self.errpath = ctx.path(name + '.stderr')
        self.err = open(self.errpath, 'w')
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.lines = []
        self.q = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line)
            self.q.put(line)
        self.q.put(None)

    def wait_line(self, word, timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return False
            if word in line:
                return True

    def wait(self, timeout):
        """Exit status, or None if still running after timeout (then killed)."""
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
            self.p.kill()
            self.p.wait()
        self.thread.join(5)
        self.err.close()
        return rc

    def stdout(self):
        return ''.join(self.lines)

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()


# 3. SIGTERM / SIGINT during continuous traffic.
def test_signals(ctx):
    fl = ctx.fl
    n_clear = 3
    inp, _, man = gen(ctx, 'sig', ['--count', '20', '--fault', 'bad-icv:2',
                                   '--fault', 'unknown-spi:1', '--cleartext', str(n_clear)])
    frames, n_good = C.read_frames(inp), man['kinds']['good']['packets']
    for sig in (signal.SIGTERM, signal.SIGINT):
        name = 'sig_' + sig.name
        stats = ctx.path(name + '.json')
        cmd = rx_cmd(ctx, name, ['net_pcap0,rx_pcap=%s,infinite_rx=1' % inp,
                                 'net_null0,no-rx=1'],
                     ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_null0',
                      '--stats-json', stats])
        r = Running(ctx, name, cmd)
        try:
            started = r.wait_line('polling', 20)
            if not fl.check(started, '%s: ov2rx did not print "polling" within 20 s: %s %s'
                            % (name, r.stdout()[-600:], r.stderr()[-600:])):
                r.wait(0)
                continue
            time.sleep(0.5)
            fl.check(r.p.poll() is None, '%s: ov2rx exited before the signal' % name)
            r.p.send_signal(sig)
            t0 = time.monotonic()
            rc = r.wait(5)
            dt = time.monotonic() - t0
        finally:
            if r.p.poll() is None:
                r.p.kill()
                r.p.wait()
            C.remove_runtime_dir(prefix(name))
        if not fl.check(rc == 0, '%s: exit status %s (None: still running after 5 s), '
                        'expected 0: %s' % (name, rc, r.stderr()[-600:])):
            continue
        fl.check(dt < 5, '%s: took %.2f s to exit' % (name, dt))
        out = r.stdout()
        fl.check('received' in out and 'delivered' in out and 'dropped' in out,
                 '%s: no summary printed after the signal: %r' % (name, out[-600:]))
        st = load_json(stats)
        if not fl.check(st is not None, '%s: no stats JSON written' % name):
            continue
        fl.check(st.get('rx_packets', 0) > 0, '%s: rx_packets %s, expected > 0'
                 % (name, st.get('rx_packets')))
        fl.check(st.get('delivered', 0) > 0, '%s: delivered %s, expected > 0'
                 % (name, st.get('delivered')))
        check_accounting(fl, st, name)
        check_looped(fl, st, frames, n_good, n_clear, name)


# 4. --duration 1 with endless input.
def test_duration(ctx):
    fl = ctx.fl
    inp, _, man = gen(ctx, 'dur', ['--count', '10', '--cleartext', '2'])
    stats = ctx.path('dur.json')
    t0 = time.monotonic()
    p = run_rx(ctx, 'dur', ['net_pcap0,rx_pcap=%s,infinite_rx=1' % inp, 'net_null0,no-rx=1'],
               ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_null0',
                '--duration', '1', '--stats-json', stats], timeout=20)
    wall = time.monotonic() - t0
    if p is None:
        return
    if not fl.check(p.returncode == 0, '--duration 1: exit status %d%s'
                    % (p.returncode, show(p))):
        return
    fl.check(0.9 <= wall <= 5, '--duration 1: ran %.2f s wall clock, expected 0.9..5' % wall)
    st = load_json(stats)
    if not fl.check(st is not None, '--duration 1: no stats JSON written'):
        return
    el = st.get('elapsed_s', -1)
    fl.check(0.9 <= el <= 2, '--duration 1: elapsed_s %s, expected 0.9..2' % el)
    fl.check(st.get('rx_packets', 0) > 0, '--duration 1: rx_packets %s' % st.get('rx_packets'))
    check_accounting(fl, st, '--duration 1')
    check_looped(fl, st, C.read_frames(inp), man['kinds']['good']['packets'], 2,
                 '--duration 1')


# 5. Two lcores polling two rx queues of one port.
def test_two_lcores(ctx):
    fl = ctx.fl
    a_in, a_exp, a_man = gen(ctx, 'lcA', ['--count', '20', '--sizes', '100,300',
                                          '--fault', 'bad-icv:3', '--fault', 'truncated:2',
                                          '--fault', 'ipv4-options:1', '--cleartext', '3'])
    b_in, b_exp, b_man = gen(ctx, 'lcB', ['--count', '15', '--sizes', '200,400',
                                          '--seq-start', '1000', '--random-order',
                                          '--seed', '5', '--fault', 'bad-pad:2',
                                          '--fault', 'unknown-spi:2', '--fault', 'bad-inner:1',
                                          '--cleartext', '4'])
    out = ctx.path('lc.out.pcap')
    # A and B use the same SAs (A sequence numbers from 1, B from 1000), on
    # two lcores whose interleaving the scheduler decides. Anti-replay stays
    # on (the two lcores share each SA's window), with a window wide enough
    # for both ranges: no drop in any interleaving. The default 64 would
    # drop A's packets as replay_old whenever B's came first.
    st = run_ok(ctx, 'lc', ['net_pcap0,rx_pcap=%s,rx_pcap=%s' % (a_in, b_in),
                            'net_pcap1,tx_pcap=%s' % out],
                ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                 '--replay-window', '4096', '--exit-when-idle', '300'], lcores='0,1')
    if st is None:
        return
    fl.check(st.get('lcores') == 2, 'two lcores: stats lcores %s, expected 2' % st.get('lcores'))
    fl.check(all(sa.get('replay_window') == 4096 for sa in st.get('sas', [])),
             'two lcores: replay windows %s, expected 4096'
             % [sa.get('replay_window') for sa in st.get('sas', [])])
    # The sum of both manifests, checked like a single one.
    man = {k: a_man[k] + b_man[k] for k in a_man if isinstance(a_man[k], int)}
    for group in ('crypto_status', 'drops'):
        man[group] = dict(collections.Counter(a_man[group]) + collections.Counter(b_man[group]))
    man['kinds'] = {'cleartext': {'delivered': a_man['kinds']['cleartext']['delivered'] +
                                  b_man['kinds']['cleartext']['delivered']}}
    C.check_stats(fl, st, man, 'two lcores')
    check_accounting(fl, st, 'two lcores')
    fl.check(st.get('crypto_done') == sum(man['crypto_status'].values()),
             'two lcores: crypto_done %s, expected %d'
             % (st.get('crypto_done'), sum(man['crypto_status'].values())))
    got, ea, eb = C.read_frames(out), C.read_frames(a_exp), C.read_frames(b_exp)
    fl.check(not set(ea) & set(eb) and len(set(ea)) == len(ea) and len(set(eb)) == len(eb),
             'two lcores: test setup: the expected frames of A and B are not all distinct')
    fl.check(collections.Counter(got) == collections.Counter(ea + eb),
             'two lcores: delivered %d frames, not the multiset of A and B\'s %d + %d expected'
             ' frames' % (len(got), len(ea), len(eb)))
    # one writer per SA: a packet of an SA the other lcore owns is handed to
    # it, so the order holds per SA within each source (docs/MULTICORE.md)
    for name, inp, exp in (('A', a_in, ea), ('B', b_in, eb)):
        bad = C.in_order_per_sa(got, exp, C.spi_by_payload(C.read_frames(inp), SAS))
        fl.check(not bad, 'two lcores: frames of %s delivered out of order for SAs %s'
                 % (name, bad))
    if fl.msgs:
        print('two lcores stats: %s' % json.dumps(st, sort_keys=True))


# 6. --errors: exactly the dropped frames, with the bytes they arrived with.
def test_errors_port(ctx):
    fl = ctx.fl
    args = ['--count', '6', '--sizes', '64,500']
    inp, exp, man = gen(ctx, 'err', args + ALL_FAULTS + ['--fault', 'bad-icv:3'])
    # The same traffic without faults: ov2gen is deterministic, so the fault
    # frames are the input minus these good frames.
    good_in, _, _ = gen(ctx, 'errgood', args)
    fault_frames = collections.Counter(C.read_frames(inp)) - \
        collections.Counter(C.read_frames(good_in))
    # IPv4 options and fragments are delivered (the consumer's software
    # path): they must not reach the error port.
    sw_frames = collections.Counter(f for f in fault_frames.elements() if software_path_frame(f))
    fault_frames -= sw_frames
    n_faults = sum(fault_frames.values())
    n_sw = man['kinds']['ipv4-options']['frames'] + man['kinds']['fragment']['frames']
    fl.check(n_faults >= len(C.FAULTS) + 1 and n_faults == sum(man['drops'].values()) and
             sum(sw_frames.values()) == n_sw == 3,
             '--errors: test setup: %d fault frames to drop (manifest drops %d), %d options '
             'and fragment frames (manifest %d, expected 3)'
             % (n_faults, sum(man['drops'].values()), sum(sw_frames.values()), n_sw))
    out, err = ctx.path('err.out.pcap'), ctx.path('err.err.pcap')
    st = run_ok(ctx, 'err', ['net_pcap0,rx_pcap=%s' % inp, 'net_pcap1,tx_pcap=%s' % out,
                             'net_pcap2,tx_pcap=%s' % err],
                ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                 '--errors', 'net_pcap2', '--exit-when-idle', '300'])
    if st is None:
        return
    C.check_stats(fl, st, man, '--errors')
    check_accounting(fl, st, '--errors')
    C.compare_frames(fl, C.read_frames(out), C.read_frames(exp), '--errors: delivered')
    errs = C.read_frames(err)
    fl.check(len(errs) == st.get('drops_total'), '--errors: error pcap holds %d frames, '
             'drops_total %s' % (len(errs), st.get('drops_total')))
    # Every dropped frame as it arrived, except those the consumer dropped
    # after a successful decryption (README: only authentication failures are
    # promised their original bytes): those are their fault frame decrypted in
    # place, headers, ESP header, IV and ICV unchanged.
    drops = st.get('drops', {})
    n_after = sum(drops.get(r, 0) for r in POST_DECRYPT)
    left = collections.Counter(fault_frames)
    decrypted = []
    for fr in errs:
        if left[fr] > 0:
            left[fr] -= 1
        else:
            decrypted.append(fr)
    for fr in decrypted:
        m = [f for f in left.elements() if decrypted_version_of(fr, f)]
        if fl.check(m, '--errors: error frame %s is neither a fault frame nor one decrypted '
                    'in place' % fr[:64].hex()):
            left[m[0]] -= 1
    fl.check(len(decrypted) == n_after, '--errors: %d error frames differ from their input '
             'frame, %d drops happened after decryption (%s): auth failures and NIC-side '
             'drops must keep their bytes' % (len(decrypted), n_after, POST_DECRYPT))
    fl.check(sum(left.values()) == 0 and len(errs) == n_faults,
             '--errors: the error pcap is not exactly the %d fault frames ov2gen generated '
             'that ov2rx drops' % n_faults)
    fl.check(not set(errs) & set(sw_frames), '--errors: an IPv4 options or fragment frame '
             'reached the error port')
    if decrypted:
        print('--errors: %d of %d error frames carry their payload decrypted (drops %s)'
              % (len(decrypted), len(errs), {r: drops.get(r, 0) for r in POST_DECRYPT}))
    bad_icv = st.get('drops', {}).get('tunnel_esp_auth_failed', 0) + \
        st.get('drops', {}).get('transport_esp_auth_failed', 0)
    fl.check(bad_icv >= 4, '--errors: only %d authentication failures dropped' % bad_icv)


# 7. --offload off / ah: the port's engine does not take ESP; the consumer's
# software path processes ESP of known SAs with the same engine: everything
# ov2gen says is delivered is delivered, with the same statuses and drops,
# but all of it counted not_offloaded and the CryptoDone ones sw_processed.
def test_offload_modes(ctx):
    fl = ctx.fl
    n_clear = 5
    inp, exp, man = gen(ctx, 'offl', ['--count', '4', '--fault', 'bad-icv:2',
                                     '--fault', 'unknown-spi:1', '--cleartext', str(n_clear)])
    in_frames = C.read_frames(inp)
    n_esp = len(in_frames) - n_clear
    n_done = sum(man['crypto_status'].values())	# ESP of known SAs
    fl.check(n_done == n_esp - 1 and man['sw_processed'] == 0,
             '--offload: test setup: %d CryptoDone of %d ESP frames, sw_processed %d'
             % (n_done, n_esp, man['sw_processed']))
    want = dict(man, not_offloaded=len(in_frames), sw_processed=n_done)
    for mode in ('off', 'ah'):
        what = '--offload net_pcap0:%s' % mode
        out = ctx.path('offl_%s.out.pcap' % mode)
        st = run_ok(ctx, 'offl_' + mode, ['net_pcap0,rx_pcap=%s' % inp,
                                         'net_pcap1,tx_pcap=%s' % out],
                    ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                     '--offload', 'net_pcap0:' + mode, '--exit-when-idle', '300'])
        if st is None:
            continue
        # delivered, crypto_status, drops as ov2gen says; not_offloaded ==
        # rx_packets; sw_processed == every ESP frame of a known SA
        C.check_stats(fl, st, want, what)
        check_accounting(fl, st, what)
        ports = st.get('ports', [])
        fl.check(ports and ports[0].get('offload') == mode, '%s: port 0 reports offload %s'
                 % (what, ports[0].get('offload') if ports else None))
        # the port's engine did nothing: off refuses every packet, ah every
        # ESP one
        eng = ports[0].get('engine', {}) if ports else {}
        fl.check(eng.get('crypto_done') == 0 and
                 eng.get('disabled') == (len(in_frames) if mode == 'off' else n_esp),
                 '%s: port engine %s, expected crypto_done 0, disabled %d'
                 % (what, eng, len(in_frames) if mode == 'off' else n_esp))
        C.compare_frames(fl, C.read_frames(out), C.read_frames(exp), what + ': delivered')


def clear_frame(family, payload):
    if family == 4:
        ip = IP(src='192.168.77.1', dst='192.168.77.2')
    else:
        ip = IPv6(src='fd77::1', dst='fd77::2')
    return bytes(Ether(src=C.ETH_SRC, dst=C.ETH_DST) / ip / UDP(sport=4000, dport=4001) /
                 Raw(payload))


# 8. Jumbo frames (chained mbufs from net_pcap). The port's engine does not
# take chained ESP; the consumer copies ESP of a known SA into one segment
# and processes it in software: good packets delivered decrypted, a bad ICV
# dropped with its bytes restored; ESP without SA and cleartext stay chained
# (dropped, delivered) and must keep their bytes.
def test_jumbo(ctx):
    fl = ctx.fl
    esp_in, esp_exp, man = gen(ctx, 'jumbo_esp', ['--count', '3', '--size', '3000',
                                                  '--fault', 'bad-icv:1',
                                                  '--fault', 'unknown-spi:1'])
    esp = C.read_frames(esp_in)
    payload = bytes((i * 7 + 3) & 0xff for i in range(2950))
    clear = [clear_frame(4, payload), clear_frame(6, payload)]
    inp = ctx.path('jumbo.in.pcap')
    C.write_pcap(inp, esp + clear)
    want_out = C.read_frames(esp_exp) + clear
    fl.check(all(len(f) > 2048 for f in esp + clear) and
             len(want_out) == man['delivered'] + len(clear) == len(esp) - 2 + len(clear),
             'jumbo: test setup: frames not larger than an mbuf (%s), or %d expected frames'
             % ([len(f) for f in esp + clear], len(want_out)))
    out, err = ctx.path('jumbo.out.pcap'), ctx.path('jumbo.err.pcap')
    st = run_ok(ctx, 'jumbo', ['net_pcap0,rx_pcap=%s' % inp, 'net_pcap1,tx_pcap=%s' % out,
                               'net_pcap2,tx_pcap=%s' % err],
                ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                 '--errors', 'net_pcap2', '--exit-when-idle', '300'])
    if st is None:
        return
    n = len(esp) + len(clear)
    drops = {k: v for k, v in st.get('drops', {}).items() if v}
    eng = (st.get('ports') or [{}])[0].get('engine', {})
    print('jumbo: %d ESP frames of %d bytes and %d cleartext frames of %s bytes: '
          'delivered %s, crypto_done %s, sw_processed %s, drops %s, engine %s'
          % (len(esp), len(esp[0]), len(clear), [len(f) for f in clear], st.get('delivered'),
             st.get('crypto_done'), st.get('sw_processed'), drops, eng))
    # ov2gen's manifest, but every ESP frame of a known SA reaches the
    # consumer without OOB and goes through the software path; plus the
    # cleartext frames
    n_done = sum(man['crypto_status'].values())
    want = dict(man, frames=n, delivered=man['delivered'] + len(clear), not_offloaded=n,
                sw_processed=n_done,
                kinds={'cleartext': {'delivered': len(clear)}})
    C.check_stats(fl, st, want, 'jumbo')
    check_accounting(fl, st, 'jumbo')
    fl.check(eng.get('crypto_done') == 0 and eng.get('unsupported') == n_done,
             'jumbo: port engine %s, expected crypto_done 0 and unsupported %d (chained '
             'ESP of known SAs)' % (eng, n_done))
    got = C.read_frames(out)
    C.compare_frames(fl, got, want_out, 'jumbo: delivered (decrypted ESP, then cleartext)')
    fl.check(st.get('delivered_bytes') == sum(len(f) for f in want_out),
             'jumbo: delivered_bytes %s, expected %d' % (st.get('delivered_bytes'),
                                                        sum(len(f) for f in want_out)))
    errs = C.read_frames(err)
    fl.check(len(errs) == st.get('drops_total') == 2, 'jumbo: error pcap holds %d frames, '
             'drops_total %s, expected 2' % (len(errs), st.get('drops_total')))
    ins = set(esp + clear)
    fl.check(all(f in ins for f in errs),
             'jumbo: an error frame is not byte-identical to an input frame (chained tx, '
             'or the bad ICV packet not restored)')


# 9. Inbound policy lines (sp) in the configuration: the one test_bad_config
# used to refuse is accepted now and applied: only SA 4097 may carry IPv4.
def test_policy_lines(ctx):
    fl = ctx.fl
    inp, exp, man = gen(ctx, 'pol', ['--count', '2'])
    conf = ctx.path('pol.conf')
    C.write_conf(conf, SAS, 'sp ipv4 in esp protect 4097 pri 1 dst 0.0.0.0/0 '
                 'sport 0:65535 dport 0:65535\n')
    out = ctx.path('pol.out.pcap')
    st = run_ok(ctx, 'pol', ['net_pcap0,rx_pcap=%s' % inp, 'net_pcap1,tx_pcap=%s' % out],
                ['-f', conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                 '--exit-when-idle', '200'])
    if st is None:
        return
    fl.check(st.get('policy_rules') == 1, 'sp: policy_rules %s, expected 1'
             % st.get('policy_rules'))
    # ov2gen's packets go round-robin over 4097 (IPv4 tunnel), 4098 (IPv6
    # tunnel: no IPv6 rule) and 4099 (IPv4 transport: the rule names 4097)
    drops = {k: v for k, v in st.get('drops', {}).items() if v}
    fl.check(st.get('delivered') == 2 and drops == {'policy_mismatch': 4},
             'sp: delivered %s, drops %s; expected 2 and policy_mismatch 4'
             % (st.get('delivered'), drops))
    per_sa = {sa.get('spi'): (sa.get('delivered'), sa.get('drops')) for sa in st.get('sas', [])}
    want = {4097: (2, {}), 4098: (0, {'policy_mismatch': 2}),
            4099: (0, {'policy_mismatch': 2})}
    fl.check(per_sa == want, 'sp: per SA %s, expected %s' % (per_sa, want))
    check_accounting(fl, st, 'sp')
    C.compare_frames(fl, C.read_frames(out), C.read_frames(exp)[0::3], 'sp: delivered')


# 10. An empty input.
def test_empty(ctx):
    fl = ctx.fl
    inp, out = ctx.path('empty.in.pcap'), ctx.path('empty.out.pcap')
    C.write_pcap(inp, [])
    st = run_ok(ctx, 'empty', ['net_pcap0,rx_pcap=%s' % inp, 'net_pcap1,tx_pcap=%s' % out],
                ['-f', ctx.conf, '--in', 'net_pcap0', '--out', 'net_pcap1',
                 '--exit-when-idle', '200'])
    if st is None:
        return
    fl.check(st.get('rx_packets') == 0, 'empty input: rx_packets %s, expected 0'
             % st.get('rx_packets'))
    fl.check(st.get('delivered') == 0 and st.get('drops_total') == 0,
             'empty input: delivered %s, drops_total %s' % (st.get('delivered'),
                                                           st.get('drops_total')))
    check_accounting(fl, st, 'empty input')
    fl.check(no_frames(out), 'empty input: the output pcap holds packets')


TESTS = [test_bad_options, test_bad_config, test_signals, test_duration, test_two_lcores,
         test_errors_port, test_offload_modes, test_jumbo, test_policy_lines, test_empty]


def main():
    gen_exe, rx_exe = sys.argv[1:3]
    fl = C.Failures('ov2rx_behaviour')
    tmp = C.tmpdir('behaviour')
    ctx = Ctx(gen_exe, rx_exe, tmp, fl)
    t_all = time.monotonic()
    for t in TESTS:
        t0 = time.monotonic()
        before_c, before_f = fl.checks, len(fl.msgs)
        t(ctx)
        print('%-20s %3d checks, %d failures, %.1f s'
              % (t.__name__, fl.checks - before_c, len(fl.msgs) - before_f,
                 time.monotonic() - t0))
    print('total %.1f s' % (time.monotonic() - t_all))
    fl.finish(tmp)


if __name__ == '__main__':
    main()
