#!/usr/bin/env python3
"""processes_check.py TOP-JSON PERF-SAMPLES GO-BINARY [DIFF-JSON SUMMARY-MD]

Checks top's per-process level on a system-wide capture against perf and
the files themselves:
  - the processes table has one row per pid perf script -F comm,pid,tid
    printed (PERF-SAMPLES), with perf's count;
  - each kind: a Go process's executable is the Go test binary (a
    .gopclntab section, readelf), a C process's executable, when on disk,
    has none; interpreters are bash and python;
  - the tests table's "[process: KIND]" rows hold exactly the samples
    whose comm no thread of a Go test process had, under the first kind
    (Go, C, interpreter, kernel thread, unknown) of the processes whose
    threads had it, as they were then (before an exec, a process is what
    its parent runs: bash);
  - the same rows, by the same rule, in diff's tests table (DIFF-JSON, the
    capture against itself: before and after) and in report's summary
    (SUMMARY-MD: "Other processes (not Go tests)", its share per kind, of
    perf's sample count)."""
import re
import collections
import json
import os
import subprocess
import sys


def has_pclntab(path):
    out = subprocess.run(['readelf', '-SW', path], capture_output=True, text=True).stdout
    return '.gopclntab' in out


def main():
    d = json.load(open(sys.argv[1]))
    samples = []
    for line in open(sys.argv[2], encoding='utf-8', errors='surrogateescape'):
        line = line.rstrip('\n')
        if not line.strip():
            continue
        comm, ids = line.rsplit(None, 1)
        pid, tid = (int(x) for x in ids.split('/'))
        samples.append((comm.strip(), pid, tid))
    want = collections.Counter(pid for _, pid, _ in samples)
    gobin = sys.argv[3]
    bad = []
    got = {p['pid']: p for p in d['processes']}
    for pid, n in want.items():
        if pid not in got or got[pid]['count'] != n:
            bad.append('pid %d: %s samples, perf has %d' % (pid, got.get(pid, {}).get('count'), n))
    if set(got) - set(want):
        bad.append('pids perf does not have: %s' % sorted(set(got) - set(want)))
    order = ['Go', 'C', 'interpreter', 'kernel thread', 'unknown']
    # the kind a sample's process had when it was taken: its final kind
    # under the thread's last name; before an exec (an earlier name), the
    # kind of the processes that end under that name (bash's)
    last = {}
    for comm, pid, tid in samples:
        last[(pid, tid)] = comm
    final = collections.defaultdict(set)
    for (pid, tid), comm in last.items():
        p = got.get(pid)
        final[comm].add('test' if p and p['go_test'] else p['kind'] if p else 'unknown')
    by_comm = collections.defaultdict(set)
    unsure = set()         # names only an image perf script does not show had
    for comm, pid, tid in samples:
        p = got.get(pid)
        if last[(pid, tid)] == comm:
            by_comm[comm].add('test' if p and p['go_test'] else p['kind'] if p else 'unknown')
        elif comm in final:
            by_comm[comm] |= final[comm]
        else:
            unsure.add(comm)
    kinds = collections.Counter()
    slack = 0
    for comm, pid, tid in samples:
        ks = by_comm.get(comm, set())
        if comm in unsure and not ks:
            slack += 1
        elif 'test' not in ks:
            kinds[min(ks, key=order.index)] += 1
    for p in d['processes']:
        exe, k = p['exe'], p['kind']
        base = os.path.basename(exe)
        if k == 'Go' and not (base.endswith('.test') and p['go_test'] and has_pclntab(gobin)):
            bad.append('pid %d: Go, but %s' % (p['pid'], exe))
        if k == 'C' and os.path.exists(exe) and has_pclntab(exe):
            bad.append('pid %d: C, but %s is a Go binary' % (p['pid'], exe))
        if base in ('bash', 'python3.11') and k != 'interpreter':
            bad.append('pid %d: %s is an interpreter, not %s' % (p['pid'], exe, k))
    def check_rows(what, rows):
        if not set(rows) >= {'[process: %s]' % k for k in kinds}:
            bad.append('%s: rows %s, want %s' % (what, sorted(rows), sorted(kinds)))
        for k, n in kinds.items():
            r = rows.get('[process: %s]' % k, 0)
            if not n <= r <= n + slack:
                bad.append('%s: [process: %s] %s, want %d (+ up to %d)' % (what, k, r, n, slack))
        if not sum(kinds.values()) <= sum(rows.values()) <= sum(kinds.values()) + slack:
            bad.append('%s: the process rows hold %d, want %d + up to %d'
                       % (what, sum(rows.values()), sum(kinds.values()), slack))

    # samples under a name no thread kept (an image between two execs,
    # e.g. a script's name) may be in any row: `slack` of them
    check_rows('tests table', {t['name']: t['count'] for t in d['tests']
                               if t['name'].startswith('[process: ')})
    if len(sys.argv) > 5:
        diff = json.load(open(sys.argv[4]))
        for side in ('before', 'after'):
            check_rows('diff %s' % side, {t['name']: t[side] for t in diff['tests']
                                          if t['name'].startswith('[process: ')})
        md = open(sys.argv[5], encoding='utf-8').read()
        m = re.search(r'^- Other processes \(not Go tests\): ([0-9.]+)% \((.*)\)$', md, re.M)
        if not m:
            bad.append('summary: no "Other processes" line')
        else:
            got_pct = {'[process: %s]' % k: float(v) for k, v in
                       (x.rsplit(' ', 1) for x in m.group(2).replace('%', '').split(', '))}
            got_pct['all'] = float(m.group(1))
            want_n = dict(('[process: %s]' % k, n) for k, n in kinds.items())
            want_n['all'] = sum(kinds.values())
            for k, n in want_n.items():
                lo, hi = 100.0 * n / len(samples), 100.0 * (n + slack) / len(samples)
                if k not in got_pct or not lo - 0.05 <= got_pct[k] <= hi + 0.05:
                    bad.append('summary: %s %s%%, want %.2f..%.2f%%' % (k, got_pct.get(k), lo, hi))
            if set(got_pct) != set(want_n):
                bad.append('summary: kinds %s, want %s' % (sorted(got_pct), sorted(want_n)))
    if slack * 20 > len(samples):
        bad.append('%d of %d samples could not be checked' % (slack, len(samples)))
    if not any(p['kind'] == 'Go' for p in d['processes']):
        bad.append('no Go process')
    for b in bad:
        print('FAIL ' + b)
    print('processes: %d (%s); %d samples in unsure rows' % (len(got), ', '.join('%s %d' % kv for kv in sorted(
        collections.Counter(p['kind'] for p in d['processes']).items())), slack))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
