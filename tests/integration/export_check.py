#!/usr/bin/env python3
"""export_check.py - reads sysflame's exports back and compares them with
independent views of the same capture (export.sh drives it):

  pprof-traces TRACES FOLDED [TOPJSON] stacks and counts of `go tool pprof -traces`
                                    equal `sysflame fold`'s; samples per test and
                                    comm label equal top's tests and threads
  pprof-raw RAW GO BINARY [TOPJSON] every location's file:line and function equal
                                    `go tool addr2line`'s on the binary, start lines
                                    equal the first line `go tool objdump` shows;
                                    latency values sum to top's
  pprof-mappings RAW MMAPS          every mapping of `go tool pprof -raw` is an
                                    executable mapping of `perf script
                                    --show-mmap-events` (start, limit, offset,
                                    file name) and carries the GNU build-id
                                    `readelf -n` finds in its file (none for Go)
  pprof-raw-c RAW BINARY            (a C program) the lines of every location in
                                    BINARY's mapping, inline chain included, equal
                                    binutils' `addr2line -f -i` on its DWARF
  speedscope FILE FOLDED [TRACE]    speedscope's schema (required keys, types, enum
                                    values, index bounds); stacks equal fold's;
                                    per-thread sample order equals the trace's
  speedscope-lines FILE GO BINARY   every frame of an oracle.* function has the
                                    file and first line `go tool objdump` shows
  trace FILE FOLDED SCRIPT [TOPJSON] trace-event structure (ph, ts, pid, tid, name,
                                    args, metadata, stackFrames tree); stacks equal
                                    fold's; times and threads equal `sysflame
                                    script`'s; durations equal top's latencies
  trace-tests FILE RECDIR           (a record folder's export) one slice per Go
                                    test on a track of its own in its test
                                    process, lasting go test's Elapsed (within
                                    15 ms: Elapsed is printed to 10 ms); the
                                    samples attributed to a test by their stacks
                                    lie inside its slice (parallel tests aside:
                                    their RUN/PAUSE precede the timed window)
Prints nothing and exits 0 when everything holds; otherwise one line per
problem (the first 20) and exits 1."""
import collections
import json
import re
import subprocess
import sys

fails = []


def fail(msg):
    fails.append(msg)


def finish():
    for f in fails[:20]:
        print(f)
    sys.exit(1 if fails else 0)


def read_fold(path):
    out = collections.Counter()
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line:
            stack, n = line.rsplit(' ', 1)
            out[stack] += int(n)
    return out


def tidy_comm(comm):
    return comm.replace(' ', '_').replace(';', ':')


def compare(what, got, want):
    if sum(got.values()) != sum(want.values()):
        fail('%s: %d samples, fold has %d' % (what, sum(got.values()), sum(want.values())))
    for k in sorted(set(got) | set(want)):
        if got.get(k, 0) != want.get(k, 0):
            fail('%s: %d x %s, fold has %d' % (what, got.get(k, 0), k[:300], want.get(k, 0)))


# ---- pprof ----

def pprof_traces(traces, folded, topjson=None):
    got = collections.Counter()
    by_test, by_comm = collections.Counter(), collections.Counter()
    blocks = re.split(r'(?m)^-+\+-+$', open(traces, encoding='utf-8').read())
    for block in blocks[1:]:
        labels, count, frames = {}, None, []
        for line in block.split('\n'):
            if not line.strip():
                continue
            m = re.match(r'^\s*(\w+):  (.*)$', line)
            if m and count is None:
                labels[m.group(1)] = m.group(2)
                continue
            if count is None:
                count = int(line[:10].strip())
            # pprof marks the frames of an inline chain but the last
            frames.append(re.sub(r' \(inline\)$', '', line[13:]))
        if count is None:
            continue
        for key in ('comm', 'test'):
            if key not in labels:
                fail('pprof: a sample without label %s' % key)
        if 'syscall' not in labels and 'event' not in labels:
            fail('pprof: a sample without a syscall or event label')
        by_test[labels.get('test')] += count
        by_comm[labels.get('comm')] += count
        if 'syscall' in labels and frames and frames[0] != labels['syscall']:
            fail('pprof: leaf %s, label syscall %s' % (frames[0], labels['syscall']))
        got[';'.join([tidy_comm(labels.get('comm', ''))] + frames[::-1])] += count
    compare('pprof -traces', got, read_fold(folded))
    if topjson:
        # the test label is top's attribution, the comm label top's threads'
        top = json.load(open(topjson))
        want = {t['name']: t['count'] for t in top['tests'] if t['count']}
        if dict(by_test) != want:
            fail('pprof: samples per test label %s, top %s' % (sorted(by_test.items())[:5],
                                                               sorted(want.items())[:5]))
        comms = collections.Counter()
        for t in top['threads']:
            comms[t['name']] += t['count']
        if dict(by_comm) != dict(comms):
            fail('pprof: samples per comm label %s, top %s' % (sorted(by_comm.items())[:5],
                                                               sorted(comms.items())[:5]))


