#!/usr/bin/env bash
# Makes the Go symbolization golden for tests/unit/test_symbolize.c:
# pcs spread over the functions of testdata/bin/oracle.test, answered by
# `go tool addr2line` (physical function name, innermost file:line).
# usage: testdata/symbolize/mk-go-golden.sh   (writes oracle-addr2line.golden)
set -euo pipefail
TD=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-/usr/lib/go-1.19/bin/go}
BIN=$TD/bin/oracle.test
OUT=$TD/symbolize/oracle-addr2line.golden
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# text symbols with a size: entry, entry+size/2, entry+size-1 of every 7th
"$GO" tool nm -size -sort address "$BIN" | awk '$3 == "T" && $2 > 0 { print $1, $2 }' |
	while read -r addr size; do
		n=$((${n:-0} + 1))
		[ $((n % 7)) = 0 ] || continue
		a=$((16#$addr))
		printf '0x%x\n0x%x\n0x%x\n' "$a" $((a + size / 2)) $((a + size - 1))
	done > "$tmp"
{
	echo "# pc<TAB>function<TAB>file:line from: go tool addr2line testdata/bin/oracle.test"
	"$GO" tool addr2line "$BIN" < "$tmp" | paste - - | paste "$tmp" - |
		awk -F'\t' '{ print $1 "\t" $2 "\t" $3 }'
} > "$OUT"
wc -l "$OUT"
