#!/usr/bin/env python3
"""frames_match.py PERF_SCRIPT SYSFLAME_SCRIPT MIN_SHARE

Share of samples whose frame lines (address, symbol+offset, module) are
identical in perf's and sysflame's output; fails below MIN_SHARE and prints
the samples that differ."""
import sys


def blocks(path):
    out, cur = [], None
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line:
                if cur:
                    out.append(cur)
                cur = None
            elif not line.startswith('\t'):
                cur = [line]
            elif cur is not None:
                cur.append(' '.join(line.split()))
    if cur:
        out.append(cur)
    return out


def main():
    want, got, min_share = blocks(sys.argv[1]), blocks(sys.argv[2]), float(sys.argv[3])
    if len(want) != len(got):
        print('frames_match: %d samples in perf output, %d in sysflame output' % (len(want), len(got)))
        sys.exit(1)
    same = sum(1 for a, b in zip(want, got) if a == b)
    share = same / len(want) if want else 0.0
    print('frames_match: %d/%d samples (%.1f%%) have frames identical to perf' %
          (same, len(want), 100 * share))
    shown = 0
    for a, b in zip(want, got):
        if a != b and shown < 3:
            shown += 1
            print('--- perf:\n  %s\n--- sysflame:\n  %s' % ('\n  '.join(a), '\n  '.join(b)))
    if share < min_share:
        sys.exit(1)


if __name__ == '__main__':
    main()