def objdump_start_lines(go, binary, regex, files=None):
    out = subprocess.run([go, 'tool', 'objdump', '-s', regex, binary], check=True,
                         capture_output=True, text=True).stdout
    starts, fn = {}, None
    for line in out.split('\n'):
        if line.startswith('TEXT '):
            fn = line.split()[1]
            fn = fn[:-4] if fn.endswith('(SB)') else fn
        elif fn and line.strip():
            file, start = line.split()[0].rsplit(':', 1)
            starts[fn] = int(start)
            if files is not None:
                files[fn] = file
            fn = None
    return starts


def pprof_raw(raw, go, binary, topjson=None):
    text = open(raw, encoding='utf-8').read()
    # Samples: "  count [latency]: location ids"
    samples = text.split('\nSamples:\n', 1)[1].split('\nLocations\n', 1)[0]
    header = samples.split('\n', 1)[0].split()
    lat_sum = 0
    for line in samples.split('\n')[1:]:
        m = re.match(r'^\s+(\d+)(?:\s+(\d+))?:', line)
        if m and m.group(2):
            lat_sum += int(m.group(2))
    if topjson:
        top = json.load(open(topjson))
        want = sum(s.get('lat_total_us') or 0 for s in top['syscalls']) * 1000
        if 'latency/nanoseconds' not in header:
            fail('pprof: no latency/nanoseconds sample type: %s' % header)
        elif abs(lat_sum - want) > 1 * len(top['syscalls']) * 1000:
            fail('pprof: latencies sum to %d ns, top says %.0f' % (lat_sum, want))
    # Locations: "  N: 0xADDR M=1 func file:line s=S", inlined callers on
    # the next lines; innermost first.
    locs_text = text.split('\nLocations\n', 1)[1].split('\nMappings\n', 1)[0]
    locs, cur = [], None
    for line in locs_text.split('\n'):
        m = re.match(r'^\s+\d+: (0x[0-9a-f]+)( M=\d+)? (.*)$', line)
        if m:
            cur = {'addr': m.group(1), 'mapped': bool(m.group(2)), 'lines': [m.group(3)]}
            locs.append(cur)
        elif line.strip() and cur:
            cur['lines'].append(line.strip())
    mapped = [l for l in locs if l['mapped']]
    if not mapped:
        fail('pprof: no location has a mapping')
        return
    res = subprocess.run([go, 'tool', 'addr2line', binary], check=True, capture_output=True,
                         text=True, input=''.join(l['addr'] + '\n' for l in mapped)).stdout
    res = res.split('\n')
    starts = objdump_start_lines(go, binary, r'^oracle\.')
    checked_starts = 0
    for i, l in enumerate(mapped):
        fn, fileline = res[2 * i], res[2 * i + 1]
        inner = re.match(r'^(\S+) (\S+):(\d+) s=(\d+)$', l['lines'][0])
        outer = re.match(r'^(\S+) (\S+):(\d+) s=(\d+)$', l['lines'][-1])
        if not inner or not outer:
            fail('pprof: location %s has no file:line: %s' % (l['addr'], l['lines']))
            continue
        if '%s:%s' % (inner.group(2), inner.group(3)) != fileline:
            fail('pprof: %s at %s:%s, addr2line says %s' % (l['addr'], inner.group(2),
                                                           inner.group(3), fileline))
        if outer.group(1) != fn:
            fail('pprof: %s in %s, addr2line says %s' % (l['addr'], outer.group(1), fn))
        if outer.group(1) in starts:
            checked_starts += 1
            if int(outer.group(4)) != starts[outer.group(1)]:
                fail('pprof: %s starts at line %s, objdump says %d' % (
                    outer.group(1), outer.group(4), starts[outer.group(1)]))
    if not checked_starts:
        fail('pprof: no start line checked')


