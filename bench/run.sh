#!/bin/bash
# bench/run.sh - sysflame's performance benchmark (see doc/performance.md).
#
# Builds the Go workload in bench/workload, records it with every
# sys_enter tracepoint and DWARF call graphs at three sizes (about 10 MB,
# 150 MB and 1.5 GB; plain and -z), then times side by side, in one run:
# the Perl pipeline (perf script | stackcollapse-perf.pl | flamegraph.pl),
# perf script alone, sysflame fold/svg/top, and the read-every-byte floor.
#
# Usage: bench/run.sh [SIZE...]      SIZE: small medium large syswide
#                                     (default: small medium large)
# syswide: a system-wide capture (-a) of a busy machine, BENCH_SYSWIDE
# (default $BENCH_DIR/syswide.data; recorded when missing: perf record -a
# for 3 s while the workload, compilers and thousands of short processes
# run), timed settled and freshly written: perf script, svg (-j 2 here),
# svg -j 1 (outputs compared) and the floors.
# Environment:
#   SYSFLAME        the sysflame binary (default: ./src/sysflame)
#   BENCH_DIR       cache folder for recordings, outside the repository
#                   (default /var/tmp/sysflame-bench)
#   FLAMEGRAPH_DIR  a FlameGraph checkout (stackcollapse-perf.pl, flamegraph.pl)
#   GO              Go toolchain (default /usr/lib/go-1.19/bin/go)
#   REPEAT          runs per measurement, the fastest is kept (default 3)
#   BENCH_RERECORD  set to 1 to record again even if a capture is cached
#   BENCH_SKIP_PERL set to 1 to skip the Perl pipeline and perf script
#   BENCH_WRITTEN   set to 0 to skip the rows measured on a freshly written copy
#   BENCH_SYSWIDE   the system-wide capture (see syswide above)
#
# sysflame keeps the debug sections it inflates in a cache
# (~/.cache/sysflame, see SYSFLAME_CACHE in the man page): the fastest of
# REPEAT runs is a run with the cache filled; the written rows also
# measure svg with SYSFLAME_CACHE=0.
#
# Page cache: a file just written (by perf, cp or a download) sits in the
# page cache in small pages, one read back from disk in large folios, and
# mapping the latter costs half as much (the floor of the 150 MB capture:
# ~29 ms against ~14 ms here).  So that every tool is measured on the same,
# reproducible state, each measurement starts by evicting the capture and
# reading it once (settle); plain captures are also measured, for perl, svg
# and the floors, on a fresh copy written with cat ("written" rows).
# Floors: ./floor maps the file and touches every 8th byte (mmap floor),
# ./floor --read reads it whole in 1 MiB reads (read floor).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SYSFLAME=$(readlink -f "${SYSFLAME:-./src/sysflame}")
BENCH_DIR=${BENCH_DIR:-/var/tmp/sysflame-bench}
FLAMEGRAPH_DIR=${FLAMEGRAPH_DIR:-/var/tmp/flamegraph}
GO=${GO:-/usr/lib/go-1.19/bin/go}
REPEAT=${REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(small medium large)
BENCH_SYSWIDE=${BENCH_SYSWIDE:-$BENCH_DIR/syswide.data}

case "$BENCH_DIR" in
"$(cd "$here/.." && pwd)"*) echo "BENCH_DIR must be outside the repository" >&2; exit 2 ;;
esac
[ -x "$SYSFLAME" ] || { echo "no sysflame binary at $SYSFLAME (set SYSFLAME)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 2; }
if [ "${BENCH_SKIP_PERL:-0}" != 1 ] && [ ! -x "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
    echo "FLAMEGRAPH_DIR=$FLAMEGRAPH_DIR has no flamegraph.pl" >&2
    exit 2
fi
mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"

# Workload rounds per size: measured ~8.5 KB a sample and ~390 samples a
# round on the reference machine.  The large capture is paced (a 5 ms sleep
# every 10 operations) or perf record loses half of its samples.
rounds_for() {
    case $1 in
    small) echo 3 ;;
    medium) echo 45 ;;
    large) echo 500 ;;
    esac
}
pace_for() {
    case $1 in
    large) echo 5000 ;;
    *) echo 0 ;;
    esac
}

