#!/usr/bin/env bash
# Regenerate testdata/stitch: the deep-stack programs of the stitching truth
# test (tests/integration/stitch.sh), built and recorded with a 64 KiB stack
# copy.  The test cuts each capture to 8 KiB itself (tools/perf-cut-stack.py)
# and holds what sysflame stitches in the cut file to the full file's stacks.
#
# usage (as root):  testdata/stitch/regen.sh
# Needs Go 1.19 at $GO (default /usr/lib/go-1.19/bin/go), gcc, perf.
# The programs run from $REC (default /tmp/stitchrec), the path recorded.
set -euo pipefail
TD=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TD/stitch
GO=${GO:-/usr/lib/go-1.19/bin/go}
REC=${REC:-/tmp/stitchrec}
export GOFLAGS=-buildvcs=false GOPROXY=off GO111MODULE=on GOTOOLCHAIN=local GOWORK=off
[ "$(id -u)" = 0 ] || { echo "regen.sh: run as root (perf tracepoints)" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
mkdir -p "$REC"
(cd "$TD/src/stitch/deepgo" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags=-w -o "$REC/deepgo" .)
(cd "$TD" && gcc -g -O1 -pthread "-ffile-prefix-map=$TD/=testdata/" -o "$REC/deepc" src/stitch/deepc/deepc.c)
for p in deepgo deepc; do
	install -m 0755 "$REC/$p" "$OUT/$p"
	(cd "$REC" && perf record -q -e 'syscalls:sys_enter_*' --call-graph dwarf,65528 -m 8192 -z \
		-o "$OUT/$p.data" -- "./$p")
	chmod 0644 "$OUT/$p.data"
done
