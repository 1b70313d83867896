#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The receive benchmark: ov2rx beside its limits and its peer, in one run.

Measured on the machine it runs on, each cell the median of --runs runs:
  crypto   raw libipsec-mb decrypt + verify per packet (bench_raw_imb)
  io       dpdk-testpmd io forwarding, same source and sink
  secgw    DPDK's ipsec-secgw example (22.11), built here from the Debian
           dpdk-doc sources with its hard-coded rx checksum offload off
  ov2rx    this project
Source: net_pcap with infinite_rx=1 (an ov2gen pcap replayed from memory);
sink: net_null with no-rx=1. The rate is the sink port's opackets, read
twice through each process's DPDK telemetry socket (/ethdev/stats,1)
--seconds apart: the same method for the three programs.

Also: ov2rx with anti-replay on over fresh sequence numbers, a callgrind
instructions-per-packet figure of ov2rx's receive path, and SA memory.
See BENCHMARKS.md for what each figure means.

usage: bench.py [--quick] [--build DIR] [--out DIR] [--runs N] [--seconds S]
                [--no-huge] [--mem MB]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECGW_SRC = "/usr/share/dpdk/examples"
# The line of ipsec-secgw.c (22.11) that asks every port for rx checksum
# offload; net_pcap and net_null have none, so rte_eth_dev_configure would
# refuse the port. The bench's copy asks for no rx offload instead.
SECGW_CKSUM_LINE = "\t\t.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,\n"
SECGW_CKSUM_FIX = "\t\t.offloads = 0, /* ov2rx bench: vdevs have no rx checksum offload */\n"

ALGOS = {
    # name: (sa line algorithm part, key material)
    "gcm128": "aead_algo aes-128-gcm aead_key "
              "2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:de:ad:be:ef",
    "cbc128-sha256": "cipher_algo aes-128-cbc cipher_key "
                     "2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c "
                     "auth_algo sha256-hmac auth_key "
                     "60:3d:eb:10:15:ca:71:be:2b:73:ae:f0:85:7d:77:81:"
                     "1f:35:2c:07:3b:61:08:d7:2d:98:10:a3:09:14:df:f4",
}
TUNNEL = "mode ipv4-tunnel src 172.16.1.5 dst 172.16.2.5"


class BenchError(Exception):
    pass


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if r.returncode != 0:
        raise BenchError("%s failed (%d):\n%s" % (" ".join(cmd), r.returncode,
                                                   r.stdout[-3000:]))
    return r.stdout


# ---------------------------------------------------------------- building

def build_ov2rx(bdir):
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        run(["meson", "setup", bdir, SRC, "--buildtype=release"])
    run(["ninja", "-C", bdir])
    for exe in ("app/ov2rx/ov2rx", "app/ov2gen/ov2gen",
                "tests/bench/bench_raw_imb", "tests/bench/bench_sa_mem"):
        if not os.access(os.path.join(bdir, exe), os.X_OK):
            raise BenchError("%s missing after the build" % exe)


def build_secgw(out):
    """Copy ipsec-secgw and its common dir, turn the offload off, make."""
    top = os.path.join(out, "secgw-src")
    exe = os.path.join(top, "ipsec-secgw", "build", "ipsec-secgw")
    if os.access(exe, os.X_OK):
        return exe
    if not os.path.isdir(os.path.join(SECGW_SRC, "ipsec-secgw")):
        raise BenchError("%s/ipsec-secgw not found: install dpdk-doc" % SECGW_SRC)
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(top)
    for d in ("ipsec-secgw", "common"):
        shutil.copytree(os.path.join(SECGW_SRC, d), os.path.join(top, d))
    path = os.path.join(top, "ipsec-secgw", "ipsec-secgw.c")
    text = open(path).read()
    if text.count(SECGW_CKSUM_LINE) != 1:
        raise BenchError("ipsec-secgw.c: the rx checksum offload line is not there "
                         "exactly once (another DPDK version?)")
    open(path, "w").write(text.replace(SECGW_CKSUM_LINE, SECGW_CKSUM_FIX))
    log("building ipsec-secgw in", top)
    run(["make", "-C", os.path.join(top, "ipsec-secgw"), "-j2"])
    if not os.access(exe, os.X_OK):
        raise BenchError("ipsec-secgw did not build")
    return exe


# ---------------------------------------------------------------- inputs

def sa_lines(algo, nsa, seed):
    """nsa inbound tunnel SAs with random distinct SPIs, in random order."""
    if nsa == 1:
        return ["sa in 1000 %s %s" % (ALGOS[algo], TUNNEL)]
    rng = random.Random(seed)
    spis = rng.sample(range(256, 1 << 31), nsa)
    return ["sa in %d %s %s" % (s, ALGOS[algo], TUNNEL) for s in spis]


