#!/bin/sh
# perf script text as an input of fold, svg, top and diff (issue 16.3).
# Truth:
#  - `fold --no-leaf --kernel --event E DUMP` equals stackcollapse-perf.pl's
#    documented rules (tests/integration/collapse.py, our own reading of
#    them) on the same dump: perf script dumps of the testdata captures in
#    the default layout with the `# ========` header block, the older
#    PID/TID + period layout, the -F srcline layout, the system-wide dump,
#    and hand-written edge cases (tests/data/perfscript/edge.txt: a comm
#    with a space, periods, kernel and JIT modules, argument lists, ';' and
#    quotes in names, [unknown] frames, a sample without frames, --inline's
#    "(inlined)" frames);
#  - the -F subsets fold to the same stacks as the full layout of the same
#    capture (comm,tid,ip,sym has no module and no event);
#  - top's syscall counts are the dump's sys_enter_ samples per event;
#  - svg and diff read the dumps; standard input works; a file that is
#    none of the inputs is refused naming the kinds tried.
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: zstd missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
collapse="$SRCDIR/tests/integration/collapse.py"
P=$TESTDATA/perfscript
for n in header period srcline comm-tid-ip-sym; do
    zstd -qdc "$P/oracle-fp.$n.txt.zst" > "$tmp/oracle.$n.txt" || exit 1
done
zstd -qdc "$TESTDATA/rec/sys-wide.data.perf-script.zst" > "$tmp/sys-wide.txt" || exit 1
cp "$SRCDIR/tests/data/perfscript/edge.txt" "$tmp/edge.txt"

# stackcollapse's rules, event by event (the five commonest events of each dump)
events_of() {
    sed -n 's/^[^\t].*[0-9]: *[0-9]* *\([a-z_0-9]*:*[a-z_0-9]*\): .*$/\1/p' "$1" |
        sort | uniq -c | sort -rn | head -5 | awk '{print $2}'
}
checked=0
for d in oracle.header oracle.period oracle.srcline sys-wide edge; do
    f=$tmp/$d.txt
    evs=$(events_of "$f")
    [ -n "$evs" ] || { echo "FAIL $d: no event found in the dump"; fail=1; continue; }
    for ev in $evs; do
        python3 "$collapse" --event "$ev" < "$f" > "$tmp/want"
        if ! "$SYSFLAME" fold -q --no-leaf --kernel --event "$ev" "$f" > "$tmp/got" 2> "$tmp/err"; then
            echo "FAIL $d: fold --event $ev: $(cat "$tmp/err")"; fail=1; continue
        fi
        if [ ! -s "$tmp/want" ] || ! cmp -s "$tmp/want" "$tmp/got"; then
            echo "FAIL $d: fold --no-leaf --kernel --event $ev differs from stackcollapse's rules:"
            diff "$tmp/want" "$tmp/got" | head -6
            fail=1
        fi
        checked=$((checked + 1))
    done
done
echo "stackcollapse rules: $checked dump/event pairs equal"

# the edge cases by name, root first (a change to collapse.py must not hide them)
"$SYSFLAME" fold -q --no-leaf --kernel --event cycles "$tmp/edge.txt" > "$tmp/got"
for want in '^my_prog;\[unknown\];main\.(\*T)\.Method;\[libx\.so\];quoted;ns::Bar<a:b>::baz;foo;do_syscall_64_\[k\] 7$' \
            '^java;JavaMain;LFoo:::bar_\[j\];Interpreter_\[j\] 1$' '^idle 5$' \
            '^worker;foo;entry_SYSCALL_64_\[k\] 1$' '^my_prog;foo 3$' \
            '^inl;main;outer_fn;inner_fn 2$'; do
    grep -q "$want" "$tmp/got" || { echo "FAIL edge: no line matching $want in:"; cat "$tmp/got"; fail=1; }
done
# without --kernel, no kernel frame
"$SYSFLAME" fold -q --no-leaf --event cycles "$tmp/edge.txt" > "$tmp/got"
if grep -q '_\[k\]' "$tmp/got"; then echo "FAIL edge: kernel frames without --kernel"; fail=1; fi

