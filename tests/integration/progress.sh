#!/bin/sh
# progress.sh - the progress line on standard error (progress.h):
#   - forced (SYSFLAME_PROGRESS=1): lines "\rsysflame: reading NAME: P%",
#     P never decreasing and never past 100, the line cleared at the end,
#     and the output byte-identical to a run without it;
#   - a split capture's parent counts its part only: it reaches 100%;
#   - off with -q, off when the end is unknown (a pipe), off when standard
#     error is not a terminal, and off on a terminal for a run shorter
#     than a second (util-linux script(1) gives it a terminal).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rec="$TESTDATA"/rec/sys-wide.data
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# percents NAME FILE: the percents of FILE's progress lines, one a line
percents() {
    tr '\r' '\n' < "$2" | sed -n "s|^sysflame: reading $1: \([0-9]*\)%.*|\1|p"
}
monotonic() {   # the list in $1 never decreases and ends at or below 100
    awk 'NR > 1 && $1 < prev { bad = 1 } $1 > 100 { bad = 1 } { prev = $1 } END { exit bad }' "$1"
}

"$SYSFLAME" fold -j 1 "$rec" -o "$tmp/ref" 2> "$tmp/ref.err"
SYSFLAME_PROGRESS=1 "$SYSFLAME" fold -j 1 "$rec" -o "$tmp/out" 2> "$tmp/err"
percents "$rec" "$tmp/err" > "$tmp/p"
n=$(wc -l < "$tmp/p")
if [ "$n" -ge 10 ] && monotonic "$tmp/p" && cmp -s "$tmp/ref" "$tmp/out"; then
    ok "forced: $n progress lines, $(head -1 "$tmp/p")% .. $(tail -1 "$tmp/p")%, output unchanged"
else
    bad "forced: $n lines ($(tr '\n' ' ' < "$tmp/p" | cut -c1-80)), output $(cmp "$tmp/ref" "$tmp/out" 2>&1)"
fi
# the last progress line is blanked (spaces, then a carriage return) before
# anything else is printed, and the warnings are those of a run without it
tr '\r' '\n' < "$tmp/err" | awk '/^sysflame: reading/ { last = NR; blank = 0 }
    NR > last && last && /^ +$/ { blank = 1 } END { exit !blank }' &&
    tr '\r' '\n' < "$tmp/err" | grep -v '^ *$' | grep -v '^sysflame: reading' | cmp -s - "$tmp/ref.err" &&
    ok "the line is cleared, the warnings stay as they were" ||
    bad "the line was not cleared or the warnings changed: $(tail -c 120 "$tmp/err" | od -c | tail -3)"

# a split capture: the parent's line counts its part up to the cut
plain="$TESTDATA"/rec/go-oracle-plain.data
SYSFLAME_PROGRESS=1 SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=0.01 SYSFLAME_SPLIT_TRACE=1 \
    "$SYSFLAME" fold -j 2 "$plain" -o "$tmp/split" 2> "$tmp/err"
percents "$plain" "$tmp/err" > "$tmp/p"
grep -q 'second part' "$tmp/err" && [ -s "$tmp/p" ] && monotonic "$tmp/p" && [ "$(tail -1 "$tmp/p")" = 100 ] &&
    ok "split: the parent's part up to its cut ($(head -1 "$tmp/p")% .. 100%)" ||
    bad "split: $(tr '\n' ' ' < "$tmp/p" | cut -c1-80) / $(grep -c 'second part' "$tmp/err") split traces"

SYSFLAME_PROGRESS=1 "$SYSFLAME" fold -q "$rec" -o "$tmp/out" 2> "$tmp/err"
grep -q 'reading' "$tmp/err" && bad "-q: a progress line" || ok "-q: none"
SYSFLAME_PROGRESS=1 "$SYSFLAME" fold - -o "$tmp/out" < "$TESTDATA"/rec/go-oracle.pipe.data.zst 2> "$tmp/err"
grep -q 'reading' "$tmp/err" && bad "a pipe: a progress line without a known end" || ok "a pipe (end unknown): none"
"$SYSFLAME" fold "$rec" -o "$tmp/out" 2> "$tmp/err"
grep -q 'reading' "$tmp/err" && bad "not a terminal: a progress line" || ok "not a terminal: none"
if command -v script >/dev/null 2>&1; then
    script -qec "'$SYSFLAME' fold '$rec' -o '$tmp/out'" /dev/null > "$tmp/tty" 2>&1
    [ -s "$tmp/out" ] && ! grep -q 'reading' "$tmp/tty" &&
        ok "a terminal, a run under a second: none" ||
        bad "a terminal, a short run: $(tr '\r' '\n' < "$tmp/tty" | head -3)"
fi
exit $fail
