#!/usr/bin/env bash
# Regenerate all sysflame test data: binaries, npm Go binaries, perf recordings and perf golden outputs.
#
# usage (as root, from anywhere):  testdata/regen.sh
#
# Needs: Go 1.19 at $GO (default /usr/lib/go-1.19/bin/go; standard library only, no module downloads),
# Go 1.21+ at $GO_NEW for stacks/stackgen (default /usr/lib/go-1.22/bin/go, Debian bookworm-backports),
# gcc, perf (linux-perf 6.1), npm (registry access), zstd, sha256sum.
# Binaries are run from $REC (default /tmp/sfrec), a path that does not exist on other machines, so that
# offline binary lookup (--binary / --symfs) is exercised. Golden perf output is produced while the
# $REC copies exist, so perf symbolizes C frames.
# Re-running is safe: every output is rebuilt from scratch. Recordings differ from run to run (pids,
# times, scheduling), everything else is reproducible.
set -euo pipefail

TD=$(cd "$(dirname "$0")" && pwd)
GO=${GO:-/usr/lib/go-1.19/bin/go}
REC=${REC:-/tmp/sfrec}
BIN=$TD/bin
OUT=$TD/rec
WORK=$(mktemp -d /tmp/sfregen.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

export GOFLAGS=-buildvcs=false GOPROXY=off GO111MODULE=on GOTOOLCHAIN=local GOWORK=off
[ "$(id -u)" = 0 ] || { echo "regen.sh: run as root (perf tracepoints)" >&2; exit 1; }

log() { printf '== %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------------
log "building binaries into $BIN"
mkdir -p "$BIN"
(cd "$TD/src/oracle" && CGO_ENABLED=0 "$GO" test -c -trimpath -ldflags=-w -o "$BIN/oracle.test" .)
(cd "$TD/src/beforeafter" && CGO_ENABLED=0 "$GO" test -c -trimpath -ldflags=-w -o "$BIN/before.test" .)
(cd "$TD/src/beforeafter" && CGO_ENABLED=0 "$GO" test -c -trimpath -ldflags=-w -tags after -o "$BIN/after.test" .)
(cd "$TD/src/cgo" && CGO_ENABLED=1 CC=gcc "$GO" build -trimpath -ldflags=-w -o "$BIN/cgo" .)
cflags=(-O2 -g "-ffile-prefix-map=$TD/=testdata/")
# Run from $TD: the DWARF comp_dir is the working directory, so this keeps the C builds reproducible.
(cd "$TD" && gcc "${cflags[@]}" -fno-omit-frame-pointer -o "$BIN/cprog-fp" "$TD/src/cprog/cprog.c")
(cd "$TD" && gcc "${cflags[@]}" -fomit-frame-pointer -o "$BIN/cprog-nofp" "$TD/src/cprog/cprog.c")

# ---------------------------------------------------------------------------------------------------
log "fetching Go binaries from npm (verified by sha256, see gobin/fetch.sh)"
"$TD/gobin/fetch.sh" "$WORK/npm" \
	esbuild-0.17.19_go1.20.4_fffffff1 \
	esbuild-0.7.22_go1.15_fffffffb esbuild-0.13.15_go1.17.2_fffffffa
install -m 0755 "$WORK/npm/esbuild-0.17.19_go1.20.4_fffffff1" "$BIN/esbuild"
# Only the formats not represented by our own Go 1.19 (0xFFFFFFF0) and npm Go 1.20 (0xFFFFFFF1) binaries
# are committed; fetch.sh gets the others (including esbuild-0.14.30_go1.18_fffffff0).
for n in esbuild-0.7.22_go1.15_fffffffb esbuild-0.13.15_go1.17.2_fffffffa; do
	zstd -q -19 -f "$WORK/npm/$n" -o "$TD/gobin/$n.zst"
	chmod 0644 "$TD/gobin/$n.zst"
done

# ---------------------------------------------------------------------------------------------------
# The C recordings (cprog-*, cgo) enter the kernel inside libc.so.6 / ld.so; unwinding those samples needs
# exactly these files (their .eh_frame). Keep copies at their recorded paths under sysroot/ (for --symfs).
log "copying this machine's libc and dynamic loader into $TD/sysroot"
rm -rf "$TD/sysroot"
for lib in /usr/lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
	mkdir -p "$TD/sysroot$(dirname "$lib")"
	cp -L "$lib" "$TD/sysroot$lib"
	chmod 0644 "$TD/sysroot$lib"
done

# ---------------------------------------------------------------------------------------------------
log "copying binaries to $REC (the paths recorded in the perf.data files)"
rm -rf "$REC"
mkdir -p "$REC/esbuild-work/src"
for b in oracle.test before.test after.test cgo cprog-fp cprog-nofp esbuild; do
	cp "$BIN/$b" "$REC/$b"
done
cp "$TD/src/esbuild-input/"*.js "$REC/esbuild-work/src/"

# ---------------------------------------------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT"
printf 'recording\tsamples\tlost_events\tlost_samples\tmmap_pages\tbytes\tmode\n' >"$OUT/summary.tsv"

# counts FILE -> "samples lost_events lost_samples" (works for file, -z and pipe mode)
counts() {
	perf script -D -i "$1" 2>/dev/null | awk '
		/PERF_RECORD_SAMPLE/ { s++ }
		/PERF_RECORD_LOST:/ { n = $NF; sub(/.*:/, "", n); l += n }
		/PERF_RECORD_LOST_SAMPLES:/ { n = $NF; sub(/.*:/, "", n); ls += n }
		END { printf "%d %d %d\n", s, l, ls }'
}

# golden SRC BASE: perf's own view of recording SRC, written to BASE.perf-*
golden() {
	local src=$1 base=$2 rc
	rc=0; perf script -i "$src" >"$base.perf-script" 2>"$base.perf-script.err" || rc=$?
	[ $rc = 0 ] || echo "[regen.sh: perf script exit status $rc]" >>"$base.perf-script.err"
	rc=0; perf report -i "$src" --stats >"$base.perf-stats" 2>"$base.perf-stats.err" || rc=$?
	[ $rc = 0 ] || echo "[regen.sh: perf report --stats exit status $rc]" >>"$base.perf-stats.err"
	[ -s "$base.perf-stats.err" ] || rm -f "$base.perf-stats.err"
}

# record NAME MODE Z ENV -- EVENT... -- COMMAND...
#   MODE file|pipe; Z "-z" or "-"; ENV "-" or VAR=VALUE (passed to the command).
#   Runs: perf record -e EVENT... -g --call-graph dwarf -m PAGES [-z] -o FILE|- -- COMMAND
#   from $REC, doubling PAGES from 8192 until nothing is lost. Pipe-mode output is stored zstd-compressed
#   as rec/NAME.zst (sysflame reads .zst transparently); its goldens are made from the uncompressed stream.
record() {
	local name=$1 mode=$2 z=$3 envv=$4
	shift 4
	[ "$1" = -- ] && shift
	local ev=()
	while [ "$1" != -- ]; do ev+=(-e "$1"); shift; done
	shift
	local zopt=() envc=(env)
	[ "$z" = -z ] && zopt=(-z)
	[ "$envv" = - ] || envc+=("$envv")
	local m=8192 data c
	while :; do
		if [ "$mode" = pipe ]; then
			data=$WORK/$name
			(cd "$REC" && "${envc[@]}" perf record "${ev[@]}" -g --call-graph dwarf -m "$m" "${zopt[@]}" -o - -- "$@" \
				>"$data" 2>"$WORK/$name.record-err")
		else
			data=$OUT/$name
			(cd "$REC" && "${envc[@]}" perf record "${ev[@]}" -g --call-graph dwarf -m "$m" "${zopt[@]}" -o "$data" -- "$@" \
				>"$WORK/$name.stdout" 2>"$WORK/$name.record-err")
		fi
		c=$(counts "$data")
		read -r s l ls <<<"$c"
		if [ "$l" = 0 ] && [ "$ls" = 0 ]; then break; fi
		if [ "$m" -ge 65536 ]; then echo "  $name: still losing ($l/$ls) with -m $m, keeping it" >&2; break; fi
		echo "  $name: lost $l events / $ls samples with -m $m; re-recording with -m $((m * 2))"
		m=$((m * 2))
	done
	chmod 0644 "$data"
	cp "$WORK/$name.record-err" "$OUT/$name.perf-record.err"
	if [ "$mode" = pipe ]; then
		zstd -q -19 -f "$data" -o "$OUT/$name.zst"
		chmod 0644 "$OUT/$name.zst"
	fi
	golden "$data" "$OUT/$name"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n' "$name" "$s" "$l" "$ls" "$m" "$(stat -c %s "$data")" "$mode" \
		"$([ "$z" = -z ] && echo ' -z')" >>"$OUT/summary.tsv"
	printf '  %-22s samples %5s  lost events %s  lost samples %s  (-m %s %s%s)\n' "$name" "$s" "$l" "$ls" "$m" "$mode" \
		"$([ "$z" = -z ] && echo ' -z')"
}

ALL='syscalls:sys_enter_*'
log "recording into $OUT"
record go-oracle.data file -z "ORACLE_OUT=$OUT/go-oracle.oracle" -- "$ALL" -- "$REC/oracle.test" -test.v
# Uncompressed file mode; only two events (and no -test.v) to keep the file small.
record go-oracle-plain.data file - "ORACLE_OUT=$OUT/go-oracle-plain.oracle" \
	-- 'syscalls:sys_enter_prctl,syscalls:sys_enter_openat' -- "$REC/oracle.test"
# Pipe mode: the test writes nothing to stdout (TestMain redirects os.Stdout to stderr), no -test.v.
record go-oracle.pipe.data pipe - "ORACLE_OUT=$OUT/go-oracle.pipe.oracle" -- "$ALL" -- "$REC/oracle.test"
record go-enterexit.data file -z "ORACLE_OUT=$OUT/go-enterexit.oracle" \
	-- "$ALL" 'syscalls:sys_exit_*' -- "$REC/oracle.test" -test.v
record cprog-fp.data file -z - -- "$ALL" -- "$REC/cprog-fp" 3
record cprog-nofp.data file -z - -- "$ALL" -- "$REC/cprog-nofp" 3
record cgo.data file -z - -- "$ALL" -- "$REC/cgo"
record esbuild.data file -z - -- "$ALL" -- "$REC/esbuild" "$REC/esbuild-work/src/index.js" --bundle --minify \
	--sourcemap "--outfile=$REC/esbuild-work/out.js" --log-level=warning
for i in 1 2; do
	record "before-$i.data" file -z - -- "$ALL" -- "$REC/before.test" -test.v
	record "after-$i.data" file -z - -- "$ALL" -- "$REC/after.test" -test.v
done

# A deliberately lossy capture (-m 4: a 16 KiB ring for ~8.5 KiB samples) for lost-sample reporting.
log "recording go-lost.data (deliberately tiny ring buffer)"
(cd "$REC" && ORACLE_OUT=$OUT/go-lost.oracle perf record -e "$ALL" -g --call-graph dwarf -m 4 -z -o "$OUT/go-lost.data" \
	-- "$REC/oracle.test" -test.v >/dev/null 2>"$WORK/go-lost.record-err")
chmod 0644 "$OUT/go-lost.data"
golden "$OUT/go-lost.data" "$OUT/go-lost.data"
read -r s l ls <<<"$(counts "$OUT/go-lost.data")"
printf 'go-lost.data\t%s\t%s\t%s\t4\t%s\tfile -z\n' "$s" "$l" "$ls" "$(stat -c %s "$OUT/go-lost.data")" >>"$OUT/summary.tsv"
printf '  %-22s samples %5s  lost events %s  lost samples %s  (-m 4 -z, lossy on purpose)\n' go-lost.data "$s" "$l" "$ls"

# ---------------------------------------------------------------------------------------------------
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(uname -r) $(uname -m)"
	echo "perf: $(perf version)"
	echo "go: $("$GO" version)"
	echo "gcc: $(gcc --version | head -n1)"
	echo "libc: $(ldd --version | head -n1) (Debian package libc6 $(dpkg-query -W -f='${Version}' libc6 2>/dev/null || echo '?'))"
	for lib in "$TD"/sysroot/usr/lib/x86_64-linux-gnu/*; do
		echo "  sysroot/${lib#"$TD"/sysroot/}: sha256 $(sha256sum "$lib" | cut -c1-64), $(readelf -n "$lib" | awk '/Build ID/ {print "build-id " $3}')"
	done
	echo "zstd: $(zstd --version)"
	echo "npm: $(npm --version)"
	echo "recorded binary directory: $REC"
} >"$OUT/ENVIRONMENT"

log "summary ($OUT/summary.tsv)"
column -t -s $'\t' "$OUT/summary.tsv"
du -sh "$TD"

# ---------------------------------------------------------------------------------------------------
# Frame-pointer, no-call-chain and system-wide captures, and perf script text dumps (issue 16).
REC=$REC "$TD/regen-inputs.sh"
log "recording testdata/stacks (PIE, vfork, cgo without unwind tables, wrappers)"
"$TD/stacks/regen.sh"
