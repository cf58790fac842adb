#!/usr/bin/env python3
"""stitch_truth.py - hold the stacks sysflame stitched in a cut capture to
the stacks of the same capture with its full stack copies.

usage: stitch_truth.py NAME FULL.script CUT.script MIN_PCT

FULL.script is `sysflame script` of the capture recorded with a 64 KiB copy,
CUT.script of the same capture cut to 8 KiB (tools/perf-cut-stack.py), with
stitching on.  Samples are paired in order (the cut keeps every sample).
Each sample the cut truncated is: completed exactly (its frames, the
stitched ones without their "(stitched)" mark, equal the full file's),
left truncated (it still ends in [truncated]) or wrong (anything else).
A sample the cut did not truncate must come out unchanged.  Prints one
line of figures; exits 1 if any stack is wrong or changed, or if fewer
than MIN_PCT percent of the truncated ones were completed exactly.
"""
import sys

MARK = ' (stitched)'


def samples(path):
    out, cur = [], None
    for line in open(path, encoding='utf-8', errors='replace'):
        line = line.rstrip('\n')
        if not line:
            if cur is not None:
                out.append(cur)
            cur = None
        elif cur is None:
            cur = [line]
        else:
            cur.append(line)
    if cur is not None:
        out.append(cur)
    return out


def main():
    name, full_p, cut_p, min_pct = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    full, cut = samples(full_p), samples(cut_p)
    if len(full) != len(cut) or not full:
        print('%s: FAIL: %d samples in the full file, %d in the cut one' % (name, len(full), len(cut)))
        return 1
    n = trunc = exact = left = wrong = changed = 0
    for a, b in zip(full, cut):
        n += 1
        if a[0] != b[0]:
            print('%s: FAIL: sample %d pairs %r with %r' % (name, n, a[0], b[0]))
            return 1
        stitched = any(l.endswith(MARK) for l in b)
        cut_short = any('[truncated]' in l for l in b[1:])
        plain = [l[:-len(MARK)] if l.endswith(MARK) else l for l in b]
        if stitched:
            trunc += 1
            if plain == a:
                exact += 1
            else:
                wrong += 1
                if wrong <= 3:
                    print('%s: wrong stitch at sample %d:\n  full: %s\n  cut:  %s'
                          % (name, n, '\n        '.join(a), '\n        '.join(b)))
        elif cut_short and not any('[truncated]' in l for l in a[1:]):
            trunc += 1
            left += 1
        elif plain != a:
            changed += 1
            if changed <= 3:
                print('%s: untruncated sample %d changed' % (name, n))
    pct = 100.0 * exact / trunc if trunc else 0.0
    print('%s: %d samples, %d truncated by the 8 KiB cut: %d completed exactly (%.1f%%), '
          '%d left truncated, %d wrong; %d others changed'
          % (name, n, trunc, exact, pct, left, wrong, changed))
    return 1 if wrong or changed or pct < min_pct else 0


if __name__ == '__main__':
    sys.exit(main())
