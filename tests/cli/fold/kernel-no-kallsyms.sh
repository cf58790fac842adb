# --kernel without --kallsyms: the kernel frames of go-cpuclock.data (15 of
# its 31 samples, by perf script's reading) cannot be named; say so.  With
# the recording boot's symbols, no warning.  (The binary is left out: its
# warning is another case's.)
"$SYSFLAME" fold -q --kernel "$TESTDATA/rec/go-cpuclock.data" -o k.fold && echo "quiet: nothing above"
"$SYSFLAME" fold --kernel --binary "$TESTDATA/bin/oracle.test" "$TESTDATA/rec/go-cpuclock.data" -o k.fold
"$SYSFLAME" fold --kernel --binary "$TESTDATA/bin/oracle.test" \
    --kallsyms "$TESTDATA/rec/go-cpuclock.data.kallsyms" "$TESTDATA/rec/go-cpuclock.data" -o k.fold
