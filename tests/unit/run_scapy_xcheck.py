#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run gen_scapy_vectors.py into OUTPUT, then TEST_CRYPTO OUTPUT.

Exits 77 (meson: skipped) only when scapy or python3-cryptography cannot be
imported; any other failure of either step fails the test.

usage: run_scapy_xcheck.py GENERATOR OUTPUT TEST_CRYPTO"""

import subprocess
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    gen, out, checker = sys.argv[1:]
    try:
        import cryptography  # noqa: F401
        import scapy.layers.ipsec  # noqa: F401
    except ImportError as e:
        print('skip: %s (needs Debian python3-scapy, python3-cryptography)' % e)
        sys.exit(77)
    subprocess.run([sys.executable, gen, out], check=True)
    sys.exit(subprocess.run([checker, out]).returncode)


if __name__ == '__main__':
    main()
