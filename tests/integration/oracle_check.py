#!/usr/bin/env python3
"""oracle_check.py SCRIPT_OUTPUT ORACLE_FILE [--min-rate R] [--marker FUNC]

Compares the stacks `sysflame script` unwound for the oracle test's marker
syscalls (prctl with option 0x5f5f0000+id) with the Go runtime's own view of
the same call sites (runtime.Callers + CallersFrames, written by the test at
record time).  A complete stack must equal the runtime's from oracle.marker
outward; a stack marked [truncated] must be the innermost part of it.
--marker names the marker function (default oracle.marker; testdata/stacks'
stackprobe has main.marker).
Prints the match rate; exits 1 on any mismatch or if markers are missing."""
import re
import sys

MARKER_BASE = 0x5F5F0000
FRAME = re.compile(r'^\t\s*[0-9a-f]+ (.*) \((.*)\)( \[fp\])?$')


def parse_script(path):
    samples = []
    cur = None
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line:
                cur = None
                continue
            if not line.startswith('\t'):
                cur = {'header': line, 'frames': []}
                samples.append(cur)
                continue
            m = FRAME.match(line)
            if cur is None or not m:
                continue
            name = re.sub(r'\+0x[0-9a-f]+$', '', m.group(1))
            cur['frames'].append(name)
    return samples


def parse_oracle(path):
    markers = {}
    cur = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('marker '):
                parts = line.split()
                cur = []
                markers[int(parts[1])] = cur
            elif line.startswith('\t') and cur is not None:
                cur.append(line[1:].split('\t')[0])
            else:
                cur = None
    return markers


def main():
    args = sys.argv[1:]
    min_rate = 1.0
    if '--min-rate' in args:
        i = args.index('--min-rate')
        min_rate = float(args[i + 1])
        del args[i:i + 2]
    marker = 'oracle.marker'
    if '--marker' in args:
        i = args.index('--marker')
        marker = args[i + 1]
        del args[i:i + 2]
    script_out, oracle_path = args
    oracle = parse_oracle(oracle_path)
    seen = {}
    full = trunc = bad = 0
    for s in parse_script(script_out):
        m = re.search(r'syscalls:sys_enter_prctl: option: (0x[0-9a-f]+)', s['header'])
        if not m:
            continue
        ident = int(m.group(1), 16) - MARKER_BASE
        if ident not in oracle:
            continue
        seen[ident] = seen.get(ident, 0) + 1
        frames = s['frames']
        truncated = bool(frames) and frames[-1] == '[truncated]'
        if truncated:
            frames = frames[:-1]
        want = oracle[ident]
        if marker not in frames:
            bad += 1
            print('marker %d: no %s frame in %s' % (ident, marker, frames), file=sys.stderr)
            continue
        got = frames[frames.index(marker):]
        if truncated:
            ok = len(got) <= len(want) and want[:len(got)] == got
            trunc += ok
        else:
            ok = got == want
            full += ok
        if not ok:
            bad += 1
            print('marker %d%s differs:\n  sysflame: %s\n  runtime:  %s' %
                  (ident, ' (truncated)' if truncated else '', ' <- '.join(got),
                   ' <- '.join(want)), file=sys.stderr)
    missing = sorted(set(oracle) - set(seen))
    total = full + trunc + bad
    rate = (full + trunc) / total if total else 0.0
    print('oracle: %d marker samples, %d equal to runtime.Callers, %d truncated with a '
          'correct innermost part, %d different; match rate %.1f%%; %d markers without a sample'
          % (total, full, trunc, bad, 100 * rate, len(missing)))
    if missing:
        print('markers never sampled: %s' % missing, file=sys.stderr)
    if total == 0 or rate < min_rate or missing:
        sys.exit(1)


if __name__ == '__main__':
    main()
