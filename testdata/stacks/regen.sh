#!/bin/bash
# Regenerates testdata/stacks/: two programs of ours recorded as the mission
# records (issues 14 and 15: PIE, vfork, the cgo boundary, wrappers), their
# binaries, the system binaries their child processes ran, perf's view of the
# C stacks, and the runtime.Callers oracles.  Called by testdata/regen.sh; run
# alone as root:  testdata/stacks/regen.sh [PART...]
# PARTs (default all): probe (stackprobe), cgo (stackcgo), gotest, generic
# (stackgen, Go 1.21+ generic names).
# Needs Go 1.19 ($GO), Go 1.21+ for generic ($GO_NEW, default
# /usr/lib/go-1.22/bin/go: Debian's golang-1.22-go from bookworm-backports),
# gcc/g++, perf, zstd.  Runs from $STACKS_REC (default
# /tmp/sfstacks, removed afterwards): the captures name binaries there, a
# path that does not exist later, so tests must pass --binary/--symfs.
set -euo pipefail

S=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$S")
GO=${GO:-/usr/lib/go-1.19/bin/go}
GO_NEW=${GO_NEW:-/usr/lib/go-1.22/bin/go}
REC=${STACKS_REC:-/tmp/sfstacks}
PARTS=" ${*:-probe cgo gotest generic} "
part() { [[ $PARTS == *" $1 "* ]]; }
export GOFLAGS=-buildvcs=false GOPROXY=off GO111MODULE=on GOTOOLCHAIN=local GOWORK=off
[ "$(id -u)" = 0 ] || { echo "stacks/regen.sh: run as root (perf tracepoints)" >&2; exit 1; }
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing

rm -rf "$REC" && mkdir -p "$REC" "$S/bin"
# stackprobe: pure Go, -buildmode=pie (internally linked ET_DYN, no GNU
# build-id), stripped (the pclntab survives -s -w).
part probe && (cd "$TD/src/stackprobe" &&
	CGO_ENABLED=0 "$GO" build -buildmode=pie -trimpath -ldflags='-s -w' -o "$REC/stackprobe" .)
# stackcgo: cgo with C code (its own and runtime/cgo's) compiled without
# unwind tables; .symtab kept for the C names.
part cgo && (cd "$TD/src/stackcgo" &&
	CGO_ENABLED=1 CC=gcc CXX=g++ CGO_CFLAGS='-O2 -fno-asynchronous-unwind-tables' CGO_CXXFLAGS='-O2' \
	"$GO" build -trimpath -ldflags=-w -o "$REC/stackcgo" .)

# record NAME ENV COMMAND...: the mission command, -m doubled until nothing is lost
record() {
	local name=$1 envv=$2 m=8192 lost
	shift 2
	while :; do
		(cd "$REC" && env "$envv" perf record -e 'syscalls:sys_enter_*' -g --call-graph dwarf -m "$m" -z \
			-o "$S/$name.data" -- "$@" >/dev/null 2>"$REC/$name.err")
		lost=$(perf script -D -i "$S/$name.data" 2>/dev/null | grep -c 'PERF_RECORD_LOST' || true)
		[ "$lost" = 0 ] && break
		[ "$m" -ge 65536 ] && { echo "  $name: still losing with -m $m, keeping it" >&2; break; }
		m=$((m * 2))
	done
	chmod 0644 "$S/$name.data"
	printf '  %-16s samples %5s  lost records %s  (-m %s -z)\n' "$name.data" \
		"$(perf script -D -i "$S/$name.data" 2>/dev/null | grep -c 'PERF_RECORD_SAMPLE')" "$lost" "$m"
}
part probe && record stackprobe "ORACLE_OUT=$S/stackprobe.oracle" "$REC/stackprobe"
part cgo && record stackcgo - "$REC/stackcgo"

# stackgen: a Go 1.22 test binary with generic functions, methods and
# closures, stripped (-s -w); its markers' runtime.Callers names print
# generic instantiations as pkg.F[...].  The test needs no Go 1.21+.
if part generic; then
	(cd "$TD/src/stackgen" &&
		CGO_ENABLED=0 "$GO_NEW" test -c -trimpath -ldflags='-s -w' -o "$REC/stackgen.test" .)
	record stackgen "ORACLE_OUT=$S/stackgen.oracle" "$REC/stackgen.test" -test.v
	cp "$REC/stackgen.test" "$S/bin/"
	"$GO_NEW" version >"$S/stackgen.version"
fi

# gotest: a test binary as plain `go test` runs it, from its temporary build
# folder (/tmp/go-build*/b001/files.test), deleted after the run: the
# missing-binary warning (issue 14 point 3).  Two events keep it small.
part gotest && (cd "$TD/src/recmod" && "$GO" test -count=1 -exec "perf record -q -e syscalls:sys_enter_openat \
	-e syscalls:sys_enter_write -g --call-graph dwarf,2048 -z -o $S/gotest.data --" ./files >/dev/null)
part gotest && chmod 0644 "$S/gotest.data"

if part cgo; then
	cp "$REC/stackcgo" "$S/bin/"
	# perf's task events (exec, thread and process creation, with times):
	# the start-up phase of stackcgo and of ../rec/cgo.data (made before
	# this by ../regen.sh), before the first thread, for stacks.sh.
	for d in "$S/stackcgo.data" "$TD/rec/cgo.data"; do
		n=$(basename "$d" .data)
		perf script --show-task-events --show-lost-events -F pid,tid,time,event -i "$d" 2>/dev/null |
			grep -E 'PERF_RECORD_(FORK|COMM exec|LOST)' >"$S/$n.tasks" || true
	done
fi
if part probe; then
	cp "$REC/stackprobe" "$S/bin/"
	# The child processes ran these system binaries (matched by build-id).
	cp /usr/bin/dash /usr/bin/true "$S/bin/"
	# perf's view of the stacks it can unwind: the shell's (dash, libc, ld.so).
	perf script -i "$S/stackprobe.data" 2>/dev/null |
		awk 'BEGIN { RS = ""; ORS = "\n\n" } /^sh / { print }' >"$S/stackprobe.sh.perf-script"
fi
rm -rf "$REC"
