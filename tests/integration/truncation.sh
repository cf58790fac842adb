#!/bin/sh
# truncation.sh - `sysflame info` on truncated copies of real recordings:
# 200 evenly spaced cut points plus cuts at, just before and just after
# each of the first 30 record boundaries of the data section.  Every run
# must end within 10 s with exit 1 and exactly one stderr line naming the
# file, or exit 0 (a cut that happens to fall at a clean end).  A crash
# (exit >= 128), a hang or a second line is a failure.
# make check cuts at 40 evenly spaced points and around the first 8 record
# boundaries; make check-full (SF_CHECK_FULL=1) at all of the above.
# Env: SYSFLAME, TESTDATA (set by make check).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
command -v python3 >/dev/null 2>&1 || { echo "truncation: python3 missing"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-trunc.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0 pass=0 files=0
for rec in cprog-fp.data go-oracle.data go-oracle-plain.data; do
    src=$TESTDATA/rec/$rec
    [ -f "$src" ] || continue
    files=$((files + 1))
    # cut offsets: evenly spaced + around the first 30 record boundaries
    if [ -n "${SF_CHECK_FULL:-}" ]; then spaced=200 bounds=30; else spaced=40 bounds=8; fi
    python3 - "$src" "$spaced" "$bounds" > "$TMP/offsets" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
n = len(data)
spaced, bounds = int(sys.argv[2]), int(sys.argv[3])
cuts = {n * i // spaced for i in range(spaced)}
if data[:8] == b'PERFILE2' and struct.unpack_from('<Q', data, 8)[0] == 104:
    off, size = struct.unpack_from('<QQ', data, 40)
    end = min(off + size, n)
    for _ in range(bounds):
        if off + 8 > end:
            break
        cuts.update({off - 1, off, off + 1, off + 4, off + 7})
        rsize = struct.unpack_from('<H', data, off + 6)[0]
        if rsize == 0:
            break
        off += rsize
for c in sorted(cuts):
    if 0 <= c < n:
        print(c)
PY
    while read -r cut; do
        f=$TMP/$rec.cut$cut
        head -c "$cut" "$src" > "$f"
        timeout 10 "$SYSFLAME" info "$f" >/dev/null 2>"$TMP/err"
        rc=$?
        lines=$(wc -l < "$TMP/err")
        if [ $rc -eq 0 ]; then
            pass=$((pass + 1))
        elif [ $rc -eq 124 ]; then
            echo "FAIL: $rec cut at $cut: hangs (killed after 10 s)"; fail=$((fail + 1))
        elif [ $rc -ge 128 ]; then
            echo "FAIL: $rec cut at $cut: crashed (exit $rc)"; head -5 "$TMP/err"; fail=$((fail + 1))
        elif [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -qF "$f" "$TMP/err"; then
            echo "FAIL: $rec cut at $cut: exit $rc, $lines stderr lines:"; head -5 "$TMP/err"
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
        rm -f "$f"
    done < "$TMP/offsets"
done
[ $files -gt 0 ] || { echo "truncation: no recordings in $TESTDATA/rec"; exit 77; }
echo "truncation: $pass passed, $fail failed"
[ $fail -eq 0 ]
