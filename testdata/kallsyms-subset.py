#!/usr/bin/env python3
"""kallsyms-subset.py KALLSYMS PERF-SCRIPT > SUBSET

The lines of KALLSYMS (/proc/kallsyms of the boot that recorded) that name
the kernel addresses PERF-SCRIPT shows: for each address, the text symbols
that start where its symbol starts and those that start next (its end), so
a lookup in the subset finds what it finds in the whole file."""
import bisect
import sys


def main():
    at = {}
    for line in open(sys.argv[1]):
        f = line.split()
        if len(f) >= 3 and f[1] in 'tTwW':
            at.setdefault(int(f[0], 16), []).append(line)
    starts = sorted(at)
    keep = set()
    for line in open(sys.argv[2], encoding='utf-8', errors='surrogateescape'):
        if line.rstrip().endswith('([kernel.kallsyms])'):
            i = bisect.bisect_right(starts, int(line.split()[0], 16)) - 1
            if i >= 0:
                keep.update(starts[i:i + 2])
    for s in sorted(keep):
        sys.stdout.writelines(at[s])


if __name__ == '__main__':
    main()
