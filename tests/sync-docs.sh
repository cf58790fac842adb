#!/bin/sh
# Every option a command's --help lists is documented in doc/sysflame.1,
# and every command in the man page exists.
set -u
: "${SYSFLAME:?}" "${SRCDIR:?}"
man="$SRCDIR/doc/sysflame.1"
fail=0
for cmd in info script fold svg top diff report export record; do
    if ! "$SYSFLAME" "$cmd" --help > /tmp/sync-docs.$$ 2>&1; then
        echo "FAIL: sysflame $cmd --help failed"; fail=1; continue
    fi
    for opt in $(grep -o -- '--[a-z][a-z-]*' /tmp/sync-docs.$$ | sort -u); do
        esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
        if ! grep -q -- "$esc" "$man"; then
            echo "FAIL: sysflame $cmd: option $opt is not in doc/sysflame.1"; fail=1
        fi
    done
    grep -q "^\.B sysflame $cmd" "$man" || { echo "FAIL: command $cmd missing from SYNOPSIS"; fail=1; }
done
rm -f /tmp/sync-docs.$$
[ $fail = 0 ] && echo "sync-docs: every --help option is in the man page"
exit $fail
