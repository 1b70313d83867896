#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print "N passed, N failed, N skipped" for a meson test log
(BUILD/meson-logs/testlog.json): the last line of scripts/test.sh and
scripts/sanitize.sh, which .ci/run adds up."""
import json
import sys

counts = {}
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            r = json.loads(line)["result"]
            counts[r] = counts.get(r, 0) + 1
passed = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skipped = counts.get("SKIP", 0)
failed = sum(counts.values()) - passed - skipped
print(f"{passed} passed, {failed} failed, {skipped} skipped")