def pprof_raw_c(raw, binary):
    import os
    text = open(raw, encoding='utf-8').read()
    maps = {}
    for line in text.split('\nMappings\n', 1)[1].split('\n'):
        m = re.match(r'^(\d+): (0x[0-9a-f]+)/(0x[0-9a-f]+)/(0x[0-9a-f]+) (\S+)', line)
        if m and os.path.basename(m.group(5)) == os.path.basename(binary):
            maps[m.group(1)] = (int(m.group(2), 16), int(m.group(4), 16))
    loads = []
    for line in subprocess.run(['readelf', '-lW', binary], check=True, capture_output=True,
                               text=True).stdout.split('\n'):
        f = line.split()
        if f and f[0] == 'LOAD':
            loads.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
    locs, cur = [], None
    locs_text = text.split('\nLocations\n', 1)[1].split('\nMappings\n', 1)[0]
    for line in locs_text.split('\n'):
        m = re.match(r'^\s+\d+: (0x[0-9a-f]+) M=(\d+) (\S+) (\S*):(\d+) s=\d+$', line)
        if m:
            cur = None
            if m.group(2) in maps:
                start, off = maps[m.group(2)]
                foff = int(m.group(1), 16) - start + off
                vaddr = [foff - o + v for o, v, n in loads if o <= foff < o + n]
                cur = {'addr': m.group(1), 'vaddr': vaddr[0] if vaddr else None,
                       'lines': [(m.group(3), m.group(4), m.group(5))]}
                locs.append(cur)
        elif cur and line.strip():
            m = re.match(r'^\s+(\S+) (\S*):(\d+) s=\d+$', line)
            if m:
                cur['lines'].append(m.groups())
    # C code only (binutils cannot read a Go binary's compressed DWARF)
    locs = [l for l in locs if all(re.search(r'\.[ch]$', f) for _, f, _ in l['lines'])]
    if not locs:
        fail('pprof: no C location in %s' % binary)
        return
    sys.stderr.write('%d C locations, %d with inlined frames\n' % (
        len(locs), sum(1 for l in locs if len(l['lines']) > 1)))
    # addr2line -i prints a variable number of pairs per address: one call
    # per location
    for l in locs:
        out = subprocess.run(['addr2line', '-f', '-i', '-e', binary, '%x' % l['vaddr']],
                             check=True, capture_output=True, text=True).stdout.split('\n')
        want = []
        for fn, fl in zip(out[0::2], out[1::2]):
            file, line = fl.rsplit(':', 1)
            line = re.sub(r' .*', '', line)
            # unknown: pprof has "" and 0, addr2line "??" and "?"
            want.append((fn, '' if file == '??' else os.path.basename(file),
                         '0' if line == '?' else line))
        got = [(fn, os.path.basename(file), line) for fn, file, line in l['lines']]
        if got != want:
            fail('pprof: %s (vaddr %x): %s, addr2line says %s' % (l['addr'], l['vaddr'], got, want))


