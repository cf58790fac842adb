#!/bin/sh
# The filters and naming options of fold, checked against perf's golden
# `perf script` output of the same capture (counts per syscall, event and
# thread), plus -j independence and what --no-inline, --addrs and
# --with-pid/--with-tid change.
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rec=$TESTDATA/rec/go-oracle.data
golden=$rec.perf-script
B="--binary $TESTDATA/bin/oracle.test"
fail=0
check() { if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: got '$2', want '$3'"; fail=1; fi; }
total() { awk '{ s += $NF } END { print s + 0 }' "$1"; }
# golden counts: samples whose header matches a pattern
gcount() { grep -v '^	' "$golden" | grep -c -- "$1"; }
tid=$(grep -v '^	' "$golden" | awk 'NF { print $2 }' | sort | uniq -c | sort -rn | awk 'NR == 2 { print $2 }')

"$SYSFLAME" fold -q $B "$rec" > "$tmp/all"
check "no filter: all samples" "$(total "$tmp/all")" "$(gcount ' syscalls:sys_enter_')"
"$SYSFLAME" fold -q $B --syscall write,openat "$rec" > "$tmp/f"
check "--syscall write,openat" "$(total "$tmp/f")" \
    "$(( $(gcount 'syscalls:sys_enter_write:') + $(gcount 'syscalls:sys_enter_openat:') ))"
check "--syscall: leaves are those syscalls" "$(sed 's/.*;\([^; ]*\) [0-9]*$/\1/' "$tmp/f" | sort -u | tr '\n' ' ')" "openat write "
"$SYSFLAME" fold -q $B --event syscalls:sys_enter_prctl "$rec" > "$tmp/f"
check "--event syscalls:sys_enter_prctl" "$(total "$tmp/f")" "$(gcount 'syscalls:sys_enter_prctl:')"
"$SYSFLAME" fold -q $B --event sys_enter_prctl "$rec" > "$tmp/f2"
check "--event without the system" "$(cmp -s "$tmp/f" "$tmp/f2" && echo same)" "same"
"$SYSFLAME" fold -q $B --tid "$tid" "$rec" > "$tmp/f"
check "--tid $tid" "$(total "$tmp/f")" "$(grep -v '^	' "$golden" | awk -v t="$tid" '$2 == t' | wc -l | tr -d ' ')"
"$SYSFLAME" fold -q $B --comm no-such-comm "$rec" > "$tmp/f"
check "--comm that matches nothing" "$(total "$tmp/f")" "0"
"$SYSFLAME" fold -q $B --with-tid "$rec" > "$tmp/f"
check "--with-tid: threads are perf's" "$(cut -d';' -f1 "$tmp/f" | sed 's|.*/||' | sort -u | tr '\n' ' ')" \
    "$(grep -v '^	' "$golden" | awk 'NF { print $2 }' | sort -u | tr '\n' ' ')"
"$SYSFLAME" fold -q $B --with-pid "$rec" > "$tmp/f"
check "--with-pid: one process" "$(cut -d';' -f1 "$tmp/f" | sort -u | wc -l | tr -d ' ')" "1"
"$SYSFLAME" fold -q $B -j 1 "$rec" > "$tmp/j1"
"$SYSFLAME" fold -q $B -j 2 "$rec" > "$tmp/j2"
check "-j 1 and -j 2 give the same bytes" "$(cmp -s "$tmp/j1" "$tmp/j2" && cmp -s "$tmp/j1" "$tmp/all" && echo same)" "same"
# syscall.Open is inlined into os.openFileNolog (Go 1.19): expanded by
# default, gone with --no-inline, with the same totals.
"$SYSFLAME" fold -q $B --no-inline "$rec" > "$tmp/f"
n=$(grep -c ';os.openFileNolog;syscall.Open;' "$tmp/all")
check "inlined syscall.Open shown by default" "$([ "$n" -gt 0 ] && grep -c ';syscall.Open;' "$tmp/all")" "$n"
check "--no-inline drops it" "$(grep -c ';syscall.Open;' "$tmp/f")" "0"
check "--no-inline keeps the totals" "$(total "$tmp/f")" "$(total "$tmp/all")"
"$SYSFLAME" fold -q $B --addrs "$rec" > "$tmp/f"
check "--addrs: Go frames carry offsets" "$(grep -c 'runtime.goexit+0x0;' "$tmp/f" | sed 's/^0$/none/;s/^[0-9][0-9]*$/some/')" "some"
"$SYSFLAME" fold -q $B --kernel "$rec" > "$tmp/f"
check "--kernel: this capture has no kernel callchain" "$(cmp -s "$tmp/f" "$tmp/all" && echo same)" "same"
exit $fail
