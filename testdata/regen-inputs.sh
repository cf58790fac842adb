#!/usr/bin/env bash
# Regenerate the captures of the other input shapes (issue 16): frame-pointer call chains (-g), a
# capture without call chains, a small system-wide (-a) capture, and perf script text dumps of them.
#
# usage (as root):  testdata/regen-inputs.sh     (testdata/regen.sh runs it at its end)
#
# Uses the committed binaries in testdata/bin (build them with regen.sh first), copied to $REC
# (default /tmp/sfrec) as regen.sh does, so the recorded paths are the same.
# Every recording is checked for lost events; a loss doubles -m and records again.
set -euo pipefail

TD=$(cd "$(dirname "$0")" && pwd)
REC=${REC:-/tmp/sfrec}
BIN=$TD/bin
OUT=$TD/rec
TXT=$TD/perfscript
[ "$(id -u)" = 0 ] || { echo "regen-inputs.sh: run as root (perf tracepoints)" >&2; exit 1; }
# perf needs tracefs for the syscalls:* tracepoints
if [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing
fi

log() { printf '== %s\n' "$*"; }

mkdir -p "$REC" "$OUT" "$TXT"
for b in oracle.test before.test cprog-fp; do
	cp "$BIN/$b" "$REC/$b"
done

# lost FILE -> number of lost events plus lost samples
lost() {
	perf script -D -i "$1" 2>/dev/null | awk '
		/PERF_RECORD_LOST:/ { n = $NF; sub(/.*:/, "", n); l += n }
		/PERF_RECORD_LOST_SAMPLES:/ { n = $NF; sub(/.*:/, "", n); l += n }
		END { print l + 0 }'
}

# rec NAME PERF-RECORD-ARGS... -- COMMAND...: records $OUT/NAME from $REC, doubling -m on loss,
# then stores perf's own view next to it (NAME.perf-script, as regen.sh does).
rec() {
	local name=$1 m=8192 args=() n
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	while :; do
		(cd "$REC" && perf record "${args[@]}" -m "$m" -z -o "$OUT/$name" -- "$@" \
			>/dev/null 2>"$OUT/$name.perf-record.err")
		n=$(lost "$OUT/$name")
		[ "$n" = 0 ] && break
		[ "$m" -ge 65536 ] && { echo "  $name: still losing $n with -m $m, keeping it" >&2; break; }
		m=$((m * 2))
	done
	chmod 0644 "$OUT/$name"
	perf script -i "$OUT/$name" >"$OUT/$name.perf-script" 2>/dev/null
	printf '  %-20s %6s bytes, lost %s (-m %s)\n' "$name" "$(stat -c %s "$OUT/$name")" "$n" "$m"
}

ALL='syscalls:sys_enter_*'
log "frame-pointer call chains (-g) and no call chain"
ORACLE_OUT=/dev/null rec go-oracle-fp.data -e "$ALL" -g -- "$REC/oracle.test"
rec cprog-fp-fp.data -e "$ALL" -g -- "$REC/cprog-fp" 3
ORACLE_OUT=/dev/null rec go-nocg.data -e 'syscalls:sys_enter_prctl' -e 'syscalls:sys_enter_openat' \
	-- "$REC/oracle.test"
# Not syscalls: cpu-clock every 100 us, frame-pointer chains (tables say "Event").
ORACLE_OUT=/dev/null rec go-cpuclock.data -e cpu-clock -c 100000 -g -- "$REC/oracle.test"
# Its chains have kernel frames (this kernel's syscall tracepoint chains have none): keep the
# kernel symbols that name them, from this boot's /proc/kallsyms (fp-vs-perf.sh checks
# script/fold --kernel --kallsyms against perf script).
python3 "$TD/kallsyms-subset.py" /proc/kallsyms "$OUT/go-cpuclock.data.perf-script" \
	>"$OUT/go-cpuclock.data.kallsyms"
grep -q kernel.kallsyms "$OUT/go-cpuclock.data.perf-script" ||
	echo "  go-cpuclock.data: no kernel frames in perf script (kptr_restrict?)" >&2

# System-wide: one second of everything while before.test runs next to it. The workload is
# `sleep 1`, forked by perf: its FORK record names the recording perf process.
log "system-wide capture (-a) while before.test runs"
(cd "$REC" && end=$((SECONDS + 3)) && while [ $SECONDS -lt $end ]; do ./before.test >/dev/null 2>&1; done) &
bg=$!
sleep 0.2
rec sys-wide.data -e "$ALL" -g -a -- sleep 1
wait "$bg"
# perf's view of a system-wide capture is large text: keep it compressed
zstd -q -19 -f --rm "$OUT/sys-wide.data.perf-script"
zstd -q -19 -f --rm "$OUT/go-oracle-fp.data.perf-script"

# perf script text: the default layout with the header block, the older layout with a period
# column, -F field subsets and --inline.
log "perf script text dumps into $TXT"
fp=$OUT/go-oracle-fp.data
perf script -i "$fp" --header >"$TXT/oracle-fp.header.txt" 2>/dev/null
perf script -i "$fp" -F comm,pid,tid,cpu,time,period,event,ip,sym,dso >"$TXT/oracle-fp.period.txt" 2>/dev/null
perf script -i "$fp" -F comm,tid,ip,sym >"$TXT/oracle-fp.comm-tid-ip-sym.txt" 2>/dev/null
perf script -i "$fp" -F comm,pid,tid,time,event,ip,sym,dso,srcline >"$TXT/oracle-fp.srcline.txt" 2>/dev/null
perf script -i "$OUT/cprog-fp-fp.data" --inline >"$TXT/cprog-fp.inline.txt" 2>/dev/null
perf script -i "$OUT/cprog-fp-fp.data" -F comm,pid,ip,sym,dso >"$TXT/cprog-fp.comm-pid.txt" 2>/dev/null
for f in "$TXT"/*.txt; do zstd -q -19 -f --rm "$f"; done
chmod 0644 "$TXT"/* "$OUT/go-cpuclock.data.kallsyms"
du -sh "$OUT"/go-oracle-fp.data* "$OUT"/cprog-fp-fp.data* "$OUT"/go-nocg.data* "$OUT"/sys-wide.data* "$TXT"