def write(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def make_inputs(a, gen, out, algo, nsa, size, pkts):
    """Configs for ov2rx and ipsec-secgw, and the pcap: returns paths."""
    d = os.path.join(out, "in")
    os.makedirs(d, exist_ok=True)
    tag = "%s_%d" % (algo, nsa)
    ov2_conf = os.path.join(d, tag + ".conf")
    secgw_conf = os.path.join(d, tag + ".secgw.cfg")
    gen_conf = os.path.join(d, tag + ".gen.conf")
    lines = sa_lines(algo, nsa, 7)
    if not os.path.exists(ov2_conf):
        write(ov2_conf, lines)
        # ipsec-secgw: the same SA lines, and a route for every inner
        # destination (its LPM takes no /0: two /1). No sp lines in either
        # program: every decrypted packet is accepted.
        write(secgw_conf, lines + ["rt ipv4 dst 0.0.0.0/1 port 1",
                                   "rt ipv4 dst 128.0.0.0/1 port 1"])
        # the pcap visits min(nsa, pkts) SAs, one packet each when there
        # are many, in random order
        write(gen_conf, random.Random(11).sample(lines, min(nsa, pkts)))
    pcap = os.path.join(d, "%s_%d.pcap" % (tag, size))
    if not os.path.exists(pcap):
        per_sa = max(1, pkts // min(nsa, pkts))
        run([gen, "-f", gen_conf, "-o", pcap, "--count", str(per_sa), "--size",
             str(size), "--random-order", "--seed", "3"])
    return ov2_conf, secgw_conf, pcap


# ---------------------------------------------------------------- running

class Telemetry:
    def __init__(self, prefix, proc, timeout=60):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        if os.geteuid() != 0:
            path = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
                                "dpdk", prefix, "dpdk_telemetry.v2")
        end = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise BenchError("exited before its telemetry socket came up")
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                self.s.recv(4096)
                return
            except OSError:
                self.s.close()
                if time.monotonic() > end:
                    raise BenchError("no telemetry socket at %s" % path)
                time.sleep(0.2)

    def stats(self, port, wait=False):
        """The port's counters; with wait, None while the port does not
        exist yet (a program may load its SAs before creating ports)."""
        try:
            self.s.send(("/ethdev/stats,%d" % port).encode())
            r = json.loads(self.s.recv(1 << 16))["/ethdev/stats"]
        except OSError as e:
            raise BenchError("telemetry: %s (did the program exit?)" % e)
        if not isinstance(r, dict):
            if wait:
                return None
            raise BenchError("port %d has no stats" % port)
        return r

    def sink_packets(self):
        r = self.stats(1, wait=True)
        return r["opackets"] if r else 0

    def close(self):
        self.s.close()


class Runner:
    def __init__(self, args, paths):
        self.a = args
        self.p = paths
        self.n = 0

    def eal(self, lcores, pcap, infinite=True, tx_pcap=None):
        self.n += 1
        prefix = "ov2bench_%d_%d" % (os.getpid(), self.n)
        rx = ",".join("rx_pcap=" + pcap for _ in range(lcores))
        src = "net_pcap0," + rx + (",infinite_rx=1" if infinite else "")
        sink = ("net_pcap1,tx_pcap=" + tx_pcap) if tx_pcap else "net_null0,no-rx=1"
        mem = ["--no-huge", "-m", str(self.a.mem)] if self.a.no_huge else ["-m", str(self.a.mem)]
        return prefix, mem + ["--no-pci", "--file-prefix", prefix, "--log-level",
                              "*:warning", "--vdev", src, "--vdev", sink]

    def cmd(self, tool, lcores, conf, nsa, pool, eal):
        """The command line of one program over the EAL arguments."""
        if tool == "ov2rx":
            # ov2rx sizes its mbuf pool from --rxd (rx queues x (rxd + 64)
            # and more): the pcap PMD keeps the pcap in mbufs of that pool
            rxd = max(1024, min(16384, pool // lcores - 4096))
            return [self.p["ov2rx"], "-l", ",".join(map(str, range(lcores)))] + eal + [
                "--", "-f", conf, "--in", "0", "--out", "1", "--replay-window", "0",
                "--sa-capacity", str(max(nsa, 1024)), "--rxd", str(rxd)]
        if tool == "secgw":
            cfg = ",".join("(%d,%d,%d)" % (p, q, q) for p in (0, 1) for q in range(lcores))
            return [self.p["secgw"], "-l", ",".join(map(str, range(lcores))), "-n", "1"] + \
                eal + ["--vdev", "crypto_aesni_mb0", "--", "-p", "0x3", "-P", "-u", "0x1",
                       "--config", cfg, "-s", str(pool), "-f", conf]
        if tool == "testpmd":
            # testpmd forwards on lcores other than its main one; the main
            # lcore only waits for Enter, so it may share a CPU.
            lc = ",".join("%d@%d" % (i, i) for i in range(lcores))
            lc += ",%d@(%s)" % (lcores, ",".join(map(str, range(lcores))))
            return ["dpdk-testpmd", "--lcores", lc, "--main-lcore", str(lcores)] + eal + [
                "--", "--forward-mode=io", "--nb-cores", str(lcores), "--rxq",
                str(lcores), "--txq", str(lcores), "--auto-start", "--stats-period", "0",
                "--total-num-mbufs", str(pool), "--no-lsc-interrupt"]
        raise BenchError("unknown tool " + tool)

    def measure(self, tool, lcores, conf, nsa, pcap, pkts):
        """One run: start, warm up, read the sink twice, stop, check."""
        # every queue keeps the whole pcap in mbufs, plus a working set
        pool = lcores * pkts + 8192 * lcores
        prefix, eal = self.eal(lcores, pcap)
        cmd = self.cmd(tool, lcores, conf, nsa, pool, eal)
        logf = os.path.join(self.a.out, "logs", "%s.log" % prefix)
        stats_json = None
        if tool == "ov2rx":
            stats_json = logf[:-4] + ".json"
            cmd += ["--stats-json", stats_json]
        with open(logf, "w") as lf:
            lf.write(" ".join(cmd) + "\n")
            lf.flush()
            proc = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT,
                                    stdin=subprocess.PIPE)
        try:
            return self.sample(tool, lcores, proc, prefix, logf, stats_json)
        except BenchError as e:
            stop(proc, prefix)
            tail = open(logf).read().splitlines()[-3:]
            raise BenchError("%s: %s; log %s ends:\n  %s" % (tool, e, logf, "\n  ".join(tail)))

    def sample(self, tool, lcores, proc, prefix, logf, stats_json):
        try:
            t = Telemetry(prefix, proc, timeout=120)
            # warm-up: packets are flowing, then a little more
            end = time.monotonic() + 120
            while t.sink_packets() == 0:
                if proc.poll() is not None or time.monotonic() > end:
                    raise BenchError("no packet reached the sink")
                time.sleep(0.1)
            time.sleep(self.a.warmup)
            o0, t0, c0 = t.stats(1), time.monotonic(), cpu_ns(proc.pid)
            time.sleep(self.a.seconds)
            o1, t1, c1 = t.stats(1), time.monotonic(), cpu_ns(proc.pid)
            i1 = t.stats(0)
            t.close()
        finally:
            stop(proc, prefix)
        tx = o1["opackets"] - o0["opackets"]
        errs = {k: o1.get(k, 0) + i1.get(k, 0) for k in ("ierrors", "oerrors", "rx_nombuf")}
        if tx <= 0:
            raise BenchError("%s forwarded nothing (log %s)" % (tool, logf))
        if any(errs.values()):
            raise BenchError("%s: port errors %s (log %s)" % (tool, errs, logf))
        # what came in went out (a program that drops, e.g. on a failed ICV,
        # forwards far less than it receives). The two ports are read one
        # after the other, and on a loaded machine the program forwards
        # thousands of packets in between: the totals since the start, read
        # sink first, with a margin for that.
        if o1["opackets"] < 0.9 * i1["ipackets"]:
            raise BenchError("%s forwarded %d of %d packets received (log %s)"
                             % (tool, o1["opackets"], i1["ipackets"], logf))
        if stats_json:
            st = json.load(open(stats_json))
            # handoff_full is the one drop allowed: without RSS (net_pcap
            # has none) every SA arrives on every queue, and the lcore that
            # owns an SA does its sequence stage for all of them; what it
            # cannot keep up with is dropped, never delivered, so the rate
            # (delivered packets) already pays for it (docs/MULTICORE.md)
            other = {k: v for k, v in st["drops"].items() if v and k != "handoff_full"}
            if other or st["delivered"] == 0:
                raise BenchError("ov2rx dropped %d packets: %s (log %s)" % (
                    st["drops_total"], other, logf))
            hf = st["drops"].get("handoff_full", 0)
            if hf:
                print("note: ov2rx, %d lcores: %d packets (%.1f%% of %d received) dropped as "
                      "handoff_full (log %s)" % (lcores, hf, 100.0 * hf / max(1, st["rx_packets"]),
                                                 st["rx_packets"], logf), flush=True)
        # the wall-clock rate, and the rate per CPU-second the process got
        # (its threads' run time), as if each lcore had a CPU of its own
        return tx / (t1 - t0), tx / ((c1 - c0) / 1e9 / lcores), (c1 - c0) / 1e9 / (t1 - t0)

    def validate(self, tool, conf, nsa, pcap, expect):
        """Finite pcap in, pcap out: the inner packets must be ov2gen's."""
        got = os.path.join(self.a.out, "in", "got_%s.pcap" % tool)
        if os.path.exists(got):
            os.unlink(got)
        prefix, eal = self.eal(1, pcap, infinite=False, tx_pcap=got)
        cmd = self.cmd(tool, 1, conf, nsa, 8192, eal)
        logf = os.path.join(self.a.out, "logs", "%s.log" % prefix)
        with open(logf, "w") as lf:
            lf.write(" ".join(cmd) + "\n")
            lf.flush()
            proc = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT,
                                    stdin=subprocess.PIPE)
        try:
            t = Telemetry(prefix, proc, timeout=120)
            want = len(frames(expect))
            end = time.monotonic() + 60
            while t.sink_packets() < want and time.monotonic() < end:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
            t.close()
        finally:
            stop(proc, prefix)
        a = sorted(ip_view(f[14:], tool == "secgw") for f in frames(got))
        b = sorted(ip_view(f[14:], False) for f in frames(expect))
        if a != b:
            raise BenchError("%s delivered %d packets, %d expected, %s (log %s)" % (
                tool, len(a), len(b), "same count" if len(a) == len(b) else "",
                logf) + ": inner packets differ from ov2gen's")
        return len(a)


def ip_view(ip, routed):
    """An IPv4 packet as compared: ipsec-secgw is a router, it decrements
    the TTL (and so rewrites the checksum) of what it forwards, which a
    receiving host does not; undo that for the comparison."""
    if routed and len(ip) >= 20 and ip[0] >> 4 == 4:
        ip = bytearray(ip)
        ip[8] = (ip[8] + 1) & 0xff
        ip[10:12] = b"\0\0"
        s = sum(struct.unpack("!%dH" % ((ip[0] & 15) * 2), bytes(ip[:(ip[0] & 15) * 4])))
        while s > 0xffff:
            s = (s & 0xffff) + (s >> 16)
        ip[10:12] = struct.pack("!H", ~s & 0xffff)
        ip = bytes(ip)
    return ip


def cpu_ns(pid):
    """CPU time all threads of a process have run, in ns (schedstat)."""
    total = 0
    d = "/proc/%d/task" % pid
    for t in os.listdir(d):
        try:
            total += int(open("%s/%s/schedstat" % (d, t)).read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def cleanup(prefix):
    """What an exited DPDK process of ours leaves: its runtime directory,
    and hugepage files if it did not exit cleanly."""
    shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    d = "/dev/hugepages"
    if os.path.isdir(d):
        for f in os.listdir(d):
            if f.startswith(prefix + "map_"):
                try:
                    os.unlink(os.path.join(d, f))
                except OSError:
                    pass


def stop(proc, prefix=None):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if prefix:
        cleanup(prefix)


def frames(path):
    data = open(path, "rb").read()
    out, off = [], 24
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    while off + 16 <= len(data):
        incl, = struct.unpack(end + "I", data[off + 8:off + 12])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


# ---------------------------------------------------------------- figures

def raw_crypto(path, sizes):
    out = run([path, "--sizes", ",".join(map(str, sizes))])
    r = {"raw": {}}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "tsc_hz":
            r["tsc_hz"] = float(f[1])
        elif f and f[0] == "imb_version":
            r["imb"] = f[1]
        elif f and f[0] == "raw":
            if f[4] == "ERR":
                raise BenchError("bench_raw_imb: %s" % line)
            r["raw"][(f[1], f[2], int(f[3]))] = int(f[4])
    return r


def sa_memory(path, count):
    res = {}
    for algo in ALGOS:
        out = run([path, "--count", str(count), "--algo", algo])
        m = re.search(r"^sa_mem \S+ (\d+) (\d+) (\d+)$", out, re.M)
        if not m:
            raise BenchError("bench_sa_mem printed no figure:\n" + out)
        res[algo] = int(m.group(3))
    return res


def replay_on(a, p, out, sizes, pkts):
    """ov2rx with anti-replay on over fresh sequence numbers, and off.

    A replayed pcap repeats sequence numbers, so this uses a long pcap of
    fresh ones read once (no infinite_rx), measured over ov2rx's active
    time (first packet to last, from its statistics)."""
    res = {}
    for size in sizes:
        conf, _, _ = make_inputs(a, p["ov2gen"], out, "gcm128", 1, size, 64)
        pcap = os.path.join(out, "in", "fresh_%d.pcap" % size)
        if not os.path.exists(pcap):
            run([p["ov2gen"], "-f", conf, "-o", pcap, "--count", str(pkts), "--size",
                 str(size)])
        rates = {64: [], 0: []}
        # on and off take turns, as the matrix's programs do
        for _ in range(a.runs):
            for window in (64, 0):
                r = Runner(a, p)
                prefix, eal = r.eal(1, pcap, infinite=False)
                js = os.path.join(out, "logs", prefix + ".json")
                cmd = [p["ov2rx"], "-l", "0"] + eal + [
                    "--", "-f", conf, "--in", "0", "--out", "1", "--replay-window",
                    str(window), "--exit-when-idle", "500", "--stats-json", js]
                try:
                    run(cmd, timeout=600)
                finally:
                    cleanup(prefix)
                st = json.load(open(js))
                if st["delivered"] != pkts or st["drops_total"] != 0:
                    raise BenchError("replay run: delivered %d of %d, drops %s" % (
                        st["delivered"], pkts, {k: v for k, v in st["drops"].items() if v}))
                rates[window].append(st["delivered"] / st["active_s"])
        for window in rates:
            res[(size, window)] = statistics.median(rates[window])
    return res


# The per-burst functions of the receive path: the NIC side's engine (run
# by the pmd-shim's rx callback, whose first call also sets up the lcore's
# IMB_MGR, a one-time cost left out) and the transport side.
CALLGRIND_FUNCS = ("ov2_offload_rx", "ov2_consumer_rx")


def callgrind(a, p, out, sizes, pkts, window):
    """Instructions per packet of the receive path under callgrind, with
    the given replay window (the pcap's sequence numbers are fresh)."""
    if shutil.which("valgrind") is None:
        raise BenchError("valgrind is not installed")
    res = {}
    for size in sizes:
        conf, _, _ = make_inputs(a, p["ov2gen"], out, "gcm128", 1, size, 64)
        pcap = os.path.join(out, "in", "cg_%d.pcap" % size)
        if not os.path.exists(pcap):
            run([p["ov2gen"], "-f", conf, "-o", pcap, "--count", str(pkts), "--size",
                 str(size)])
        cg = os.path.join(out, "logs", "callgrind_%d_w%d.out" % (size, window))
        js = os.path.join(out, "logs", "callgrind_%d_w%d.json" % (size, window))
        prefix = "ov2bench_cg_%d_%d" % (os.getpid(), size)
        run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg,
             p["ov2rx"], "-l", "0", "--no-huge", "-m", "512", "--no-pci",
             "--file-prefix", prefix, "--no-telemetry",
             "--vdev", "net_pcap0,rx_pcap=" + pcap, "--vdev", "net_null0,no-rx=1",
             "--", "-f", conf, "--in", "0", "--out", "1", "--replay-window", str(window),
             "--exit-when-idle", "2000", "--stats-json", js], timeout=1800)
        st = json.load(open(js))
        if st["delivered"] != pkts:
            raise BenchError("callgrind run delivered %d of %d" % (st["delivered"], pkts))
        ann = run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", cg])
        ir = {}
        for line in ann.splitlines():
            m = re.match(r"^\s*([\d,]+)\s.*?\b(\w+)\s*(\[|$)", line)
            if m and m.group(2) in CALLGRIND_FUNCS and m.group(2) not in ir:
                ir[m.group(2)] = int(m.group(1).replace(",", ""))
        if set(ir) != set(CALLGRIND_FUNCS):
            raise BenchError("callgrind_annotate: %s not found in %s" % (
                set(CALLGRIND_FUNCS) - set(ir), cg))
        res[size] = {f: v / pkts for f, v in ir.items()}
    return res


