# perf record killed: the header's data size is still 0 and the feature
# sections perf writes after the data are missing.  The samples up to the
# end of the file are read, with a warning; fold's counts add up to the
# samples that perf script shows in that part (its first ones, in order).
python3 -c "import struct, sys; d = bytearray(open(sys.argv[1], 'rb').read()); struct.pack_into('<Q', d, 48, 0); open('keep-killed.data', 'wb').write(d[:300000])" "$TESTDATA/rec/go-oracle-plain.data"
"$SYSFLAME" top keep-killed.data --binary "$TESTDATA/bin/oracle.test" --tables threads || exit
"$SYSFLAME" script -q keep-killed.data --binary "$TESTDATA/bin/oracle.test" > keep-script || exit
hdr() { grep -E '^\S.* \[[0-9]+\] +[0-9]+\.[0-9]{6}: ' "$1" | sed -E 's/^(.*\.[0-9]{6}): .*/\1/'; }
hdr keep-script > keep-got
hdr "$TESTDATA/rec/go-oracle-plain.data.perf-script" | head -n "$(wc -l < keep-got)" | cmp -s - keep-got &&
    echo "the first $(wc -l < keep-got) samples of perf script's"
