#!/usr/bin/env bash
# Build ov2rx and run the whole test suite (meson test). Prints
# "N passed, N failed" at the end; exits non-zero when a test failed.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh || exit 1
meson test -C build --print-errorlogs --num-processes 2 "$@"
rc=$?
/usr/bin/python3 "$top/scripts/meson-results.py" build/meson-logs/testlog.json
exit $rc
