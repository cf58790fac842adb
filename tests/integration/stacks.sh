#!/bin/sh
# Stacks of real programs (issue 15), on captures of our own programs in
# testdata/stacks (see testdata/README, "Stacks of real programs"):
#  - stackprobe, a Go PIE without build-id: its samples get their binary and
#    reach a root; syscall.rawVforkSyscall's caller (forkAndExecInChild1,
#    whose return address sits in R12) is shown; the shell's stacks equal
#    perf's, vfork's included (libc's vfork keeps the return address in RDI),
#    and go on through signal frames where perf stops;
#  - stackcgo, whose C code has no unwind tables: frame-pointer guesses
#    invent no frames (every fallback frame follows a call to the frame
#    below), runtime.callCgoMmap is found under x_cgo_mmap, stacks that end
#    in C helpers do not count as reaching a root, C++ names are demangled;
#    script marks fallback frames [fp] and unproven stops;
#  - stackprobe's wrapper markers equal runtime.Callers (issue 14 point 8);
#  - tables name missing binaries (never cgo), truncated stacks and signal
#    returns (issue 14 point 3, issue 15 point 6);
#  - subtests are the closures t.Run ran, nested and parallel ones apart,
#    against the oracle test's runtime.Callers (issue 15 point 6);
#  - stackgen, a stripped Go 1.22 test binary: generic functions, methods,
#    closures and inlined generic bodies are named as runtime.Callers names
#    them, pkg.F[...] (issue 15 point 5).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=$TESTDATA/stacks
fail=0
probe="--binary $S/bin/stackprobe --binary $S/bin/dash --binary $S/bin/true --symfs $TESTDATA/sysroot"
cgo="--binary $S/bin/stackcgo --symfs $TESTDATA/sysroot"

# shellcheck disable=SC2086
"$SYSFLAME" script -q $probe "$S/stackprobe.data" > "$tmp/probe.script" 2> "$tmp/err" &&
"$SYSFLAME" info -q --format json $probe "$S/stackprobe.data" > "$tmp/probe.json" 2>> "$tmp/err" &&
"$SYSFLAME" script -q $cgo "$S/stackcgo.data" > "$tmp/cgo.script" 2>> "$tmp/err" &&
"$SYSFLAME" info -q --format json $cgo "$S/stackcgo.data" > "$tmp/cgo.json" 2>> "$tmp/err" ||
    { echo "FAIL: sysflame failed: $(cat "$tmp/err")"; exit 1; }

python3 - "$tmp" "$S" <<'PY' || fail=1
import json, re, sys
tmp, S = sys.argv[1], sys.argv[2]
FRAME = re.compile(r'^\t\s*([0-9a-f]+) (.*) \((.*)\)( \[fp\])?$')
bad = 0

def check(ok, msg):
    global bad
    print(('ok   ' if ok else 'FAIL ') + msg)
    bad += not ok

def blocks(path):
    out = []
    for b in open(path, encoding='utf-8', errors='replace').read().split('\n\n'):
        lines = [l for l in b.split('\n') if l]
        if not lines:
            continue
        frames = []
        for l in lines[1:]:
            m = FRAME.match(l)
            if m:
                frames.append((m.group(1), re.sub(r'\+0x[0-9a-f]+$', '', m.group(2)), m.group(3),
                               bool(m.group(4))))
        out.append((lines[0], frames, [' '.join(l.split()) for l in lines[1:]]))
    return out

# --- stackprobe: PIE -------------------------------------------------------
info = json.load(open(tmp + '/probe.json'))
u = info['unwinding'][0]
check(u['no_binary'] == 0 and not info.get('missing'),
      'PIE: every sample has its binary (no_binary %s)' % u['no_binary'])
check(u['root'] >= 0.9, 'PIE: %.1f%% of the samples reach a root' % (100 * u['root']))
probe = blocks(tmp + '/probe.script')
go = [b for b in probe if b[0].startswith('stackprobe ')]
goexit = sum(1 for b in go if b[1] and b[1][-1][1] in ('runtime.goexit', 'runtime.rt0_go', 'runtime.mstart'))
check(len(go) > 500 and goexit >= 0.8 * len(go),
      'PIE: %d of %d Go samples end at goexit/rt0_go/mstart' % (goexit, len(go)))

