#!/usr/bin/env python3
"""collapse.py [--event EVENT] < perf-script-text

A small re-implementation of the rules stackcollapse-perf.pl --all applies to
`perf script` text (FlameGraph is not packaged for Debian, so the test suite
cannot run the Perl original): only samples of one event (the first seen, or
--event), frames root first, "+0x.." offsets stripped, [unknown] named after
the module, ';' -> ':', quotes dropped, arguments after '(' dropped unless
the name looks like a Go method, "_[k]" on frames of "[...]" modules, comm
spaces as '_'.  Prints the folded stacks sorted."""
import re
import sys

HEADER = re.compile(r'^(\S.+?)\s+(\d+)/*(\d+)*\s+')
EVENT = re.compile(r':\s*(\d+)*\s+(\S+):\s')
FRAME = re.compile(r'^\s*(\w+)\s*(.+) \((.*)\)')


def tidy(func):
    func = func.replace(';', ':')
    if not re.search(r'\.\(.*\)\.', func):
        func = re.sub(r'\((?!anonymous namespace\)).*', '', func)
    return func.replace('"', '').replace("'", '')


def main():
    args = sys.argv[1:]
    want = args[args.index('--event') + 1] if '--event' in args else None
    counts = {}
    stack, pname = [], None
    for line in sys.stdin:
        line = line.rstrip('\n')
        if line.startswith('#'):
            continue
        if not line:
            if pname is not None and stack:
                key = ';'.join([pname] + stack)
                counts[key] = counts.get(key, 0) + 1
            stack, pname = [], None
            continue
        m = HEADER.match(line)
        if m and not line.startswith('\t'):
            ev = EVENT.search(line + ' ')
            event = ev.group(2) if ev else None
            if want is None:
                want = event
            if event != want:
                pname = None
                continue
            pname = m.group(1).replace(' ', '_')
            continue
        f = FRAME.match(line)
        if not f or pname is None:
            continue
        pc, func, mod = f.groups()
        func = re.sub(r'\+0x[\da-f]+$', '', func)
        if func.startswith('('):
            continue
        if func == '[unknown]':
            func = '[%s]' % (mod.rsplit('/', 1)[-1] if mod != '[unknown]' else 'unknown')
        func = tidy(func)
        if re.search(r'(^\[|vmlinux$)', mod) and 'unknown' not in mod:
            func += '_[k]'
        stack.insert(0, func)
    for k in sorted(counts, key=lambda s: s.encode('utf-8', 'surrogateescape')):
        print('%s %d' % (k, counts[k]))


if __name__ == '__main__':
    main()
