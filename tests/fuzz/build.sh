#!/bin/sh
# build.sh SRCDIR BUILDDIR - builds the libFuzzer harnesses with clang into
# BUILDDIR/fuzz/: every library source compiled with coverage + ASan + UBSan
# (independent of the normal build's compiler and flags), then one
# executable per tests/fuzz/fuzz_*.c.  CLANG overrides the compiler.
set -eu
SRCDIR=$(cd "$1" && pwd)
BUILDDIR=$(mkdir -p "$2" && cd "$2" && pwd)
CLANG=${CLANG:-clang}
OUT=$BUILDDIR/fuzz
mkdir -p "$OUT/obj"

command -v "$CLANG" >/dev/null 2>&1 || { echo "build.sh: $CLANG not found" >&2; exit 1; }
PKGS="libtraceevent libdw libelf libzstd"
PKG_CFLAGS=$(pkg-config --cflags $PKGS 2>/dev/null || echo -I/usr/include/traceevent)
PKG_LIBS="$(pkg-config --libs $PKGS 2>/dev/null || echo -ltraceevent -ldw -lelf -lzstd) -lz"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# _GNU_SOURCE: what configure's AC_USE_SYSTEM_EXTENSIONS puts in config.h
# (memrchr and friends would be implicit declarations, ints, without it)
CFLAGS="-std=gnu11 -D_GNU_SOURCE -g -O1 -pthread -Wall -Wextra -Wno-unused-parameter $SAN \
 -I$SRCDIR/include -I$OUT -DSF_TESTDATA=\"$SRCDIR/testdata\" $PKG_CFLAGS"

# The embedded templates (every file of templates/, as Makefile.am's
# TEMPLATE_FILES lists them), generated here so the normal build is not needed.
sh "$SRCDIR/build-aux/embed.sh" "$SRCDIR"/templates/* > "$OUT/templates.inc.tmp"
mv "$OUT/templates.inc.tmp" "$OUT/templates.inc"
[ -f "$OUT/config.h" ] || echo '#define PACKAGE_VERSION "fuzz"' > "$OUT/config.h"

objs=""
for src in "$SRCDIR"/src/*.c; do
    base=$(basename "$src" .c)
    [ "$base" = main ] && continue
    obj=$OUT/obj/$base.o
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$SRCDIR/include" "$SRCDIR/src" -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
        echo "  CLANG    $base.c"
        $CLANG $CFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    fi
    objs="$objs $obj"
done
rm -f "$OUT/libsysflame-fuzz.a"
ar rcs "$OUT/libsysflame-fuzz.a" $objs

for h in "$SRCDIR"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$h" .c)
    echo "  FUZZER   $name"
    $CLANG $CFLAGS -fsanitize=fuzzer "$h" "$OUT/libsysflame-fuzz.a" \
        $PKG_LIBS -lm -o "$OUT/$name"
done
echo "build.sh: harnesses in $OUT"
