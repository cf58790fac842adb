#!/bin/sh
# quickstart.sh - sets sysflame up on a fresh Debian 12 machine and runs the
# main job on the bundled sample recording:
#   1. installs the Debian packages the build and the tests need,
#   2. configures and builds out of tree in ./build,
#   3. writes a flame graph and a hotspot table of testdata/rec/go-oracle.data.
# Run it from the top of the source tree.  Safe to run again.
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool pkg-config \
libtraceevent-dev libelf-dev libdw-dev libzstd-dev zlib1g-dev libdeflate-dev libiberty-dev libcmocka-dev \
python3 zstd binutils golang-1.19-go"
# Only for the browser test of the SVG (skipped where absent).
OPTIONAL_PACKAGES="chromium"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "quickstart: installing$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ "${SYSFLAME_NO_CHROMIUM:-0}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        $OPTIONAL_PACKAGES >/dev/null 2>&1 || echo "quickstart: chromium not installed; the browser test will be skipped" >&2
fi

[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror ${CONFIGURE_FLAGS:-}
make -j"$(nproc)"

sample=../testdata/rec/go-oracle.data
./src/sysflame svg "$sample" --binary ../testdata/bin/oracle.test -o oracle.svg
./src/sysflame top "$sample" --binary ../testdata/bin/oracle.test --limit 10
echo "quickstart: flame graph written to build/oracle.svg"