# --- rawVforkSyscall: the return address is in R12 ---------------------------
vf = [b for b in go if b[1] and b[1][0][1] == 'syscall.rawVforkSyscall']
good = [b for b in vf if len(b[1]) > 2 and b[1][1][1] == 'syscall.forkAndExecInChild1'
        and b[1][-1][1] == 'runtime.goexit']
check(len(vf) >= 4 and len(good) == len(vf),
      'rawVforkSyscall: %d of %d clone samples show forkAndExecInChild1 and reach goexit'
      % (len(good), len(vf)))

# --- dash's vfork (DW_CFA_register rip in rdi): equal to perf ---------------
want = {b[0]: b[2] for b in blocks(S + '/stackprobe.sh.perf-script')}
sh = [b for b in probe if b[0] in want]
sig = [b for b in sh if 'sys_enter_rt_sigreturn' in b[0]]
rest = [b for b in sh if b not in sig]
same = sum(1 for b in rest if b[2] == want[b[0]])
vfork = [b for b in sh if 'sys_enter_vfork' in b[0]]
vsame = sum(1 for b in vfork if b[2] == want[b[0]] and len(b[2]) >= 8)
check(len(sh) == len(want) and same >= 0.99 * len(rest),
      "shell: %d of %d samples' frames equal perf script's" % (same, len(rest)))
# perf stops at the signal trampoline; the interrupted context is on the
# same stack (dash has no sigaltstack): sysflame goes on to _start
through = [b for b in sig if b[2][:len(want[b[0]])] == want[b[0]] and len(b[2]) > 8
           and b[1][-1][0] == '4780' and b[1][-1][2] == '/usr/bin/dash']
check(len(sig) >= 2 and len(through) == len(sig),
      'signal frames: %d of %d rt_sigreturn samples unwound through __restore_rt to _start'
      % (len(through), len(sig)))
check(len(vfork) >= 2 and vsame == len(vfork),
      'vfork: %d of %d samples unwound through libc vfork as perf does' % (vsame, len(vfork)))

# --- stackcgo: no invented frames ------------------------------------------
cgo = blocks(tmp + '/cgo.script')
mmap = [b for b in cgo if any(f[1] == 'x_cgo_mmap' for f in b[1])]
callers = [b[1][[f[1] for f in b[1]].index('x_cgo_mmap') + 1][1]
           if [f[1] for f in b[1]].index('x_cgo_mmap') + 1 < len(b[1]) else None for b in mmap]
check(len(mmap) >= 10 and all(c == 'runtime.callCgoMmap' for c in callers),
      'x_cgo_mmap: %d of %d samples show runtime.callCgoMmap as its caller'
      % (sum(c == 'runtime.callCgoMmap' for c in callers), len(mmap)))
# C functions of the binary without unwind tables: whatever follows them
# must be a proven caller; these never call Go heap code or unknown pcs.
helpers = {'_cgo_sys_thread_start', '_cgo_try_pthread_create', 'x_cgo_sigaction',
           'c_nofp_leaf', 'threadentry'}
invented = []
for b in cgo:
    names = [f[1] for f in b[1]]
    for i, n in enumerate(names[:-1]):
        if n in helpers and (names[i + 1] == '[unknown]' or names[i + 1].startswith('runtime.(*mheap)')):
            invented.append(b[0])
unknown = sum(1 for b in cgo for f in b[1] if f[1] == '[unknown]')
# ... and a stack that stops in them says so: none ends there as if complete
bare = sum(1 for b in cgo if b[1] and b[1][-1][1] in helpers)
check(bare == 0, 'stackcgo: %d stacks end in a C helper without a [caller not proven] mark' % bare)
check(not invented and unknown == 0,
      'stackcgo: no frame invented past C code without unwind tables (%d, %d unknown frames)'
      % (len(invented), unknown))
