#!/usr/bin/env python3
"""fp_match.py PERF_SCRIPT SYSFLAME_SCRIPT GO_BINARY_PATH WRAPPERS

The truth test for frame-pointer captures (perf record -g): perf script
names the recorded chain itself, so every frame perf names must appear in
sysflame's stack of the same sample, in the same order.  A perf frame
(address A, symbol, module) is matched by a sysflame frame of the same
module (or an inlined frame expanded at that address) at A (the sampled ip) or A - 1 (callers: sysflame shows them at the
call instruction, perf at the return address), skipping sysflame's extra
lines: inlined frames, the "[caller not recorded]" gap marker.  Frames
sysflame hides on purpose are allowed to be absent: Go wrapper functions
(the runtime's traceback elides them) and what perf shows above a Go
root.  WRAPPERS lists the wrappers (tests/lib/gowrappers: the pclntab's
funcID).  For the Go binary, names must also agree: perf's ELF names carry
an ABI suffix (".abi0") and generic shapes ("[go.shape.int_0]") where Go's
own names do not ("[...]").

Prints a summary; exits 1 when a sample fails."""
import re
import sys

FRAME = re.compile(r'^\s+([0-9a-f]+) (.*) \((.*)\)$')
ROOTS = ('runtime.goexit', 'runtime.mstart', 'runtime.rt0_go')


def blocks(path):
    out, cur = [], None
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line:
                if cur:
                    out.append(cur)
                cur = None
            elif not line[0].isspace() or cur is None:
                cur = [line, []]
            else:
                m = FRAME.match(line)
                if m:
                    cur[1].append((int(m.group(1), 16), re.sub(r'\+0x[0-9a-f]+$', '', m.group(2)),
                                   m.group(3)))
    if cur:
        out.append(cur)
    return out


def go_name(n):
    n = re.sub(r'\.abi[0-9]$', '', n)
    return re.sub(r'\[[^\[\]]*go\.shape[^\[\]]*\]', '[...]', n)


def main():
    want, got, gobin = blocks(sys.argv[1]), blocks(sys.argv[2]), sys.argv[3]
    with open(sys.argv[4], encoding='utf-8') as f:
        wrappers = set(go_name(line.strip()) for line in f)
    if len(want) != len(got):
        print('fp_match: %d samples in perf output, %d in sysflame output' % (len(want), len(got)))
        return 1
    bad = frames = named = skipped = 0
    shown = 0
    for (wh, wf), (gh, gf) in zip(want, got):
        if wh.split() != gh.split():
            print('fp_match: headers differ:\n  %s\n  %s' % (wh, gh))
            return 1
        k = 0
        ok = True
        after_root = False
        for addr, name, mod in wf:
            if name == '[unknown]' or after_root:
                continue
            named += 1
            is_go = mod == gobin
            j = k
            while j < len(gf):
                a, n, m = gf[j]
                if m in (mod, 'inlined') and a in (addr, addr - 1) and \
                        (not is_go or go_name(name) == n):
                    break
                j += 1
            if j < len(gf):
                frames += 1
                k = j + 1
            elif is_go and go_name(name) in wrappers:
                skipped += 1
            else:
                ok = False
                break
            if is_go and go_name(name) in ROOTS:
                after_root = True
        if not ok:
            bad += 1
            if shown < 3:
                shown += 1
                print('--- perf:\n  ' + wh + '\n' +
                      '\n'.join('  %x %s (%s)' % f for f in wf))
                print('--- sysflame:\n  ' + gh + '\n' +
                      '\n'.join('  %x %s (%s)' % f for f in gf))
    print('fp_match: %d/%d samples have every frame perf names, in order (%d frames matched, '
          '%d elided wrappers)' % (len(want) - bad, len(want), frames, skipped))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
