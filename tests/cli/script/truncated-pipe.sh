# A pipe-mode stream that ends inside a record (perf record -o - killed, or
# a copy cut short): read up to there, with a warning.  The truth is perf
# script on the whole stream: the samples read are its first ones, in
# order (headers up to the time); the same from standard input.
hdr() { grep -E '^\S.* \[[0-9]+\] +[0-9]+\.[0-9]{6}: ' "$1" | sed -E 's/^(.*\.[0-9]{6}): .*/\1/'; }
zstd -dc "$TESTDATA/rec/go-oracle.pipe.data.zst" | head -c 2000000 > keep-cut.pipe
"$SYSFLAME" script keep-cut.pipe --binary "$TESTDATA/bin/oracle.test" > keep-cut.txt || exit
hdr keep-cut.txt > keep-got
n=$(wc -l < keep-got)
hdr "$TESTDATA/rec/go-oracle.pipe.data.perf-script" | head -n "$n" > keep-want
[ "$n" -gt 0 ] && cmp -s keep-want keep-got && echo "the first $n samples of perf script's"
"$SYSFLAME" fold - --binary "$TESTDATA/bin/oracle.test" < keep-cut.pipe | awk '{ n += $NF } END { print n " samples folded from standard input" }'