# -F subsets: the same stacks as the full layout of the same capture
"$SYSFLAME" fold -q --no-leaf "$tmp/oracle.header.txt" > "$tmp/full"
for n in period srcline comm-tid-ip-sym; do
    "$SYSFLAME" fold -q --no-leaf "$tmp/oracle.$n.txt" > "$tmp/sub"
    cmp -s "$tmp/full" "$tmp/sub" || { echo "FAIL oracle.$n: folds differently from the full layout"; fail=1; }
done
# the header layout has the syscall leaves; the subset without events none
"$SYSFLAME" fold -q "$tmp/oracle.comm-tid-ip-sym.txt" | cmp -s - "$tmp/full" ||
    { echo "FAIL comm-tid-ip-sym: a leaf appeared without an event"; fail=1; }
# no warning on a whole dump
"$SYSFLAME" fold "$tmp/oracle.header.txt" > /dev/null 2> "$tmp/err"
[ -s "$tmp/err" ] && { echo "FAIL: warnings on a clean dump: $(cat "$tmp/err")"; fail=1; }
# standard input
zstd -qdc "$P/oracle-fp.header.txt.zst" | "$SYSFLAME" fold -q --no-leaf - | cmp -s - "$tmp/full" ||
    { echo "FAIL stdin: perf script text on standard input folds differently"; fail=1; }

# top: the syscall table counts each sys_enter_ event of the dump
grep -v '^#' "$tmp/oracle.header.txt" |
    sed -n 's/^[^\t].*syscalls:sys_enter_\([a-z_0-9]*\): .*$/\1/p' | sort | uniq -c |
    awk '{print $2, $1}' | sort > "$tmp/want"
"$SYSFLAME" top -q --format csv --limit 0 "$tmp/oracle.header.txt" > "$tmp/top.csv" ||
    { echo "FAIL top on perf script text"; fail=1; }
tr -d '\r' < "$tmp/top.csv" | awk -F, 'NF == 0 { t = "" } t == "s" { print $1, $2 } /^name,count,share,rate_per_s$/ { t = "s" }' | sort > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL top: syscall counts differ from the dump's events:";
                                  diff "$tmp/want" "$tmp/got" | head; fail=1; }

# svg: every sample of the dump in the root box
n=$(grep -v '^#' "$tmp/oracle.header.txt" | grep -c '^[^	 ].*: *syscalls:sys_enter_')
"$SYSFLAME" svg -q "$tmp/oracle.header.txt" -o "$tmp/o.svg" || { echo "FAIL svg"; fail=1; }
grep -q "all ($n syscalls, 100" "$tmp/o.svg" ||
    { echo "FAIL svg: the root box does not hold the $n samples: $(grep -o 'all ([^)]*)' "$tmp/o.svg" | head -1)"; fail=1; }
# a dump of other events counts samples (flamegraph.pl's word)
"$SYSFLAME" svg -q "$tmp/edge.txt" -o "$tmp/e.svg"
periods=$(awk '/^[^\t]/ && NF { for (i = 1; i < NF; i++) if ($(i + 1) ~ /:$/ && $i ~ /^[0-9]+$/) s += $i } END { print s }' "$tmp/edge.txt")
grep -q "all ($periods samples, 100" "$tmp/e.svg" ||
    { echo "FAIL svg: edge.txt's periods ($periods) are not the root's samples: $(grep -o 'all ([^)]*)' "$tmp/e.svg" | head -1)"; fail=1; }
# diff: two dumps of one capture do not differ
"$SYSFLAME" diff -q "$tmp/oracle.header.txt" "$tmp/oracle.period.txt" --table --format csv > "$tmp/d.csv" ||
    { echo "FAIL diff of two perf script dumps"; fail=1; }
if "$SYSFLAME" diff -q "$tmp/oracle.header.txt" "$tmp/oracle.period.txt" --fail-if 'total>+0' \
        --table > /dev/null 2>&1; [ $? -eq 3 ]; then
    echo "FAIL diff: two dumps of one capture differ"; fail=1
fi

# sniffing failed: the message names what was tried
printf 'hello world\nnot a profile\n' > "$tmp/prose.txt"
"$SYSFLAME" fold "$tmp/prose.txt" > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc -ne 1 ] || ! grep -q "prose.txt': neither a perf.data file, perf script text nor folded stacks" "$tmp/err" ||
        [ "$(wc -l < "$tmp/err")" -ne 1 ]; then
    echo "FAIL sniff: rc $rc, message: $(cat "$tmp/err")"; fail=1
fi
exit $fail
