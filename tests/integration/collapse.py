#!/usr/bin/env python3
"""collapse.py [--event EVENT] < perf-script-text
collapse.py --out-dir DIR EVENT... < perf-script-text


A small re-implementation of the rules stackcollapse-perf.pl --all applies to
`perf script` text (FlameGraph is not packaged for Debian, so the test suite
cannot run the Perl original): only samples of one event (the first seen, or
--event), frames root first, "+0x.." offsets stripped, [unknown] named after
the module, "_[j]" on frames of /tmp/perf-PID.map (JIT) modules, ';' -> ':', quotes dropped, arguments after '(' dropped unless
the name looks like a Go method, "_[k]" on frames of "[...]" modules, comm
spaces as '_', sysflame's " (stitched)" frame mark ignored, each sample counted by its period (the number before the
event name; 1 when absent).  Prints the folded stacks sorted; with --out-dir, writes
those of each EVENT to DIR/EVENT.folded (one start of Python for all events:
starting it costs more than collapsing)."""
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


def collapse(lines, want):
    counts = {}
    stack, pname, period = [], None, 1
    for line in lines:
        line = line.rstrip('\n')
        if line.endswith(' (stitched)'):  # sysflame's mark on a stitched frame
            line = line[:-len(' (stitched)')]
        if line.startswith('#'):
            continue
        if not line:
            if pname is not None:       # a sample without frames: the comm alone
                key = ';'.join([pname] + stack)
                counts[key] = counts.get(key, 0) + period
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
            period = int(ev.group(1)) if ev and ev.group(1) else 1
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
        elif re.search(r'^/tmp/perf-\d+\.map$', mod):
            func += '_[j]'
        stack.insert(0, func)
    return ''.join('%s %d\n' % (k, counts[k])
                   for k in sorted(counts, key=lambda s: s.encode('utf-8', 'surrogateescape')))


def main():
    args = sys.argv[1:]
    lines = sys.stdin.readlines()
    if args[:1] == ['--out-dir']:
        for event in args[2:]:
            with open('%s/%s.folded' % (args[1], event), 'w', encoding=sys.stdout.encoding,
                      errors=sys.stdout.errors) as out:
                out.write(collapse(lines, event))
        return
    want = args[args.index('--event') + 1] if '--event' in args else None
    sys.stdout.write(collapse(lines, want))


if __name__ == '__main__':
    main()