def pprof_mappings(raw, mmaps):
    text = open(raw, encoding='utf-8').read()
    maps = text.split('\nMappings\n', 1)[1] if '\nMappings\n' in text else ''
    want = set()
    for line in open(mmaps, encoding='utf-8'):
        m = re.search(r'PERF_RECORD_MMAP2? \S+: \[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (\S+)'
                      r'[^\]]*\]: (\S+) (\S+)$', line.rstrip('\n'))
        if m and 'x' in m.group(4):
            start, size = int(m.group(1), 16), int(m.group(2), 16)
            want.add((start, start + size, int(m.group(3), 16), m.group(5).rsplit('/', 1)[-1]))
    n = 0
    for line in maps.split('\n'):
        m = re.match(r'^\d+: (0x[0-9a-f]+)/(0x[0-9a-f]+)/(0x[0-9a-f]+) (\S+) (\S*) ?\[', line)
        if not line.strip():
            continue
        if not m:
            fail('pprof: mapping line %r' % line)
            continue
        n += 1
        got = (int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16),
               m.group(4).rsplit('/', 1)[-1])
        if got not in want:
            fail('pprof: mapping %s is no executable mapping perf script shows' % line)
        notes = subprocess.run(['readelf', '-n', m.group(4)], capture_output=True,
                               text=True).stdout
        bid = re.search(r'Build ID: ([0-9a-f]+)', notes)
        if (bid.group(1) if bid else '') != m.group(5):
            fail('pprof: mapping %s: build-id %r, readelf says %r' % (
                m.group(4), m.group(5), bid.group(1) if bid else ''))
    if not n:
        fail('pprof: no mapping')


# ---- speedscope ----

UNITS = {'none', 'nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes'}


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def speedscope(path, folded, trace=None):
    d = json.load(open(path, encoding='utf-8'))
    if d.get('$schema') != 'https://www.speedscope.app/file-format-schema.json':
        fail('speedscope: $schema is %r' % d.get('$schema'))
    frames = d.get('shared', {}).get('frames')
    if not isinstance(frames, list):
        fail('speedscope: shared.frames is not an array')
        return
    for i, f in enumerate(frames):
        if not isinstance(f, dict) or not isinstance(f.get('name'), str):
            fail('speedscope: frame %d has no name' % i)
        elif 'file' in f and not isinstance(f['file'], str):
            fail('speedscope: frame %d: file is not a string' % i)
        elif 'line' in f and not is_num(f['line']):
            fail('speedscope: frame %d: line is not a number' % i)
    profiles = d.get('profiles')
    if not isinstance(profiles, list) or not profiles:
        fail('speedscope: no profiles')
        return
    if 'activeProfileIndex' in d and not 0 <= d['activeProfileIndex'] < len(profiles):
        fail('speedscope: activeProfileIndex out of range')
    got = collections.Counter()
    order = {}
    for p in profiles:
        for key, check in (('type', lambda v: v == 'sampled'), ('name', lambda v: isinstance(v, str)),
                           ('unit', lambda v: v in UNITS), ('startValue', is_num),
                           ('endValue', is_num), ('samples', lambda v: isinstance(v, list)),
                           ('weights', lambda v: isinstance(v, list))):
            if key not in p or not check(p[key]):
                fail('speedscope: profile %r: bad or missing %s' % (p.get('name'), key))
                return
        if len(p['samples']) != len(p['weights']):
            fail('speedscope: %s: %d samples, %d weights' % (p['name'], len(p['samples']),
                                                             len(p['weights'])))
        if p['endValue'] - p['startValue'] != sum(p['weights']):
            fail('speedscope: %s: values do not span the weights' % p['name'])
        comm, thread = p['name'].rsplit(' ', 1)
        order[thread] = []
        for s, w in zip(p['samples'], p['weights']):
            if not isinstance(s, list) or not all(isinstance(i, int) and 0 <= i < len(frames) for i in s):
                fail('speedscope: %s: frame index out of range' % p['name'])
                return
            names = [frames[i]['name'] for i in s]
            got[';'.join([tidy_comm(comm)] + names)] += w
            order[thread].append(names)
    compare('speedscope', got, read_fold(folded))
    if trace:
        events, _ = trace_events(trace)
        by_thread = collections.defaultdict(list)
        for e in events:
            by_thread['%d/%d' % (e['pid'], e['tid'])].append(e['names'])
        if by_thread != order:
            fail('speedscope: samples per thread differ from the trace\'s time order')


def speedscope_lines(path, go, binary):
    frames = json.load(open(path, encoding='utf-8'))['shared']['frames']
    files = {}
    starts = objdump_start_lines(go, binary, r'^oracle\.', files)
    n = 0
    for f in frames:
        if f['name'] not in starts:
            continue
        n += 1
        if f.get('line') != starts[f['name']] or \
                f.get('file', '').rsplit('/', 1)[-1] != files[f['name']]:
            fail('speedscope: %s at %s:%s, objdump says %s:%d' % (
                f['name'], f.get('file'), f.get('line'), files[f['name']], starts[f['name']]))
    if not n:
        fail('speedscope: no oracle.* frame')


