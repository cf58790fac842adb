# --fail-if naming a syscall, call site or test that is on neither side:
# a warning with the closest names of that table (diff and report).
b="$TESTDATA/rec/before-1.data" a="$TESTDATA/rec/after-1.data"
bins="--before-binary $TESTDATA/bin/before.test --after-binary $TESTDATA/bin/after.test"
# shellcheck disable=SC2086
"$SYSFLAME" diff "$b" "$a" $bins --fail-if 'wirte>+10%,callsite:os.(*File).Wirte>+1,test:beforeafter.TestWrite>1,total>+1000%' > /dev/null
echo "diff: exit $?"
# shellcheck disable=SC2086
"$SYSFLAME" report "$b" "$a" $bins -o rep --fail-if 'wirte>+10%'
echo "report: exit $?"