fp = [b for b in cgo if any(f[1] == 'c_fp_leaf' for f in b[1])]
check(len(fp) >= 3 and all([f[1] for f in b[1]][-3:] == ['c_fp_leaf', 'c_fp_write', 'runtime.asmcgocall']
                            for b in fp),
      'stackcgo: frame pointers kept in C are followed to runtime.asmcgocall (%d samples)' % len(fp))
# C++: perf prints probe::Emitter::emit (libiberty, no parameter types)
cc = [b for b in cgo if any(f[1] == 'cc_write' for f in b[1])]
check(len(cc) >= 3 and all([f[1] for f in b[1]][-3:-1] == ['probe::Emitter::emit', 'cc_write']
                            for b in cc) and
      not any(f[1].startswith('_Z') for b in cgo for f in b[1]),
      'stackcgo: C++ frames demangled as perf names them (%d samples)' % len(cc))
cinfo = json.load(open(tmp + '/cgo.json'))
stops = {s['reason']: s['samples'] for s in cinfo['stops']}
def last_real(b):
    names = [f[1] for f in b[1] if f[1] not in ('[caller not proven]', '[startup]')]
    return names[-1] if names else None
sig = sum(1 for b in cgo if last_real(b) == 'x_cgo_sigaction')
check(sig >= 50 and stops.get('not-root', 0) + stops.get('fp-unproven', 0) >= sig,
      'stackcgo: the %d stacks that end in x_cgo_sigaction do not count as reaching a root '
      '(not-root %d, fp-unproven %d)' % (sig, stops.get('not-root', 0), stops.get('fp-unproven', 0)))
roots = {'runtime.goexit', 'runtime.rt0_go', 'runtime.mstart', 'runtime.clone', '_start',
         'clone3', '__libc_start_call_main', 'start_thread'}
nroot = stops.get('root', 0)
real = sum(1 for b in cgo if b[1] and b[1][-1][1] in roots)
check(nroot <= real, "stackcgo: info's 'to root' (%d) counts only stacks ending at a root (%d)"
      % (nroot, real))
# script marks what only the frame-pointer fallback found; a Go PIE with
# pclntab and libc with CFI need none of it
fpn = [f[1] for b in cgo for f in b[1] if f[3]]
check(fpn.count('runtime.callCgoMmap') == len(mmap) and fpn.count('c_fp_write') == len(fp) and
      not any(f[3] for b in probe for f in b[1]),
      'script marks the %d fallback frames [fp] (callCgoMmap %d, c_fp_write %d), none in stackprobe'
      % (len(fpn), fpn.count('runtime.callCgoMmap'), fpn.count('c_fp_write')))
# (a start-up sample's stack has the [startup] mark outside it)
unproven = [b for b in cgo if [f[1] for f in b[1] if f[1] != '[startup]'][-1:] == ['[caller not proven]']]
check(len(unproven) == stops.get('fp-unproven', -1),
      'stackcgo: the %d stacks stopped without a proven caller end in [caller not proven]'
      % len(unproven))
sys.exit(1 if bad else 0)
PY
# Tables: a missing binary is named, never cgo (issue 14 point 3); stacks
# cut short and signal returns get rows of their own (issue 15 point 6).
"$SYSFLAME" top -q --format json "$S/gotest.data" > "$tmp/missing.json" 2>/dev/null &&
"$SYSFLAME" report -q "$S/gotest.data" -o "$tmp/missing-report" 2>/dev/null &&
# shellcheck disable=SC2086
"$SYSFLAME" top -q --format json $cgo "$S/stackcgo.data" > "$tmp/cgo-top.json" 2>/dev/null &&
python3 - "$tmp" <<'PY' || fail=1
import json, sys
tmp = sys.argv[1]
bad = 0
def check(ok, msg):
    global bad
    print(('ok   ' if ok else 'FAIL ') + msg)
    bad += not ok
m = json.load(open(tmp + '/missing.json'))
rows = {t['name']: t for t in m['tests']}
check(list(rows) == ['[binary missing: files.test]'] and
      all(c['name'] == '[binary missing: files.test]' for c in m['callsites']),
      'missing binary: tests and call sites say [binary missing: files.test], no cgo (%s)'
      % ', '.join('%s %s' % (n, t['kind']) for n, t in rows.items()))