build() {
    if [ ! -x workload.test ] || [ "$here/workload/workload_test.go" -nt workload.test ]; then
        (cd "$here/workload" && GOCACHE="$BENCH_DIR/gocache" GOFLAGS=-mod=mod \
            "$GO" test -c -o "$BENCH_DIR/workload.test" .)
        # Captures of the previous build would be unwound with this one's
        # tables (Go test binaries have no build-id to catch it): drop them.
        rm -f small-*.data medium-*.data large-*.data
    fi
    cc -O2 -o floor "$here/floor.c"
    cc -O2 -nostdlib -static -o startup "$here/startup.c"
}

record() {  # record NAME ROUNDS [perf options...]
    local name=$1 rounds=$2
    shift 2
    if [ -s "$name.data" ] && [ "${BENCH_RERECORD:-0}" != 1 ]; then
        return
    fi
    rm -f "$name.data"
    BENCH_ROUNDS=$rounds BENCH_PACE_US=$(pace_for "${name%%-*}") perf record -q -e 'syscalls:sys_enter_*' -g --call-graph dwarf \
        -m 256M "$@" -o "$name.data" -- ./workload.test >/dev/null 2>"$name.record.err" ||
        { cat "$name.record.err" >&2; exit 1; }
}

# measure LABEL CMD... : runs CMD REPEAT times under /usr/bin/time -v and
# keeps the fastest run (other load on the machine only ever adds time):
# "wall_s cpu_s maxrss_kb".  Wall time comes from the clock around the
# run (1 ms resolution; /usr/bin/time rounds to 10 ms), CPU time and peak
# RSS from /usr/bin/time.
settle() {  # settle FILE: evict FILE from the page cache, then read it once
    dd if="$1" iflag=nocache count=0 status=none
    cat "$1" >/dev/null
}

# record_syswide FILE: perf record -a for 3 s while the machine is busy:
# the workload (paced), a C compiler in a loop and thousands of short
# processes (what a CI runner running go test and builds looks like).
record_syswide() {
    local out=$1 pids=()
    (BENCH_ROUNDS=200 BENCH_PACE_US=5000 ./workload.test >/dev/null 2>&1) & pids+=($!)
    (for ((i = 0; i < 200; i++)); do cc -O2 -c -o /dev/null "$here/floor.c"; done) & pids+=($!)
    (for ((i = 0; i < 20000; i++)); do /bin/true; done) & pids+=($!)
    sleep 0.5
    perf record -q -a -e 'syscalls:sys_enter_*' -g --call-graph dwarf -m 256M \
        -o "$out" -- sleep 3 >/dev/null 2>"$out.record.err" ||
        { cat "$out.record.err" >&2; kill "${pids[@]}" 2>/dev/null; exit 1; }
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
}

