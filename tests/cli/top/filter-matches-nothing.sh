# Filters that match no sample: a warning names the filter and the closest
# values the capture has (perf script of go-oracle.data shows its comm
# oracle.test, pid 3377, syscalls:sys_enter_write ...); exit 0.  Values
# that match each alone but not together say that too.
cap="$TESTDATA/rec/go-oracle.data"
for f in "--comm oracle.tset" "--syscall wirte,write" "--event sys_enter_wirte" \
         "--pid 1" "--tid 359" "--comm oracle.test --syscall wait4" \
         "--syscall bind --event syscalls:sys_enter_listen"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" fold "$cap" $f --binary "$TESTDATA/bin/oracle.test" > /dev/null || echo "exit $?"
done
# the same when the capture is read in two processes (split.h)
SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=0.01 SYSFLAME_SPLIT_TRACE=1 "$SYSFLAME" fold -j 2 \
    "$TESTDATA/rec/go-oracle-plain.data" --binary "$TESTDATA/bin/oracle.test" \
    --syscall openat,wirte --comm oracle.test,x 2>&1 > /dev/null | sed 's/offset [0-9]*/offset N/' >&2