md = open(tmp + '/missing-report/summary.md').read()
check('- cgo and C code: 0.0%' in md and '- Binary missing (not unwound, origin unknown): 100.0%' in md,
      'missing binary: summary.md files the samples under the missing binary, not cgo')
c = json.load(open(tmp + '/cgo-top.json'))
rows = {t['name']: t for t in c['tests']}
sig = rows.get('[runtime: signal return]')
check(sig is not None and sig['top_syscall'] == 'rt_sigreturn' and sig['count'] >= 10,
      'signal return stubs have their row (%s)' % (sig and sig['count']))
tr = sum(1 for b in open(tmp + '/cgo.script').read().split('\n\n')
         if ' [truncated] ' in b and ' [startup] ' not in b)
check(rows.get('[truncated]', {'count': 0})['count'] == tr and '[other]' not in rows,
      'truncated stacks (%d, start-up ones aside) have their own row, not [other] (%s)'
      % (tr, sorted(rows)))
sys.exit(1 if bad else 0)
PY

# The runtime's own cgo helpers (x_cgo_sigaction, x_cgo_mmap, thread start)
# are runtime work, never the program's cgo (issue 15 point 4).  A Go
# process's samples before its first thread (perf's task events, kept in
# testdata/stacks/*.tasks: the exec, then the first FORK) are its start-up:
# the stacks among them that reach no root (x_cgo_sigaction without unwind
# tables in stackcgo, its SP-realigning stub runtime.callCgoSigaction in
# testdata/rec/cgo.data) carry the [startup] mark, exactly those, and are
# [startup] in top, so are all the start-up rt_sigaction calls; the helper's
# own row ([runtime: signal handlers]) is left for calls after it.  A stack
# through x_cgo_mmap is placed by its Go callers ([startup] under rt0_go)
# or its phase; of the mmaps only stacks with the programs' own C code
# (testdata/src/stackcgo, testdata/src/cgo: none) are [cgo/C].
C2="--binary $TESTDATA/bin/cgo --symfs $TESTDATA/sysroot"
for sc in rt_sigaction mmap; do
    # shellcheck disable=SC2086
    "$SYSFLAME" top -q --format json --tables tests --syscall $sc $cgo "$S/stackcgo.data" \
        > "$tmp/cgo-$sc.json" 2>/dev/null &&
    "$SYSFLAME" top -q --format json --tables tests --syscall $sc $C2 "$TESTDATA/rec/cgo.data" \
        > "$tmp/cgo2-$sc.json" 2>/dev/null || { echo "FAIL: top --syscall $sc failed"; fail=1; }
done
# shellcheck disable=SC2086
"$SYSFLAME" script -q $C2 "$TESTDATA/rec/cgo.data" > "$tmp/cgo2.script" 2>/dev/null &&
python3 - "$tmp" "$S" <<'PY' || fail=1
import json, re, sys
tmp, S = sys.argv[1], sys.argv[2]
bad = 0
def check(ok, msg):
    global bad
    print(('ok   ' if ok else 'FAIL ') + msg)
    bad += not ok
FRAME = re.compile(r'^\t\s*[0-9a-f]+ (.*) \((.*)\)( \[fp\])?$')
HEAD = re.compile(r'^\S+\s+(\d+)\s+\[\d+\]\s+([0-9.]+):\s+\S+sys_enter_(\w+):')
MARKS = ('[caller not proven]', '[truncated]', '[startup]')
def stacks(path):
    for b in open(path, encoding='utf-8', errors='replace').read().split('\n\n'):
        lines = [l for l in b.split('\n') if l]
        if not lines or not HEAD.match(lines[0]):
            continue
        h = HEAD.match(lines[0])
        fr = [FRAME.match(l) for l in lines[1:] if FRAME.match(l)]
        names = [re.sub(r'\+0x[0-9a-f]+$', '', m.group(1)) for m in fr]
        yield {'tid': int(h.group(1)), 'time': h.group(2), 'sc': h.group(3),
               'all': names, 'dsos': [m.group(2) for m in fr],
               'names': [n for n in names if n not in MARKS]}
