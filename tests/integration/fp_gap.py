#!/usr/bin/env python3
"""fp_gap.py FP-SCRIPT DWARF-SCRIPT

Checks the "[caller not recorded]" frames sysflame script puts after a
frameless leaf in a frame-pointer capture against the same program's DWARF
capture (unwound completely; oracle.sh checks it against runtime.Callers):
  - a marked leaf L shown with caller C: the DWARF capture, where it has L
    and C, has one frame between them (L, X, C) and never only L, C;
  - an unmarked leaf L with caller C: the DWARF capture, where it has L
    below something, has L directly below C.
Prints the pairs checked; exits 1 on a contradiction or when fewer than 10
marked pairs could be checked."""
import re
import sys

GAP = '[caller not recorded]'
FRAME = re.compile(r'\t\s*[0-9a-f]+ (.*?)(\+0x[0-9a-f]+)? \((.*)\)$')


def samples(path):
    out, cur = [], None
    for line in open(path, encoding='utf-8', errors='surrogateescape'):
        line = line.rstrip('\n')
        if not line:
            if cur is not None:
                out.append(cur)
            cur = None
        elif line.startswith('\t'):
            m = FRAME.match(line)
            if cur is not None and m:
                cur.append(m.group(1))
        else:
            cur = []
    if cur is not None:
        out.append(cur)
    return out


def main():
    fp, dw = samples(sys.argv[1]), samples(sys.argv[2])
    direct, through, leaves = set(), set(), set()
    for s in dw:
        if len(s) >= 2:
            direct.add((s[0], s[1]))
            leaves.add(s[0])
        if len(s) >= 3:
            through.add((s[0], s[2]))
    marked, unmarked = set(), set()
    for s in fp:
        if len(s) >= 3 and s[1] == GAP:
            marked.add((s[0], s[2]))
        elif len(s) >= 2 and GAP not in s:
            unmarked.add((s[0], s[1]))
    bad = checked = 0
    for p in sorted(marked):
        if p in through:
            checked += 1
        elif p in direct:
            print('FAIL gap marked after %s below %s, which calls it directly' % p)
            bad = 1
    uchecked = 0
    for p in sorted(unmarked):
        if p[0] not in leaves:
            continue
        if p in direct:
            uchecked += 1
        elif p in through:
            print('FAIL no gap after %s below %s: a frame is between them' % p)
            bad = 1
    if checked < 10:
        print('FAIL only %d marked pairs could be checked' % checked)
        bad = 1
    print('gaps: %d marked leaf/caller pairs (%d confirmed by the DWARF capture), '
          '%d unmarked pairs confirmed whole' % (len(marked), checked, uchecked))
    return bad


if __name__ == '__main__':
    sys.exit(main())