def profile(a, p, out, algo, size, secs=12):
    """perf's flat profile (cpu-clock) of ov2rx and ipsec-secgw in one cell
    (1 SA, 1 lcore), start-up left out: where each spends its time."""
    if shutil.which("perf") is None:
        raise BenchError("--profile needs perf (Debian package linux-perf)")
    r = Runner(a, p)
    res = {}
    conf, scfg, pcap = make_inputs(a, p["ov2gen"], out, algo, 1, size, a.pkts)
    for tool, c in (("ov2rx", conf), ("secgw", scfg)):
        pool = a.pkts + 8192
        prefix, eal = r.eal(1, pcap)
        data = os.path.join(out, "logs", "perf_%s.data" % tool)
        perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999",
                                 "-D", "5000", "-o", data, "--"] +
                                r.cmd(tool, 1, c, 1, pool, eal),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.PIPE)
        try:
            time.sleep(secs)
            # stop the program itself (perf's child), so that it exits as
            # it does when measured and frees its hugepages; perf follows
            kids = open("/proc/%d/task/%d/children" % (perf.pid, perf.pid)).read().split()
            for k in kids:
                os.kill(int(k), signal.SIGINT)
            perf.wait(timeout=60)
        finally:
            stop(perf)
            cleanup(prefix)
        rep = run(["perf", "report", "-i", data, "--sort", "dso,symbol", "--stdio"])
        res[tool] = [line.rstrip() for line in rep.splitlines()
                     if line.strip() and not line.startswith("#")][:25]
        if not res[tool]:
            raise BenchError("perf recorded nothing for %s (%s)" % (tool, data))
    return res