def phase(path):
    """perf's task events: the exec'd process and its first FORK's time"""
    pid = first = None
    for l in open(path):
        m = re.search(r'([0-9.]+): PERF_RECORD_COMM exec: .*:(\d+)/\d+', l)
        if m:
            pid = int(m.group(2))
        m = re.search(r'([0-9.]+): PERF_RECORD_FORK\(\d+:\d+\):\((\d+):\d+\)', l)
        if m and int(m.group(2)) == pid and first is None:
            first = m.group(1)
        assert 'LOST' not in l, l
    return pid, first
roots = {'runtime.goexit', 'runtime.rt0_go', 'runtime.mstart', 'runtime.clone', '_start',
         'clone3', '__libc_start_call_main', 'start_thread'}
own_c = re.compile(r'^(c_|cc_|probe::|_cgo_[0-9a-f]+_Cfunc_)')
for label, script, pre, gobin in (('stackcgo', tmp + '/cgo.script', 'cgo', '/tmp/sfstacks/stackcgo'),
                                  ('cgo', tmp + '/cgo2.script', 'cgo2', '/tmp/sfrec/cgo')):
    st = list(stacks(script))
    pid, first = phase('%s/%s.tasks' % (S, label))
    def early(b):
        return b['tid'] == pid and float(b['time']) < float(first)
    want = [b for b in st if early(b) and gobin in b['dsos'] and
            not (b['all'][-1:] == b['names'][-1:] and b['names'][-1:] and b['names'][-1] in roots)]
    got = [b for b in st if '[startup]' in b['all']]
    check(len(want) >= 100 and [b['time'] for b in got] == [b['time'] for b in want],
          '%s: the %d samples with the [startup] mark are the Go stacks reaching no root '
          'before the first thread (%d, perf: exec %s, first FORK %s)'
          % (label, len(got), len(want), pid, first))
    rows = {sc: {r['name']: r['count'] for r in json.load(open('%s/%s-%s.json' % (tmp, pre, sc)))['tests']}
            for sc in ('rt_sigaction', 'mmap')}
    sig = [b for b in st if b['sc'] == 'rt_sigaction']
    helper = [b for b in sig if b['names'][-1:] in (['x_cgo_sigaction'], ['runtime.callCgoSigaction'])]
    check(len(helper) >= 100 and rows['rt_sigaction'].get('[startup]') == sum(map(early, sig)) and
          rows['rt_sigaction'].get('[runtime: signal handlers]', 0) ==
          sum(not early(b) for b in helper) and '[cgo/C]' not in rows['rt_sigaction'],
          '%s: the %d start-up rt_sigaction calls (%d ending in the runtime\'s sigaction '
          'helper) are [startup], none [cgo/C] (%s)'
          % (label, sum(map(early, sig)), len(helper), rows['rt_sigaction']))
    own = sum(1 for b in st if b['sc'] == 'mmap' and any(own_c.match(f) for f in b['names']))
    mm = sum(1 for b in st if b['sc'] == 'mmap' and 'x_cgo_mmap' in b['names'])
    check(mm >= 20 and rows['mmap'].get('[cgo/C]', 0) == own,
          '%s: of %d mmaps, %d through x_cgo_mmap, [cgo/C] has the %d with the program\'s '
          'own C code (%s)' % (label, sum(rows['mmap'].values()), mm, own, rows['mmap']))
    rt0 = sum(1 for b in st if b['sc'] == 'mmap' and b['names'][-1:] == ['runtime.rt0_go'] and
              'x_cgo_mmap' in b['names'])
    check((rt0 >= 10 or label == 'cgo') and rows['mmap'].get('[startup]', 0) >= rt0,
          '%s: the %d start-up mmaps through x_cgo_mmap under rt0_go are [startup] (%s)'
          % (label, rt0, rows['mmap'].get('[startup]', 0)))
sys.exit(1 if bad else 0)
PY

