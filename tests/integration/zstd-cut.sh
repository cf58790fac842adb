#!/bin/sh
# zstd-cut.sh - a -z capture whose inflated data ends inside a record.
# perf record -z flushes its compressor only as far as one record's room
# and never writes the rest of its last block: a busy capture (a CI run)
# then ends a record short, and perf script leaves that record out.  Made
# here from real recordings by dropping their last compressed records
# (tools/perf-drop-compressed.py).  sysflame must read it as perf does:
# exit 0, one warning naming the file and the bytes left out, and the
# samples perf script prints on the same file (headers up to the time, in
# order).  Without perf, only the warning and that every sample read is
# one of the whole capture's (its stored perf script output) are checked.
# Env: SYSFLAME, TESTDATA, SRCDIR (set by make check).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-zcut.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
hdr() { grep -E '^\S.* \[[0-9]+\] +[0-9]+\.[0-9]{6}: ' "$1" | sed -E 's/^(.*\.[0-9]{6}): .*/\1/'; }
have_perf=0
command -v perf >/dev/null 2>&1 && perf script -i "$TESTDATA/rec/go-lost.data" > /dev/null 2>&1 && have_perf=1

# capture, compressed records dropped, bytes of the record left short
for case in "go-enterexit 1 2800" "go-lost 1 24" "go-lost 4 920"; do
    set -- $case
    cut=$TMP/$1-$2.data
    python3 "$SRCDIR/tools/perf-drop-compressed.py" "$TESTDATA/rec/$1.data" "$cut" "$2" > /dev/null ||
        { bad "$1: cannot drop $2 compressed records"; continue; }
    (cd "$TMP" && "$SYSFLAME" script "$1-$2.data" --binary "$TESTDATA/bin/oracle.test") \
        > "$TMP/s.txt" 2> "$TMP/e.txt"; rc=$?
    hdr "$TMP/s.txt" > "$TMP/got"
    n=$(wc -l < "$TMP/got")
    echo "$n" > "$TMP/$1-$2.n"
    want="sysflame: warning: '$1-$2.data': its compressed data ends $3 bytes into a record: perf record did not write the end of its last compressed block (perf script leaves that record out too); read the $n samples before it"
    if [ "$rc" = 0 ] && [ "$n" -gt 0 ] && [ "$(head -1 "$TMP/e.txt")" = "$want" ]; then
        ok "$1 less its last $2 compressed records: exit 0, $(head -1 "$TMP/e.txt")"
    else
        bad "$1 less $2: exit $rc, $n samples: $(cat "$TMP/e.txt")"
    fi
    hdr "$TESTDATA/rec/$1.data.perf-script" | sort > "$TMP/whole"
    if sort "$TMP/got" | comm -23 - "$TMP/whole" | grep -q .; then
        bad "$1 less $2: a sample the whole capture does not have"
    else
        ok "$1 less $2: each of the $n samples is one of the whole capture's"
    fi
    if [ "$have_perf" = 1 ]; then
        perf script -i "$cut" 2> /dev/null > "$TMP/p.txt"
        hdr "$TMP/p.txt" > "$TMP/want"
        if cmp -s "$TMP/want" "$TMP/got"; then
            ok "$1 less $2: the $n samples perf script prints on the same file, in order"
        else
            bad "$1 less $2: perf script prints $(wc -l < "$TMP/want") samples, sysflame $n"
        fi
    fi
done
[ "$have_perf" = 1 ] || echo "skip perf script on the cut files: perf missing"

# read by two processes (the split, forced on this small file): the end,
# and so the warning, is the second part's
(cd "$TMP" && SYSFLAME_SPLIT_MIN_BYTES=1 SYSFLAME_SPLIT_TRACE=1 "$SYSFLAME" fold -j 2 go-lost-4.data \
    --binary "$TESTDATA/bin/oracle.test" -o j2.folded 2> e2.txt &&
    "$SYSFLAME" fold -j 1 go-lost-4.data --binary "$TESTDATA/bin/oracle.test" -o j1.folded 2> e1.txt)
if grep -q "second part after the flush" "$TMP/e2.txt" && cmp -s "$TMP/j1.folded" "$TMP/j2.folded" &&
    [ "$(grep -c 'ends 920 bytes into a record' "$TMP/e2.txt")" = 1 ] &&
    [ "$(grep -v 'second part' "$TMP/e2.txt")" = "$(cat "$TMP/e1.txt")" ]; then
    ok "split in two processes: the same stacks and warnings as -j 1"
else
    bad "split: $(cat "$TMP/e2.txt")"
fi

# a file cut short inside its data section: the cut explains the record
# left short, and only the cut is warned of
sz=$(wc -c < "$TESTDATA/rec/go-enterexit.data")
head -c $((sz * 30 / 100)) "$TESTDATA/rec/go-enterexit.data" > "$TMP/cut30.data"
"$SYSFLAME" fold "$TMP/cut30.data" --binary "$TESTDATA/bin/oracle.test" -o /dev/null 2> "$TMP/e.txt"; rc=$?
if [ "$rc" = 0 ] && [ "$(wc -l < "$TMP/e.txt")" = 1 ] && grep -q "inside its data section" "$TMP/e.txt"; then
    ok "a -z file cut short: only the cut's warning"
else
    bad "a -z file cut short: exit $rc: $(cat "$TMP/e.txt")"
fi

# `sysflame info` on the same file: exit 0, the warning, and the count of
# the samples script printed above (perf script's, where perf ran)
"$SYSFLAME" info "$TMP/go-lost-1.data" > "$TMP/info.txt" 2> "$TMP/e.txt"; rc=$?
if [ "$rc" = 0 ] && grep -q "ends 24 bytes into a record" "$TMP/e.txt" &&
    [ "$(sed -n 's/^Samples: //p' "$TMP/info.txt")" = "$(cat "$TMP/go-lost-1.n")" ]; then
    ok "info: exit 0, the warning, $(cat "$TMP/go-lost-1.n") samples"
else
    bad "info: exit $rc, $(grep '^Samples' "$TMP/info.txt"): $(cat "$TMP/e.txt")"
fi
exit $fail
