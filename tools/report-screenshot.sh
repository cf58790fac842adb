#!/bin/sh
# report-screenshot.sh - regenerates doc/report.png, the picture of the page
# `sysflame report` writes, from the bundled before/after recordings
# (testdata/rec/before-1.data, after-1.data: unbuffered vs bufio writes).
# Usage: tools/report-screenshot.sh [BUILDDIR]   (default: build)
# Needs chromium (quickstart.sh installs it).  Keep the PNG under ~300 KB:
# the window is sized to the top of the page (health, summary, diff graph).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$build/src/sysflame" report -q --ignore-comm \
    --before-binary "$top/testdata/bin/before.test" --after-binary "$top/testdata/bin/after.test" \
    --fail-if 'write>+20%' -o "$tmp/review" \
    "$top/testdata/rec/before-1.data" "$top/testdata/rec/after-1.data" || [ $? -eq 3 ]
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars --force-device-scale-factor=0.75 --virtual-time-budget=5000 \
    --window-size=1280,1900 --screenshot="$tmp/report.png" \
    "file://$tmp/review/index.html" 2>/dev/null
cp "$tmp/report.png" "$top/doc/report.png"
size=$(wc -c < "$top/doc/report.png")
echo "doc/report.png: $size bytes"
[ "$size" -le 300000 ] || echo "warning: doc/report.png is over 300 KB" >&2
