#!/usr/bin/env python3
"""fp_kernel.py PERF-SCRIPT SYSFLAME-SCRIPT FOLDED

Kernel frames of a frame-pointer capture against perf's reading of it
(PERF-SCRIPT, perf script's default output, saved when it was recorded):
  - sysflame script --kernel prints, sample by sample, the kernel frames
    perf prints: the same lines (address, symbol+offset, [kernel.kallsyms]),
    in the same order;
  - sysflame fold --kernel's stacks end (before the leaf) in those frames,
    root first, named NAME_[k]: per sequence, the same number of samples."""
import collections
import sys


def samples(path):
    """Each sample's kernel frame lines, in file order."""
    out, cur = [], None
    for line in open(path, encoding='utf-8', errors='surrogateescape'):
        if not line.strip():
            cur = None
            continue
        if not line[0].isspace():
            cur = []
            out.append(cur)
        elif cur is not None and line.rstrip().endswith('([kernel.kallsyms])'):
            cur.append(' '.join(line.split()))
    return out


def main():
    want, got = samples(sys.argv[1]), samples(sys.argv[2])
    bad = []
    if len(want) != len(got):
        bad.append('%d samples, perf has %d' % (len(got), len(want)))
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            bad.append('sample %d: kernel frames\n  %s\nperf:\n  %s' % (i, '\n  '.join(g), '\n  '.join(w)))
    nk = sum(1 for w in want if w)
    if nk < 5:
        bad.append('only %d samples with kernel frames in perf script: nothing to check' % nk)
    # folded: the kernel part of each stack, root first
    want_f = collections.Counter(tuple(f.split()[1].rsplit('+', 1)[0] + '_[k]' for f in reversed(w))
                                 for w in want)
    got_f = collections.Counter()
    for line in open(sys.argv[3], encoding='utf-8', errors='surrogateescape'):
        stack, n = line.rstrip('\n').rsplit(' ', 1)
        got_f[tuple(f for f in stack.split(';') if f.endswith('_[k]'))] += int(n)
    for k in set(want_f) | set(got_f):
        if want_f[k] != got_f[k]:
            bad.append('fold: %d samples end in %s, perf has %d' % (got_f[k], ';'.join(k) or '(none)', want_f[k]))
    for b in bad:
        print('FAIL ' + b)
    print('%d samples, %d with kernel frames (%d frames), %d kernel sequences' % (
        len(want), nk, sum(map(len, want)), len([k for k in want_f if k])))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
