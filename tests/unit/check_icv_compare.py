#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every ICV / tag comparison of the C sources is constant time.

1. No byte comparison function (memcmp, bcmp, strncmp, strcmp, rte_memcmp,
   and any *memcmp*) anywhere in lib/, pmd-shim/ or app/ takes an argument
   that names an ICV, tag, MAC, digest or hash: those go through
   ov2_crypto_icv_equal() (lib/crypto_imb.c).
2. Every "return ... -EBADMSG" of lib/crypto_imb.c (a failed ICV) follows
   a call of ov2_crypto_icv_equal() within the statement or the 8 lines
   before it: no verdict on an ICV without the constant-time compare.

The arguments are read with balanced parentheses across lines, so a call
split over lines is seen whole. What this cannot see: a comparison hidden
behind a macro or a helper with another name, or a buffer whose name says
nothing (e.g. `x`). Review keeps ICV buffers named icv/tag (the code's
convention); this check keeps the convention honest. A self-test plants
violations in a copy of the text and checks that they are found.

usage: check_icv_compare.py SOURCE_ROOT"""

import os
import re
import sys

CMP = re.compile(r'\b(\w*memcmp|bcmp|strn?cmp)\s*\(')
SECRET = re.compile(r'icv|tag|mac\b|mac_|digest|hash|hmac|gmac|auth', re.I)
RET_BAD = re.compile(r'-EBADMSG')
CT = 'ov2_crypto_icv_equal('


def call_args(text, start):
    """The argument text of the call whose '(' is at start."""
    depth, i = 0, start
    while i < len(text):
        if text[i] == '(':
            depth += 1
        elif text[i] == ')':
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1
    return text[start + 1:]


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def check_compares(name, text):
    bad = []
    code = strip_comments(text)
    for m in CMP.finditer(code):
        args = call_args(code, m.end() - 1)
        if SECRET.search(args):
            line = code.count('\n', 0, m.start()) + 1
            bad.append('%s:%d: %s(%s) compares what looks like an ICV with a '
                       'non-constant-time function' % (name, line, m.group(1), args.strip()))
    return bad


def check_verdicts(name, text):
    bad = []
    lines = strip_comments(text).split('\n')
    for i, line in enumerate(lines):
        if RET_BAD.search(line) and 'return' in ''.join(lines[max(0, i - 1):i + 1]):
            window = '\n'.join(lines[max(0, i - 8):i + 1])
            if CT not in window:
                bad.append('%s:%d: -EBADMSG returned without %s nearby' % (name, i + 1, CT))
    return bad


def self_test():
    planted = ('static int f(const uint8_t *tag, const uint8_t *icv) {\n'
               '\treturn memcmp(tag,\n\t\t      icv, 16) == 0;\n}\n'
               'static int g(void) { if (x) return -EBADMSG; return 0; }\n'
               '/* memcmp(icv, tag, 16) in a comment is fine */\n'
               'static int h(const char *a) { return strcmp(a, "esp") == 0; }\n')
    found = check_compares('planted', planted) + check_verdicts('planted', planted)
    assert len(found) == 2, found
    assert 'planted:2:' in found[0] and 'planted:5:' in found[1], found


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    self_test()
    bad, n_files, n_bad = [], 0, 0
    for sub in ('lib', 'pmd-shim', 'app'):
        for dirpath, _, files in os.walk(os.path.join(root, sub)):
            for f in sorted(files):
                if not f.endswith(('.c', '.h')):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                with open(path, encoding='utf-8', errors='replace') as fh:
                    text = fh.read()
                n_files += 1
                bad += check_compares(rel, text)
                if rel == os.path.join('lib', 'crypto_imb.c'):
                    bad += check_verdicts(rel, text)
                    n_bad = len(RET_BAD.findall(strip_comments(text)))
    for b in bad:
        print('FAIL: ' + b)
    if n_files < 10 or n_bad == 0:
        print('FAIL: found %d source files and %d -EBADMSG in lib/crypto_imb.c: wrong root?'
              % (n_files, n_bad))
        return 1
    print('check_icv_compare: %d files, %d ICV verdicts in crypto_imb.c, %d problems'
          % (n_files, n_bad, len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