# ---- trace events ----

tests = []   # trace_events: the test slices (cat "test")


def trace_events(path):
    d = json.load(open(path, encoding='utf-8'))
    if not isinstance(d, dict) or not isinstance(d.get('traceEvents'), list):
        fail('trace: no traceEvents array')
        return [], {}
    sf = d.get('stackFrames', {})
    for k, v in sf.items():
        if not isinstance(v, dict) or not isinstance(v.get('name'), str):
            fail('trace: stackFrames[%s] has no name' % k)
        elif 'parent' in v and v['parent'] not in sf:
            fail('trace: stackFrames[%s]: parent %s is not a frame' % (k, v['parent']))
    chains = {}

    def chain(start):
        if start not in chains:
            names, seen, k = [], set(), start
            while k is not None:
                if k in seen or k not in sf:
                    fail('trace: stackFrames loop or missing frame at %s' % k)
                    break
                seen.add(k)
                names.append(sf[k]['name'])
                k = sf[k].get('parent')
            chains[start] = names[::-1]
        return chains[start]

    events, meta = [], {}
    tests.clear()
    for e in d['traceEvents']:
        ph = e.get('ph')
        if ph not in ('X', 'i', 'B', 'E', 'M'):
            fail('trace: event with ph %r' % ph)
            continue
        if not isinstance(e.get('pid'), int) or not isinstance(e.get('tid'), int):
            fail('trace: event without integer pid/tid: %s' % e)
            continue
        if not isinstance(e.get('name'), str):
            fail('trace: event without a name: %s' % e)
            continue
        if ph == 'M':
            if e['name'] in ('thread_name', 'process_name'):
                if not isinstance(e.get('args', {}).get('name'), str):
                    fail('trace: %s without args.name' % e['name'])
                meta[(e['name'], e['pid'], e['tid'] if e['name'] == 'thread_name' else 0)] = \
                    e['args']['name']
            continue
        if not is_num(e.get('ts')):
            fail('trace: event without ts: %s' % e)
            continue
        if ph == 'X' and not (is_num(e.get('dur')) and e['dur'] >= 0):
            fail('trace: X event without dur: %s' % e)
        if e.get('cat') == 'test':
            tests.append(e)
            continue
        if ph == 'i' and e.get('s', 't') not in ('t', 'p', 'g'):
            fail('trace: instant event with scope %r' % e.get('s'))
        args = e.get('args')
        if not isinstance(args, dict) or not isinstance(args.get('stack'), list):
            fail('trace: event without args.stack: %s' % e)
            continue
        names = chain(str(e['sf'])) if 'sf' in e else []
        shown = [re.sub(r' \S+:\d+$', '', f) for f in args['stack']][::-1]
        if names != shown:
            fail('trace: sf chain %s differs from args.stack %s' % (names[-3:], shown[-3:]))
        e['names'] = names
        events.append(e)
    for e in events + tests:
        if ('thread_name', e['pid'], e['tid']) not in meta:
            fail('trace: thread %d/%d has no thread_name' % (e['pid'], e['tid']))
            break
    last = {}
    for e in events:
        t = (e['pid'], e['tid'])
        if e['ts'] < last.get(t, 0):
            fail('trace: thread %d/%d goes back in time at %s' % (t[0], t[1], e['ts']))
            break
        last[t] = e['ts']
    return events, meta


