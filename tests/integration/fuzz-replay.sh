#!/bin/sh
# fuzz-replay.sh - replays every seed and crash-regression input in
# testdata/fuzz/<harness>/ through the fuzz harnesses, built without
# libFuzzer (tests/fuzz/replay_main.c) against this build's libsysflame.a
# with this build's compiler, plus ASan+UBSan when the build uses them.
# Any crash, sanitizer report or hang fails the test.
# Env: SRCDIR, BUILDDIR, TESTDATA (set by make check).
set -u
: "${SRCDIR:?}" "${BUILDDIR:?}" "${TESTDATA:?}"
LIB=$BUILDDIR/libsysflame.a
[ -f "$LIB" ] || { echo "fuzz-replay: $LIB missing"; exit 77; }
CC=$(sed -n 's/^CC = //p' "$BUILDDIR/Makefile" | head -1)
CC=${CC:-cc}
SAN=
grep -q fsanitize "$BUILDDIR/Makefile" && SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
PKG_CFLAGS=$(pkg-config --cflags libtraceevent 2>/dev/null || echo -I/usr/include/traceevent)
# what configure found besides the pkg-config libraries named below
# (libiberty for demangling, zlib/libdeflate for debug sections)
EXTRA_LIBS=$(sed -n 's/^\(LIBS\|ZLIB_LIBS\|LIBDEFLATE_LIBS\) = //p' "$BUILDDIR/Makefile" | tr '\n' ' ')
OUT=$BUILDDIR/tests/fuzz-replay
mkdir -p "$OUT"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRCDIR/tests/fuzz/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0 pass=0
for src in "$SRCDIR"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    bin=$OUT/$name
    if ! $CC -std=gnu11 -g -O1 -pthread $SAN -I"$SRCDIR/include" $PKG_CFLAGS \
            -DSF_TESTDATA="\"$TESTDATA\"" "$src" "$SRCDIR/tests/fuzz/replay_main.c" \
            "$LIB" -ltraceevent -ldw -lelf -lzstd $EXTRA_LIBS -lm -o "$bin" 2>"$OUT/$name.cc.log"; then
        echo "FAIL: $name: does not compile"; cat "$OUT/$name.cc.log"; fail=$((fail + 1)); continue
    fi
    dir=$TESTDATA/fuzz/$name
    [ -d "$dir" ] || { echo "FAIL: $name: no corpus in $dir"; fail=$((fail + 1)); continue; }
    timeout 300 "$bin" "$dir" >"$OUT/$name.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name: exit $rc replaying $dir"; tail -30 "$OUT/$name.log"; fail=$((fail + 1))
    else
        echo "ok: $name: $(tail -1 "$OUT/$name.log")"; pass=$((pass + 1))
    fi
done
echo "fuzz-replay: $pass passed, $fail failed"
[ $fail -eq 0 ]
