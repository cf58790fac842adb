#!/bin/sh
# svg.sh - `sysflame svg` on folded input: the SVG parses (python3
# xml.etree), every frame's sample count equals the sum over the folded lines
# with that path prefix, its width is count/total*(1200-20) within rounding,
# and two runs give byte-identical files.  Skips (77) until the command exists.
SYSFLAME=${SYSFLAME:-src/sysflame}
SRCDIR=${SRCDIR:-.}
command -v python3 >/dev/null 2>&1 || { echo "svg.sh: SKIP: python3 not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
in="$SRCDIR/tests/data/folded/basic.folded"

if ! "$SYSFLAME" svg "$in" -o "$tmp/a.svg" 2>"$tmp/err"; then
    if grep -q 'not implemented' "$tmp/err"; then
        echo "svg.sh: SKIP: 'sysflame svg' not implemented yet"
        exit 77
    fi
    echo "svg.sh: FAIL: sysflame svg exited non-zero:"; cat "$tmp/err"; exit 1
fi
"$SYSFLAME" svg "$in" -o "$tmp/b.svg" || { echo "svg.sh: FAIL: second run"; exit 1; }
cmp -s "$tmp/a.svg" "$tmp/b.svg" || { echo "svg.sh: FAIL: output differs between runs"; exit 1; }

python3 - "$tmp/a.svg" "$in" <<'EOF'
import re
import sys, xml.etree.ElementTree as E
ns = '{http://www.w3.org/2000/svg}'
root = E.parse(sys.argv[1]).getroot()
sums = {}
total = 0
for line in open(sys.argv[2], encoding='utf-8', newline=''):
    line = line.rstrip('\r\n').rstrip()
    if not line.strip():
        continue
    stack, count = line.rsplit(None, 1)
    total += int(count)
    # labels drop FlameGraph's annotations (_[k] ...), as flamegraph.pl's do
    frames = [re.sub(r'_\[[kjiw]\]$', '', f) for f in stack.split(';')]
    for i in range(1, len(frames) + 1):
        key = ';'.join(frames[:i])
        sums[key] = sums.get(key, 0) + int(count)
fails = []
if int(root.get('data-total')) != total:
    fails.append('total %s, want %d' % (root.get('data-total'), total))
path = {}
root_y = None
fh = 16
for g in root.find(ns + 'g[@id="frames"]'):
    title = g.find(ns + 'title').text
    name = title[:title.rfind(' (')]
    r = g.find(ns + 'rect')
    y, w = float(r.get('y')), float(r.get('width'))
    if root_y is None:
        root_y = y
        continue
    depth = round((root_y - y) / fh)
    path[depth] = (path.get(depth - 1, '') + ';' if depth > 1 else '') + name
    key = path[depth]
    want = sums.get(key)
    if want is None or int(g.get('data-n')) != want:
        fails.append('%s: %s samples, folded says %s' % (key, g.get('data-n'), want))
        continue
    if abs(w - want / total * 1180) > 0.006:
        fails.append('%s: width %.2f, want %.3f' % (key, w, want / total * 1180))
drawn = sum(1 for _ in root.find(ns + 'g[@id="frames"]')) - 1
if drawn != len(sums):
    fails.append('%d frames drawn, folded has %d paths' % (drawn, len(sums)))
for f in fails:
    print('svg.sh: FAIL: ' + f)
sys.exit(1 if fails else 0)
EOF
rc=$?
[ $rc -eq 0 ] && echo "svg.sh: ok"
exit $rc
