# A --binary that serves no mapping while the only binaries not found are
# pseudo-files ([vdso]: no ~/.debug in this empty HOME) is a warning, not
# an error: a --binary is a file, it cannot be meant for [vdso].
HOME=$TMP "$SYSFLAME" fold --binary "$TESTDATA/bin/before.test" --binary "$TESTDATA/bin/after.test" \
    "$TESTDATA/rec/sys-wide.data" -o out.fold && echo "exit 0, folded $(wc -l < out.fold) stacks"