def machine(tsc_hz, imb):
    lscpu = run(["lscpu"])
    model = re.search(r"^Model name:\s*(.*)$", lscpu, re.M)
    mi = open("/proc/meminfo").read()
    hp = {k: re.search(r"^%s:\s*(\d+)" % k, mi, re.M).group(1)
          for k in ("HugePages_Total", "HugePages_Free", "Hugepagesize")}
    dpdk = run(["pkg-config", "--modversion", "libdpdk"]).strip()
    return {
        "cpu": model.group(1) if model else "?",
        "cpus": os.cpu_count(),
        "tsc_hz": tsc_hz,
        "kernel": os.uname().release,
        "dpdk": dpdk,
        "libipsec-mb": imb,
        "hugepages": "%s x %s kB (%s free at start)" % (hp["HugePages_Total"],
                                                       hp["Hugepagesize"], hp["HugePages_Free"]),
        "load": open("/proc/loadavg").read().split()[:3],
    }


# ---------------------------------------------------------------- table

def table(res, a):
    m = res["machine"]
    hz = m["tsc_hz"]
    lines = []
    w = lines.append
    w("Machine: %s, %d CPUs, TSC %.3f GHz, kernel %s, DPDK %s, libipsec-mb %s, "
      "hugepages %s" % (m["cpu"], m["cpus"], hz / 1e9, m["kernel"], m["dpdk"],
                        m["libipsec-mb"], m["hugepages"] if not a.no_huge else "not used"))
    w("Load average at start %s, at end %s" % (" ".join(m["load"]),
                                                " ".join(res["load_end"])))
    w("Each rate: median of %d runs (the programs take turns), each %.1f s of the sink's "
      "opackets after %.1f s of warm-up" % (a.runs, a.seconds, a.warmup))
    w("")
    w("wall = packets / elapsed time (cycles/pkt = TSC Hz / rate x lcores); CPU = packets / "
      "CPU time the process ran (all threads, /proc schedstat), i.e. the rate with each lcore "
      "on a CPU of its own; CPU share = CPU seconds per second of the run (lcores = 1.00 "
      "each when nothing else runs); Gbps count inner packet bytes")
    w("")
    w("| algo | inner B | SAs | lcores | tool | Mpps | Gbps | cycles/pkt | vs secgw | "
      "vs limit | CPU share | Mpps (CPU) | cycles/pkt (CPU) | vs secgw (CPU) | "
      "vs limit (CPU) | runs Mpps (wall / CPU) |")
    w("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for c in res["cells"]:
        f = []
        for key in ("mpps", "cpu_mpps"):
            mpps = c[key]
            vs_secgw = vs_lim = ""
            if c["tool"] == "ov2rx":
                sec = find(res, "secgw", c)
                if sec:
                    vs_secgw = "%.2fx" % (mpps / sec[key])
            if c.get("limit_" + key):
                vs_lim = "%.0f%%" % (100 * mpps / c["limit_" + key])
            f.append(("%.3f" % mpps, "%.0f" % (hz / (mpps * 1e6) * c["lcores"]), vs_secgw,
                      vs_lim))
        w("| %s | %d | %d | %d | %s | %s | %.2f | %s | %s | %s | %.2f | %s | %s | %s | %s "
          "| %s |" % (c["algo"], c["size"], c["nsa"], c["lcores"], c["tool"], f[0][0],
                      c["mpps"] * 1e6 * c["size"] * 8 / 1e9, f[0][1], f[0][2], f[0][3],
                      c["cpu_share"], f[1][0], f[1][1], f[1][2], f[1][3],
                      " ".join("%.3f/%.3f" % rc for rc in zip(c["runs"], c["cpu_runs"]))))
    w("")
    w("crypto = raw libipsec-mb decrypt + verify, TSC ticks per packet (the smallest of "
      "one at a time, bursts of 32, and for CBC + HMAC one at a time on the SHA-NI "
      "manager); limit = 1/(1/io + 1/crypto), io = testpmd on the same pcap and lcores, "
      "crypto Mpps = TSC / ticks x lcores")
    w("")
    w("| algo | inner B | single | burst32 | single, SHA-NI | crypto Mpps/lcore |")
    w("|---|---:|---:|---:|---:|---:|")
    for (algo, size), v in sorted(res["crypto"].items()):
        w("| %s | %d | %d | %d | %s | %.2f |" % (
            algo, size, v["single"], v["burst"],
            v["single-shani"] if "single-shani" in v else "",
            hz / min(v.values()) / 1e6))
    w("")
    if res.get("scaling"):
        w("| ov2rx 2 lcores / 1 lcore (wall) | (CPU) | algo | inner B | SAs |")
        w("|---:|---:|---|---:|---:|")
        for s in res["scaling"]:
            w("| %.2fx | %.2fx | %s | %d | %d |" % (s["ratio"], s["cpu_ratio"], s["algo"],
                                                   s["size"], s["nsa"]))
        w("")
    if res.get("many_vs_one"):
        w("| ov2rx many SAs / 1 SA (wall) | (CPU) | algo | inner B | lcores | SAs |")
        w("|---:|---:|---|---:|---:|---:|")
        for s in res["many_vs_one"]:
            w("| %.0f%% | %.0f%% | %s | %d | %d | %d |" % (
                100 * s["ratio"], 100 * s["cpu_ratio"], s["algo"], s["size"], s["lcores"],
                s["nsa"]))
        w("")
    if res.get("replay"):
        w("ov2rx, AES-GCM-128, 1 SA, 1 lcore, %d fresh sequence numbers read once from "
          "the pcap (no infinite_rx), rate over ov2rx's active time:" % res["replay_pkts"])
        w("")
        w("| inner B | replay window 64 Mpps | replay off Mpps | on / off |")
        w("|---:|---:|---:|---:|")
        for size in sorted({s for s, _ in res["replay"]}):
            on, off = res["replay"][(size, 64)], res["replay"][(size, 0)]
            w("| %d | %.3f | %.3f | %.0f%% |" % (size, on / 1e6, off / 1e6, 100 * on / off))
        w("")
    if res.get("callgrind"):
        w("callgrind, ov2rx receive path, AES-GCM-128, 1 SA, %d packets of fresh sequence "
          "numbers, replay check off and on (instructions per packet, inclusive):"
          % res["callgrind_pkts"])
        w("")
        funcs = list(next(iter(res["callgrind"].values())))
        on = res.get("callgrind_replay", {})
        w("| inner B | " + " | ".join(funcs) + " | total | total, replay window 64 |")
        w("|---:|" + "---:|" * (len(funcs) + 2))
        for size, v in sorted(res["callgrind"].items()):
            w("| %d | " % size + " | ".join("%.0f" % v[f] for f in funcs) +
              " | %.0f | %s |" % (sum(v[f] for f in funcs),
                                  "%.0f" % sum(on[size].values()) if size in on else ""))
        w("")
    if res.get("sa_mem"):
        w("SA memory (DPDK heap, table included) at %d SAs, replay window 64: %s" % (
            res["sa_mem_count"], ", ".join("%s %d bytes/SA" % kv
                                            for kv in res["sa_mem"].items())))
        w("")
    for tool, prof in sorted(res.get("profile", {}).items()):
        w("perf profile of %s (cpu-clock, AES-GCM-128, %d B, 1 SA, 1 lcore; overhead, "
          "object, symbol):" % (tool, int(a.sizes.split(",")[0])))
        w("")
        w("```")
        lines.extend(prof)
        w("```")
        w("")
    w("Targets (issue 6), from this run:")
    w("")
    w("| target | wall clock | met | CPU time | met |")
    w("|---|---|---|---|---|")
    for (t, m, ok), (_, mc, okc) in zip(targets(res, ""), targets(res, "cpu_")):
        w("| %s | %s | %s | %s | %s |" % (t, m, "yes" if ok else "**no**", mc,
                                          "yes" if okc else "**no**"))
    return "\n".join(lines) + "\n"


def targets(res, b):
    """(target, what this run measured, met?) for each target of issue 6;
    b is "" for wall-clock rates, "cpu_" for rates per CPU-second."""
    out = []
    ov2 = [c for c in res["cells"] if c["tool"] == "ov2rx"]
    for size, want in ((64, 1.4), (1400, 1.15)):
        for c in ov2:
            if (c["algo"], c["size"], c["lcores"], c["nsa"]) == ("gcm128", size, 1, 1):
                sec = find(res, "secgw", c)
                if sec:
                    r = c[b + "mpps"] / sec[b + "mpps"]
                    out.append(("ov2rx >= %.2fx ipsec-secgw, AES-GCM-128, %d B, 1 lcore" % (
                        want, size), "%.2fx" % r, r >= want))
    lim = [(c[b + "mpps"] / c["limit_%smpps" % b], c) for c in ov2
           if c.get("limit_%smpps" % b)]
    if lim:
        r, c = min(lim, key=lambda x: x[0])
        out.append(("ov2rx >= 90% of its pipeline limit in every cell",
                    "lowest %.0f%% (%s, %d B, %d SAs, %d lcores)" % (
                        100 * r, c["algo"], c["size"], c["nsa"], c["lcores"]), r >= 0.9))
    if res.get("many_vs_one"):
        m = min(res["many_vs_one"], key=lambda x: x[b + "ratio"])
        out.append(("%d SAs >= 90%% of the 1-SA rate" % m["nsa"],
                    "lowest %.0f%% (%s, %d B, %d lcores)" % (
                        100 * m[b + "ratio"], m["algo"], m["size"], m["lcores"]),
                    m[b + "ratio"] >= 0.9))
    if res.get("sa_mem"):
        worst = max(res["sa_mem"].values())
        out.append(("SA memory <= 2 KiB per SA at %d SAs" % res["sa_mem_count"],
                    "%d bytes" % worst, worst <= 2048))
    if res.get("scaling"):
        m = min(res["scaling"], key=lambda x: x[b + "ratio"])
        out.append(("2 lcores >= 1.8x 1 lcore", "lowest %.2fx (%s, %d B, %d SAs)" % (
            m[b + "ratio"], m["algo"], m["size"], m["nsa"]), m[b + "ratio"] >= 1.8))
    return out


def load_results(path):
    """results.json back into the shape table() takes (tuple keys)."""
    res = json.load(open(path))
    res["crypto"] = {(k.split("/")[0], int(k.split("/")[1])): v
                     for k, v in res["crypto"].items()}
    res["replay"] = {tuple(int(x) for x in k.split("/")): v
                     for k, v in res["replay"].items()}
    for k in ("callgrind", "callgrind_replay"):
        res[k] = {int(s): v for s, v in res.get(k, {}).items()}
    return res


def derive(res):
    """Pipeline limits and ov2rx's ratios, on both bases (wall, CPU)."""
    hz = res["machine"]["tsc_hz"]
    for c in res["cells"]:
        io = find(res, "testpmd", c)
        v = res["crypto"][(c["algo"], c["size"])]
        crypto = hz / min(v.values()) * c["lcores"] / 1e6
        if io and c["tool"] != "testpmd":
            for key in ("mpps", "cpu_mpps"):
                c["limit_" + key] = 1 / (1 / io[key] + 1 / crypto)
    res["scaling"] = []
    res["many_vs_one"] = []
    for c in res["cells"]:
        if c["tool"] != "ov2rx":
            continue
        if c["lcores"] == 2:
            one = [d for d in res["cells"] if d["tool"] == "ov2rx" and d["lcores"] == 1 and
                   all(d[k] == c[k] for k in ("algo", "size", "nsa"))]
            if one:
                res["scaling"].append({
                    "ratio": c["mpps"] / one[0]["mpps"],
                    "cpu_ratio": c["cpu_mpps"] / one[0]["cpu_mpps"],
                    **{k: c[k] for k in ("algo", "size", "nsa")}})
        if c["nsa"] != 1:
            one = [d for d in res["cells"] if d["tool"] == "ov2rx" and d["nsa"] == 1 and
                   all(d[k] == c[k] for k in ("algo", "size", "lcores"))]
            if one:
                res["many_vs_one"].append({
                    "ratio": c["mpps"] / one[0]["mpps"],
                    "cpu_ratio": c["cpu_mpps"] / one[0]["cpu_mpps"],
                    **{k: c[k] for k in ("algo", "size", "lcores", "nsa")}})


def check_complete(res, sizes, algos, lcores, a):
    """Every figure of the matrix is there and positive (or say which not)."""
    want = [(t, al, s, n, l) for al in algos for s in sizes for l in lcores
            for n in (1, a.many_sas) for t in ("testpmd", "secgw", "ov2rx")]
    have = {(c["tool"], c["algo"], c["size"], c["nsa"], c["lcores"]): c for c in res["cells"]}
    for k in want:
        if k not in have or not have[k]["mpps"] > 0:
            raise BenchError("no rate for %s" % (k,))
        if k[0] != "testpmd" and not (have[k].get("limit_mpps", 0) > 0 and
                                      have[k].get("limit_cpu_mpps", 0) > 0):
            raise BenchError("no pipeline limit for %s" % (k,))
    if len(res["replay"]) != 2 * len(sizes) or min(res["replay"].values()) <= 0:
        raise BenchError("anti-replay figures missing")
    for k in ("callgrind", "callgrind_replay"):
        if os.environ.get("OV2_SANITIZED") and not res[k]:
            continue  # not run under the sanitizers (see above)
        if len(res[k]) != len(sizes) or min(min(v.values()) for v in res[k].values()) <= 0:
            raise BenchError("callgrind figures missing")
    if set(res["sa_mem"]) != set(ALGOS) or min(res["sa_mem"].values()) <= 0:
        raise BenchError("SA memory figures missing")


def find(res, tool, c):
    for d in res["cells"]:
        if d["tool"] == tool and all(d[k] == c[k] for k in ("algo", "size", "nsa", "lcores")):
            return d
    return None


# ---------------------------------------------------------------- main

def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    # stopped by SIGINT or SIGTERM (even when started in the background,
    # where SIGINT is ignored), the running program is stopped too: the
    # KeyboardInterrupt passes through the finally that stops it
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny matrix, a smoke test")
    ap.add_argument("--build", default=os.path.join(SRC, "build-bench"))
    ap.add_argument("--out", default=os.path.join(SRC, "build-bench", "bench-out"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--no-huge", action="store_true")
    ap.add_argument("--mem", type=int, default=512, help="EAL -m MB per process")
    ap.add_argument("--sizes", default="64,512,1400")
    ap.add_argument("--algos", default="gcm128,cbc128-sha256")
    ap.add_argument("--many-sas", type=int, default=100000)
    ap.add_argument("--lcores", default="1,2")
    ap.add_argument("--pkts", type=int, default=16384,
                    help="packets in each pcap (each queue holds them in mbufs); the "
                    "many-SA pcap has one packet for each of this many SAs")
    ap.add_argument("--no-build", action="store_true",
                    help="use the binaries already in --build")
    ap.add_argument("--profile", action="store_true",
                    help="also record perf profiles of ov2rx and ipsec-secgw "
                    "(AES-GCM-128, the first size, 1 SA, 1 lcore)")
    ap.add_argument("--render", metavar="RESULTS_JSON",
                    help="print the tables of an earlier run's results.json, run nothing")
    ap.add_argument("--replay-pkts", type=int, default=250000)
    ap.add_argument("--callgrind-pkts", type=int, default=5000)
    ap.add_argument("--sa-mem-count", type=int, default=1000000)
    a = ap.parse_args()
    if a.render:
        res = load_results(a.render)
        for k, v in res["args"].items():
            if k != "render":
                setattr(a, k, v)
        print(table(res, a), end="")
        return 0
    if a.quick:
        a.runs, a.seconds, a.warmup = 1, 0.5, 0.3
        a.sizes, a.algos, a.many_sas, a.lcores = "64", "gcm128", 1000, "1"
        a.pkts, a.replay_pkts, a.callgrind_pkts = 256, 20000, 200
        a.sa_mem_count = 10000
    sizes = [int(s) for s in a.sizes.split(",")]
    algos = a.algos.split(",")
    lcores = [int(x) for x in a.lcores.split(",")]
    for algo in algos:
        if algo not in ALGOS:
            raise SystemExit("unknown algorithm %s (%s)" % (algo, ", ".join(ALGOS)))
    if a.runs < 1 or a.seconds <= 0 or not sizes or not lcores or a.many_sas < 2:
        raise SystemExit("bad arguments")
    os.makedirs(os.path.join(a.out, "logs"), exist_ok=True)
    try:
        return bench(a, sizes, algos, lcores)
    except BenchError as e:
        log("bench: FAILED:", e)
        return 1


def bench(a, sizes, algos, lcores):
    if not a.no_build:
        build_ov2rx(a.build)
    p = {"ov2rx": os.path.join(a.build, "app/ov2rx/ov2rx"),
         "ov2gen": os.path.join(a.build, "app/ov2gen/ov2gen"),
         "raw": os.path.join(a.build, "tests/bench/bench_raw_imb"),
         "sa_mem": os.path.join(a.build, "tests/bench/bench_sa_mem"),
         "secgw": build_secgw(a.out)}
    if shutil.which("dpdk-testpmd") is None:
        raise BenchError("dpdk-testpmd not found (Debian package dpdk)")
    rc = raw_crypto(p["raw"], sizes)
    res = {"machine": machine(rc["tsc_hz"], rc.get("imb", "?")), "cells": [],
           "crypto": {}}
    for algo in algos:
        for size in sizes:
            res["crypto"][(algo, size)] = {m: rc["raw"][(algo, m, size)]
                                           for m in ("single", "burst", "single-shani")
                                           if (algo, m, size) in rc["raw"]}
    r = Runner(a, p)
    # correctness first: each program on a finite pcap, its output compared
    # with the inner packets ov2gen says must come out
    for algo in algos:
        conf, scfg, _ = make_inputs(a, p["ov2gen"], a.out, algo, 1, sizes[0], a.pkts)
        pcap = os.path.join(a.out, "in", "check_%s.pcap" % algo)
        exp = os.path.join(a.out, "in", "check_%s.expect.pcap" % algo)
        run([p["ov2gen"], "-f", conf, "-o", pcap, "--expect", exp, "--count", "100",
             "--sizes", ",".join(map(str, sizes))])
        for tool, c in (("ov2rx", conf), ("secgw", scfg)):
            n = r.validate(tool, c, 1, pcap, exp)
            log("check: %s %s delivered the %d inner packets ov2gen encrypted" % (
                tool, algo, n))
    for algo in algos:
        for size in sizes:
            for nl in lcores:
                for nsa, pk in ((1, a.pkts), (a.many_sas, a.pkts)):
                    conf, scfg, pcap = make_inputs(a, p["ov2gen"], a.out, algo, nsa, size, pk)
                    tools = (("testpmd", conf), ("secgw", scfg), ("ov2rx", conf))
                    got = {t: [] for t, _ in tools}
                    # the programs take turns, run by run: a change of the
                    # machine's load hits all three alike
                    for _ in range(a.runs):
                        for tool, c in tools:
                            got[tool].append(r.measure(tool, nl, c, nsa, pcap, pk))
                    for tool, _ in tools:
                        runs = got[tool]
                        cell = {"tool": tool, "algo": algo, "size": size, "nsa": nsa,
                                "lcores": nl,
                                "mpps": statistics.median(x[0] for x in runs) / 1e6,
                                "cpu_mpps": statistics.median(x[1] for x in runs) / 1e6,
                                "cpu_share": statistics.median(x[2] for x in runs),
                                "runs": [x[0] / 1e6 for x in runs],
                                "cpu_runs": [x[1] / 1e6 for x in runs]}
                        log("%-7s %-13s %4d B %6d SAs %d lcores: %.3f Mpps, %.3f Mpps "
                            "per CPU (CPU %.2f)" % (tool, algo, size, nsa, nl, cell["mpps"],
                                                    cell["cpu_mpps"], cell["cpu_share"]))
                        res["cells"].append(cell)
    derive(res)
    log("ov2rx with anti-replay on, fresh sequence numbers")
    res["replay"] = replay_on(a, p, a.out, sizes, a.replay_pkts)
    res["replay_pkts"] = a.replay_pkts
    if os.environ.get("OV2_SANITIZED"):
        # scripts/sanitize.sh: valgrind cannot run an AddressSanitizer
        # binary (both own the process's memory); the rest of the chain
        # still runs under the sanitizers
        log("callgrind: skipped, the build is sanitized (OV2_SANITIZED)")
        res["callgrind"] = res["callgrind_replay"] = {}
    else:
        log("callgrind")
        res["callgrind"] = callgrind(a, p, a.out, sizes, a.callgrind_pkts, 0)
        res["callgrind_replay"] = callgrind(a, p, a.out, sizes, a.callgrind_pkts, 64)
    res["callgrind_pkts"] = a.callgrind_pkts
    if a.profile:
        log("perf profiles")
        res["profile"] = profile(a, p, a.out, "gcm128", sizes[0])
    log("SA memory")
    res["sa_mem"] = sa_memory(p["sa_mem"], a.sa_mem_count)
    res["sa_mem_count"] = a.sa_mem_count
    res["load_end"] = open("/proc/loadavg").read().split()[:3]
    check_complete(res, sizes, algos, lcores, a)
    text = table(res, a)
    cmdline = "bash tests/bench/run.sh " + " ".join(sys.argv[1:])
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("Command: `%s`\n\n" % cmdline.strip() + text)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({**res, "crypto": {"%s/%d" % k: v for k, v in res["crypto"].items()},
                   "replay": {"%d/%d" % k: v for k, v in res["replay"].items()},
                   "args": vars(a)}, f, indent=1)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