# Subtests: every marker sample's subtest is the closure testing.tRunner
# called in the runtime's own traceback of that call site (none for go,
# defer and AfterFunc closures); the prctl samples are the markers.
O="--binary $TESTDATA/bin/oracle.test"
# shellcheck disable=SC2086
"$SYSFLAME" script -q $O "$TESTDATA/rec/go-oracle.data" > "$tmp/oracle.script" 2>/dev/null &&
"$SYSFLAME" top -q $O --syscall prctl --tables subtests --limit 0 --format json \
    "$TESTDATA/rec/go-oracle.data" > "$tmp/sub.json" 2>/dev/null &&
python3 - "$tmp" "$TESTDATA/rec/go-oracle.oracle" <<'PY' || fail=1
import collections, json, re, sys
tmp, oracle = sys.argv[1], sys.argv[2]
stacks, cur = {}, None
for line in open(oracle):
    if line.startswith('marker '):
        cur = stacks.setdefault(int(line.split()[1]), [])
    elif line.startswith('\t') and cur is not None:
        cur.append(line[1:].split('\t')[0])
    else:
        cur = None
want = collections.Counter()
marks = 0
for m in re.finditer(r'sys_enter_prctl: option: (0x[0-9a-f]+)', open(tmp + '/oracle.script').read()):
    st = stacks.get(int(m.group(1), 16) - 0x5F5F0000)
    if st is None:
        continue
    marks += 1
    if 'testing.tRunner' in st:
        body = st[st.index('testing.tRunner') - 1]
        if re.search(r'\.Test[^.]*\.func', body):
            want[body] += 1
sub = json.load(open(tmp + '/sub.json'))
got = collections.Counter({r['name']: r['count'] for r in sub['subtests']})
ok = marks == sub['total'] and got == want and len(want) >= 4
print(('ok   ' if ok else 'FAIL ') + 'subtests: %d marker samples, rows %s equal runtime.Callers %s'
      % (marks, dict(got), dict(want)))
sys.exit(0 if ok else 1)
PY

# The runtime hides compiler wrappers but shows what was inlined into them
# (T.String inlined into (*T).String, calls inlined into defer/go wrappers
# and method values): stackprobe's markers against runtime.Callers.
if python3 "$SRCDIR/tests/integration/oracle_check.py" "$tmp/probe.script" \
        "$S/stackprobe.oracle" --marker main.marker > "$tmp/oracle.res" 2> "$tmp/oracle.diff"; then
    echo "ok   wrappers: $(cat "$tmp/oracle.res")"
else
    echo "FAIL wrappers: $(cat "$tmp/oracle.res")"; cat "$tmp/oracle.diff"; fail=1
fi

# Go 1.21+ generic names: the pclntab says stackgen.Map[go.shape.int], the
# runtime prints stackgen.Map[...]; every marker's stack equals the test's
# own runtime.Callers, and no frame of the capture shows a shape.
G=$S/stackgen
if "$SYSFLAME" script -q --binary "$S/bin/stackgen.test" "$G.data" > "$tmp/gen.script" 2> "$tmp/gen.err" &&
        python3 "$SRCDIR/tests/integration/oracle_check.py" "$tmp/gen.script" "$G.oracle" \
        --marker stackgen.marker > "$tmp/gen.res" 2> "$tmp/gen.diff"; then
    echo "ok   generics ($(cat "$S/stackgen.version")): $(cat "$tmp/gen.res")"
else
    echo "FAIL generics: $(cat "$tmp/gen.err" "$tmp/gen.res")"; cat "$tmp/gen.diff"; fail=1
fi
shapes=$(grep -c 'go\.shape\.' "$tmp/gen.script")
generic=$(grep -c '^[[:space:]]*[0-9a-f]* [^ ]*\[\.\.\.\]' "$tmp/gen.script")
if [ "$shapes" = 0 ] && [ "$generic" -ge 17 ] && [ "$(grep -c '\[\.\.\.\]' "$G.oracle")" -ge 17 ]; then
    echo "ok   generics: $generic frames named pkg.F[...], none with a go.shape"
else
    echo "FAIL generics: $shapes frames show a go.shape, $generic named pkg.F[...]"; fail=1
fi
exit $fail
