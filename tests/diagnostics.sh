#!/bin/sh
# Every diagnostic a command prints goes through the helpers of
# src/cmd/cmd-util.c (cmd_error, cmd_usage_error, cmd_warn,
# cmd_fail_if_held): one line that starts "sysflame: ".  This fails on a
# direct write to standard error anywhere else in src/cmd/ or src/main.c
# (main's usage listing aside), and on a message that spells a prefix of
# its own ("sysflame CMD: ...").  tests/cli/ checks the messages themselves.
set -u
: "${SRCDIR:?}"
fail=0
for f in "$SRCDIR"/src/cmd/*.c "$SRCDIR"/src/main.c; do
    case $f in */cmd-util.c) continue ;; esac
    if grep -n 'stderr' "$f" | grep -v 'usage(stderr)'; then
        echo "FAIL: $f writes to standard error itself: use cmd_error/cmd_usage_error/cmd_warn"
        fail=1
    fi
    if grep -nE '"sysflame( [a-z]+)?: ' "$f"; then
        echo "FAIL: $f spells a 'sysflame' prefix of its own: the helpers add it"
        fail=1
    fi
done
[ $fail = 0 ] && echo "diagnostics: every command message goes through cmd-util.c"
exit $fail