SETTLE_FILE=
measure() {
    local label=$1
    shift
    local runs=() t0 t1
    [ -z "$SETTLE_FILE" ] || settle "$SETTLE_FILE"
    for ((r = 0; r < REPEAT; r++)); do
        sync
        t0=$(date +%s%N)
        /usr/bin/time -v -o time.out "$@" >/dev/null 2>cmd.err ||
            { echo "$label failed:" >&2; cat cmd.err >&2; exit 1; }
        t1=$(date +%s%N)
        runs+=("$(awk -F': ' -v ns=$((t1 - t0)) '
            /User time/ { u = $2 } /System time/ { s = $2 }
            /Maximum resident/ { m = $2 }
            END { printf "%.3f %.3f %d\n", ns / 1e9, u + s, m }' time.out)")
    done
    printf '%s\n' "${runs[@]}" | sort -n | head -1
}

row() {  # row SIZE TOOL "wall cpu rss" SAMPLES
    local size=$1 tool=$2 w c m samples=$4
    read -r w c m <<<"$3"
    printf '%-14s %-22s %8.3f %8.3f %8.1f %10.2f\n' "$size" "$tool" "$w" "$c" \
        "$(echo "$m / 1024" | bc -l)" "$(echo "$w * 1000000 / $samples" | bc -l)"
    eval "W_${tool//[^a-zA-Z0-9]/_}=$w"
}

build
perf record -q -e 'syscalls:sys_enter_*' -g --call-graph dwarf -m 256M \
    -o startup.data -- ./startup >/dev/null 2>&1

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "# date: $(date -u +%Y-%m-%dT%H:%MZ)  sysflame: $SYSFLAME  repeat: $REPEAT (fastest kept)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## fixed start-up: $(perf evlist -i startup.data 2>/dev/null | wc -l) events, 1 sample"
printf '%-14s %-22s %8s %8s %8s %10s\n' capture tool wall_s cpu_s rss_MiB us/sample
row startup "sysflame svg" "$(measure svg "$SYSFLAME" svg -q startup.data -o out.svg)" 1
# /usr/bin/time has 10 ms resolution: also the mean of 20 runs in ms.
for cmd in svg fold; do
    t0=$(date +%s%N)
    for ((r = 0; r < 20; r++)); do "$SYSFLAME" $cmd -q startup.data -o out.$cmd >/dev/null; done
    t1=$(date +%s%N)
    echo "startup sysflame $cmd: $(((t1 - t0) / 20000)) us mean wall of 20 runs"
done

syswide() {
    local f=$BENCH_SYSWIDE samples bytes
    if [ ! -s "$f" ]; then
        [ "$(id -u)" = 0 ] || { echo "no $f, and recording one (-a) needs root" >&2; exit 2; }
        record_syswide "$f"
    fi
    samples=$("$SYSFLAME" info "$f" 2>/dev/null | awk '/^Samples:/ { print $2 }')
    bytes=$(stat -c %s "$f")
    echo
    echo "## syswide: $f: $(echo "$bytes / 1048576" | bc) MiB, $samples samples," \
        "$("$SYSFLAME" info "$f" 2>/dev/null | awk '/^Processes:/ { print $2 }') processes," \
        "$("$SYSFLAME" info "$f" 2>/dev/null | awk '/^Lost samples:/ { print $3 }') lost"
    printf '%-14s %-22s %8s %8s %8s %10s\n' capture tool wall_s cpu_s rss_MiB us/sample
    local state
    for state in settled written; do
        local x=$f
        if [ $state = settled ]; then
            SETTLE_FILE=$f
        else
            [ "${BENCH_WRITTEN:-1}" = 1 ] || continue
            SETTLE_FILE=
            cat "$f" >written.data
            x=written.data
        fi
        row "sw-$state" "perf script" "$(measure perf-script sh -c \
            "perf script -i '$x' >/dev/null 2>&1")" "$samples"
        row "sw-$state" "sysflame svg" "$(measure svg "$SYSFLAME" svg -q "$x" -o out.svg)" "$samples"
        row "sw-$state" "sysflame svg -j 1" "$(measure svg1 "$SYSFLAME" svg -q -j 1 "$x" -o out1.svg)" "$samples"
        cmp -s out.svg out1.svg || { echo "svg -j 1 and -j 2 differ on $f" >&2; exit 1; }
        row "sw-$state" "floor" "$(measure floor ./floor "$x")" "$samples"
        row "sw-$state" "floor read" "$(measure floor ./floor --read "$x")" "$samples"
        echo "ratios (syswide $state): perf-script/svg" \
            "$(echo "scale=1; $W_perf_script / $W_sysflame_svg" | bc -l)x" \
            " perf-script/svg-j1 $(echo "scale=1; $W_perf_script / $W_sysflame_svg__j_1" | bc -l)x" \
            " svg/read-floor $(echo "scale=1; $W_sysflame_svg / ($W_floor_read + 0.0005)" | bc -l)x" \
            " (-j outputs identical)"
    done
    SETTLE_FILE=
    rm -f written.data out1.svg
}

for size in "${sizes[@]}"; do
    if [ "$size" = syswide ]; then
        syswide
        continue
    fi
    for z in plain z; do
        name=$size-$z
        if [ $z = z ]; then
            record "$name" "$(rounds_for "$size")" -z
        else
            record "$name" "$(rounds_for "$size")"
        fi
        samples=$("$SYSFLAME" info "$name.data" | awk '/^Samples:/ { print $2 }')
        bytes=$(stat -c %s "$name.data")
        echo
        lost=$("$SYSFLAME" info "$name.data" | awk '/^Lost samples share:/ { print $4 }')
        echo "## $name.data: $(echo "$bytes / 1048576" | bc) MiB, $samples samples ($lost lost)"
        printf '%-14s %-22s %8s %8s %8s %10s\n' capture tool wall_s cpu_s rss_MiB us/sample
        SETTLE_FILE=$name.data
        W_perl_pipeline=
        if [ "${BENCH_SKIP_PERL:-0}" != 1 ]; then
            row "$name" "perl pipeline" "$(measure perl sh -c "perf script -i '$name.data' 2>/dev/null |
                '$FLAMEGRAPH_DIR/stackcollapse-perf.pl' | '$FLAMEGRAPH_DIR/flamegraph.pl' >perl.svg")" "$samples"
            row "$name" "perf script" "$(measure perf-script sh -c \
                "perf script -i '$name.data' >/dev/null 2>&1")" "$samples"
        fi
        row "$name" "sysflame fold" "$(measure fold "$SYSFLAME" fold -q "$name.data" -o out.folded)" "$samples"
        row "$name" "sysflame svg" "$(measure svg "$SYSFLAME" svg -q "$name.data" -o out.svg)" "$samples"
        row "$name" "sysflame top" "$(measure top "$SYSFLAME" top -q "$name.data" -o out.top)" "$samples"
        row "$name" "sysflame fold -j 1" "$(measure fold1 "$SYSFLAME" fold -q -j 1 "$name.data" -o out1.folded)" "$samples"
        row "$name" "sysflame fold -j 2" "$(measure fold2 "$SYSFLAME" fold -q -j 2 "$name.data" -o out2.folded)" "$samples"
        cmp -s out1.folded out2.folded || { echo "-j 1 and -j 2 outputs differ on $name" >&2; exit 1; }
        row "$name" "floor" "$(measure floor ./floor "$name.data")" "$samples"
        row "$name" "floor read" "$(measure floor ./floor --read "$name.data")" "$samples"
        echo "ratios: perl/svg $([ -n "$W_perl_pipeline" ] && echo "scale=1; $W_perl_pipeline / $W_sysflame_svg" | bc -l || echo -)x" \
            " svg/floor $(echo "scale=1; $W_sysflame_svg / ($W_floor + 0.0005)" | bc -l)x" \
            " svg/read-floor $(echo "scale=1; $W_sysflame_svg / ($W_floor_read + 0.0005)" | bc -l)x" \
            " j1/j2 $(echo "scale=2; $W_sysflame_fold__j_1 / $W_sysflame_fold__j_2" | bc -l)x" \
            " (-j outputs identical)"
        SETTLE_FILE=
        if [ $z = plain ] && [ "${BENCH_WRITTEN:-1}" = 1 ]; then
            cat "$name.data" >written.data
            if [ "${BENCH_SKIP_PERL:-0}" != 1 ]; then
                row "$name" "perl pipeline (written)" "$(measure perl sh -c "perf script -i written.data 2>/dev/null |
                    '$FLAMEGRAPH_DIR/stackcollapse-perf.pl' | '$FLAMEGRAPH_DIR/flamegraph.pl' >perl.svg")" "$samples"
            fi
            if [ "${BENCH_SKIP_PERL:-0}" != 1 ]; then
                row "$name" "perf script (written)" "$(measure perf-script sh -c \
                    "perf script -i written.data >/dev/null 2>&1")" "$samples"
            fi
            row "$name" "sysflame svg (written)" "$(measure svg "$SYSFLAME" svg -q written.data -o out.svg)" "$samples"
            row "$name" "svg no cache (written)" "$(measure svg env SYSFLAME_CACHE=0 "$SYSFLAME" svg -q written.data -o out.svg)" "$samples"
            row "$name" "fold -j 1 (written)" "$(measure fold1 "$SYSFLAME" fold -q -j 1 written.data -o out1.folded)" "$samples"
            row "$name" "fold -j 2 (written)" "$(measure fold2 "$SYSFLAME" fold -q -j 2 written.data -o out2.folded)" "$samples"
            cmp -s out1.folded out2.folded || { echo "-j 1 and -j 2 outputs differ on written $name" >&2; exit 1; }
            row "$name" "floor (written)" "$(measure floor ./floor written.data)" "$samples"
            row "$name" "floor read (written)" "$(measure floor ./floor --read written.data)" "$samples"
            if [ "${BENCH_SKIP_PERL:-0}" != 1 ]; then
                echo "ratios (written): perl/svg $(echo "scale=1; $W_perl_pipeline__written_ / $W_sysflame_svg__written_" | bc -l)x" \
                    " perf-script/svg $(echo "scale=1; $W_perf_script__written_ / $W_sysflame_svg__written_" | bc -l)x"
            fi
            echo "ratios (written): svg/floor $(echo "scale=1; $W_sysflame_svg__written_ / ($W_floor__written_ + 0.0005)" | bc -l)x" \
                " svg/read-floor $(echo "scale=1; $W_sysflame_svg__written_ / ($W_floor_read__written_ + 0.0005)" | bc -l)x" \
                " j1/j2 $(echo "scale=2; $W_fold__j_1__written_ / $W_fold__j_2__written_" | bc -l)x"
            rm -f written.data
        fi
    done
done
rm -f out.svg out.folded out.top out1.folded out2.folded perl.svg time.out cmd.err