def trace(path, folded, script, topjson=None):
    events, meta = trace_events(path)
    got = collections.Counter()
    for e in events:
        got[';'.join([tidy_comm(e['args'].get('comm', ''))] + e['names'])] += 1
    compare('trace', got, read_fold(folded))
    # Times and threads: `sysflame script` prints perf's header per sample.
    want = []
    head = re.compile(r'^(.*?)\s+(\d+)\s+\[\d+\]\s+(\d+)\.(\d{6}):\s+(\S+):')
    for line in open(script, encoding='utf-8'):
        m = head.match(line)
        if m and not m.group(5).startswith('syscalls:sys_exit_'):
            want.append((int(m.group(2)), int(m.group(3)) * 1000000 + int(m.group(4))))
    have = [(e['tid'], int(e['ts'])) for e in events]
    if have != want:
        diffs = [i for i, (a, b) in enumerate(zip(have, want)) if a != b]
        fail('trace: %d events, script has %d samples; first difference at %s' % (
            len(have), len(want), diffs[:1]))
    if topjson:
        top = json.load(open(topjson))
        exits = sum(s.get('exits', 0) for s in top['syscalls'])
        xs = [e for e in events if e['ph'] == 'X']
        if len(xs) != exits:
            fail('trace: %d duration events, top pairs %d exits' % (len(xs), exits))
        for name in {s['name'] for s in top['syscalls']}:
            dur = sum(e['dur'] for e in xs if e['name'] == name)
            want_us = sum(s['lat_total_us'] or 0 for s in top['syscalls'] if s['name'] == name)
            if abs(dur - want_us) > 0.01 + 1e-6 * want_us:
                fail('trace: %s lasts %.3f us, top says %.3f' % (name, dur, want_us))


def trace_tests(path, recdir):
    import glob
    import os
    events, meta = trace_events(path)
    elapsed, comm = {}, {}
    for ev in glob.glob(os.path.join(recdir, '*', 'events.json')):
        binary = os.path.basename(os.path.dirname(ev)) + '.test'
        for line in open(ev, encoding='utf-8'):
            e = json.loads(line)
            if e.get('Test') and '/' not in e['Test'] and e['Action'] in ('pass', 'fail', 'skip'):
                elapsed[e['Package'] + '.' + e['Test']] = e['Elapsed']
                comm[e['Package'] + '.' + e['Test']] = binary
    pids = collections.defaultdict(set)
    for e in events:
        pids[e['args']['comm']].add(e['pid'])
    got = {t['name']: t for t in tests}
    if sorted(got) != sorted(elapsed):
        fail('trace: test slices %s, go test ran %s' % (sorted(got), sorted(elapsed)))
    tracks = collections.Counter((t['pid'], t['tid']) for t in tests)
    for name, t in sorted(got.items()):
        if name not in elapsed:
            continue
        if t['ph'] != 'X' or tracks[(t['pid'], t['tid'])] != 1:
            fail('trace: %s is not a slice on a track of its own' % name)
        if meta.get(('thread_name', t['pid'], t['tid'])) != name:
            fail('trace: the track of %s is named %r' % (name, meta.get(('thread_name', t['pid'], t['tid']))))
        if pids[comm[name]] != {t['pid']}:
            fail('trace: %s in process %d, %s ran as %s' % (name, t['pid'], comm[name], pids[comm[name]]))
        if abs(t['dur'] / 1e6 - elapsed[name]) > 0.015:
            fail('trace: %s lasts %.6f s, go test says %s' % (name, t['dur'] / 1e6, elapsed[name]))
        parallel = any(o is not t and o['pid'] == t['pid'] and o['ts'] < t['ts'] + t['dur'] and
                       t['ts'] < o['ts'] + o['dur'] for o in tests)
        mine = [e for e in events if e['args'].get('test') == name]
        # in ns: ts and dur are microseconds with 3 decimals, and a sample
        # at the window's end (its --- PASS write) is inside
        lo, hi = round(t['ts'] * 1000), round(t['ts'] * 1000) + round(t['dur'] * 1000)
        out = [e for e in mine if not lo <= round(e['ts'] * 1000) <= hi]
        if out and not parallel:
            fail('trace: %d of %d samples of %s outside its slice' % (len(out), len(mine), name))
        sys.stderr.write('%s: %.3f ms (Elapsed %s s), %d samples, %d inside%s\n' % (
            name, t['dur'] / 1e3, elapsed[name], len(mine), len(mine) - len(out),
            ', parallel' if parallel else ''))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'pprof-traces': pprof_traces, 'pprof-raw': pprof_raw, 'pprof-mappings': pprof_mappings,
     'pprof-raw-c': pprof_raw_c,
     'speedscope': speedscope, 'speedscope-lines': speedscope_lines,
     'trace': trace, 'trace-tests': trace_tests}[cmd](*args)
    finish()
