#!/bin/sh
# Regenerates the pclntab test data (owned by src/gosym.c's tests):
#   sh testdata/gosym/regen.sh            (from the repository root; needs Go 1.19 and zstd)
# - inlprog.bin       the Go 1.19 test binary (inlined helpers, wrappers), built -trimpath
# - inlprog.frames    runtime.CallersFrames output of inlprog.bin itself (the inline truth)
# - inlprog.nm        `go tool nm -n -type` text symbols of inlprog.bin (names and addresses)
# - *.gosym           debug/gosym dumps (dump/main.go) of inlprog.bin and testdata/gobin/*.zst
set -eu
GO=${GO:-/usr/lib/go-1.19/bin/go}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$here/inlprog" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -trimpath -o "$here/inlprog.bin" .)
"$here/inlprog.bin" > "$here/inlprog.frames"
"$GO" tool nm -n -type "$here/inlprog.bin" | awk '$2 == "T" || $2 == "t"' > "$here/inlprog.nm"
(cd "$here/dump" && "$GO" build -o "$tmp/gosymdump" .)
"$tmp/gosymdump" "$here/inlprog.bin" 3 > "$here/inlprog.gosym"
for z in "$here"/../gobin/*.zst; do
	b=$(basename "$z" .zst)
	zstd -q -d -f "$z" -o "$tmp/$b"
	"$tmp/gosymdump" "$tmp/$b" 40 > "$here/$b.gosym"
done
