#!/usr/bin/python3
"""Compare the frames of two pcap files byte for byte (timestamps ignored).

usage: pcapcmp.py GOT.pcap WANT.pcap   -> exit 0 when identical, 1 otherwise
"""
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f"{path}: not a pcap file")
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
              b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        raise SystemExit(f"{path}: not a pcap file")
    out, off = [], 24
    while off + 16 <= len(data):
        incl, = struct.unpack(endian + "I", data[off + 8:off + 12])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    got, want = frames(sys.argv[1]), frames(sys.argv[2])
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    if len(got) != len(want) or bad:
        print(f"MISMATCH: {len(got)} frames vs {len(want)} expected; "
              f"{len(bad)} differ (first: {bad[:5]})")
        return 1
    print(f"identical: {len(got)} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
