#!/bin/sh
# hostile-output.sh - outputs under failure and hostile names:
#  1. fold/svg/top/script -o on a capture that breaks half-way: exit 1, one
#     stderr line, the existing target untouched, no stray temporary file;
#  2. writing into a closed pipe ends quietly (no stderr; exit 0 or SIGPIPE);
#  3. flame graphs of random hostile frame names (markup, quotes, control
#     DEL/C1 bytes, invalid UTF-8; C0 control bytes make the input
#     not folded text, see fold_sniff) parse as XML and inject no element or script.
# Env: SYSFLAME, TESTDATA (set by make check).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
command -v python3 >/dev/null 2>&1 || { echo "hostile-output: python3 missing"; exit 77; }
REC=$TESTDATA/rec/go-oracle-plain.data
BIN=$TESTDATA/bin/oracle.test
[ -f "$REC" ] && [ -f "$BIN" ] || { echo "hostile-output: recordings missing"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-hout.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# 1. a record in the middle of the data section gets size 0
python3 - "$REC" "$TMP/broken.data" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off, size = struct.unpack_from('<QQ', d, 40)
recs = []
p = off
while p + 8 <= off + size:
    s = struct.unpack_from('<H', d, p + 6)[0]
    if s == 0:
        break
    recs.append(p)
    p += s
struct.pack_into('<H', d, recs[len(recs) * 2 // 3] + 6, 0)
open(sys.argv[2], 'wb').write(d)
PY
for cmd in fold svg top script; do
    out=$TMP/out-$cmd
    mkdir -p "$out"
    echo old > "$out/result"
    "$SYSFLAME" "$cmd" -q "$TMP/broken.data" --binary "$BIN" -o "$out/result" \
        >"$TMP/stdout" 2>"$TMP/stderr"
    rc=$?
    lines=$(wc -l < "$TMP/stderr")
    if [ $rc -ne 1 ] || [ "$lines" -ne 1 ]; then
        bad "$cmd -o on a broken capture: exit $rc, $lines stderr lines"; cat "$TMP/stderr"
    elif [ "$(cat "$out/result")" != old ] || [ "$(ls -A "$out")" != result ]; then
        bad "$cmd -o on a broken capture left: $(ls -A "$out")"
    else
        ok
    fi
done

# 2. closed pipes
for cmd in fold svg top script; do
    "$SYSFLAME" "$cmd" -q "$REC" --binary "$BIN" 2>"$TMP/stderr" | head -c 1 >/dev/null
    if [ -s "$TMP/stderr" ]; then
        bad "$cmd into a closed pipe printed:"; head -3 "$TMP/stderr"
    else
        ok
    fi
done

# 3. hostile names -> well-formed SVG without injected markup (one start of
#    Python writes the eight inputs, one checks the eight graphs: starting it
#    costs ~0.7 s here)
python3 - "$TMP" <<'PY'
import random, sys
pieces = ['<script>alert(1)</script>', '</text>', ']]>', '<!--', '&amp;', '&#0;', '"', "'",
          '\x7f', '\x85', '\xa0', '\xc3\x28', '\xed\xa0\x80', '\xff\xfe', 'onload=x',
          '<svg onload=alert(1)>', 'javascript:', '\u202e', 'runtime.', 'x' * 300]
for seed in range(1, 9):
    r = random.Random(seed)
    lines = ['main;start 1']   # a plain first line: fold_sniff refuses control bytes there
    for _ in range(60):
        frames = []
        for _ in range(r.randint(1, 12)):
            f = ''.join(r.choice(pieces) if r.random() < .5 else chr(r.randint(32, 126))
                        for _ in range(r.randint(1, 6)))
            f = f.replace(';', ':').replace('\n', ' ').replace('\r', ' ')
            frames.append(f.strip() or 'x')
        lines.append(';'.join(frames) + ' ' + str(r.randint(1, 1000)))
    open('%s/names%d.folded' % (sys.argv[1], seed), 'wb').write(
        '\n'.join(lines).encode('latin-1', 'replace') + b'\n')
PY
svgs=""
for seed in 1 2 3 4 5 6 7 8; do
    if ! "$SYSFLAME" svg -q "$TMP/names$seed.folded" -o "$TMP/names$seed.svg" 2>"$TMP/stderr"; then
        bad "svg of hostile names (seed $seed) failed:"; head -3 "$TMP/stderr"; continue
    fi
    svgs="$svgs $TMP/names$seed.svg"
done
# shellcheck disable=SC2086
python3 - $svgs > "$TMP/verdicts" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
        scripts = [e for e in root.iter() if e.tag in (ns + 'script', 'script')]
        assert len(scripts) == 1, 'script elements: %d' % len(scripts)
        for e in root.iter():
            for k in e.attrib:
                assert not k.lower().startswith('on'), 'event attribute %s' % k
            assert e.tag.split('}')[-1] != 'svg' or e is root, 'nested svg element'
        print('ok', path)
    except Exception as err:
        print('bad', path, repr(err))
PY
for f in $svgs; do
    if grep -qxF "ok $f" "$TMP/verdicts"; then ok; else
        bad "svg of hostile names ($(basename "$f")) is not clean XML: $(grep -F " $f " "$TMP/verdicts")"
    fi
done
echo "hostile-output: $pass passed, $fail failed"
[ $fail -eq 0 ]
