#!/bin/sh
# run-cli.sh [--update] - runs every tests/cli/<command>/<case>.sh and
# compares its exit status (<case>.exit), standard error (<case>.stderr) and,
# when present, standard output (<case>.stdout) with the stored expectations.
# Paths are normalised: $TESTDATA -> @TESTDATA@, the case's temp dir -> @TMP@.
# --update rewrites the expectations from the current behaviour (review the
# diff before committing).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
here="$SRCDIR/tests/cli"
update=0
[ "${1:-}" = "--update" ] && update=1
pass=0; failn=0
for case in "$here"/*/*.sh; do
    [ -f "$case" ] || continue
    base=${case%.sh}
    name=${base#"$here"/}
    tmp=$(mktemp -d)
    (cd "$tmp" && SYSFLAME="$SYSFLAME" TESTDATA="$TESTDATA" TMP="$tmp" sh "$case") \
        > "$tmp/.stdout" 2> "$tmp/.stderr"
    status=$?
    for f in .stdout .stderr; do
        sed -e "s|$TESTDATA|@TESTDATA@|g" -e "s|$tmp|@TMP@|g" "$tmp/$f" > "$tmp/$f.n"
    done
    if [ $update = 1 ]; then
        echo "$status" > "$base.exit"
        cp "$tmp/.stderr.n" "$base.stderr"
        [ -f "$base.stdout" ] && cp "$tmp/.stdout.n" "$base.stdout"
        echo "updated $name"
        rm -rf "$tmp"
        continue
    fi
    ok=1
    want=$(cat "$base.exit" 2>/dev/null || echo missing)
    if [ "$status" != "$want" ]; then
        echo "FAIL $name: exit $status, expected $want"; ok=0
    fi
    if ! cmp -s "$tmp/.stderr.n" "$base.stderr"; then
        echo "FAIL $name: standard error differs:"; diff "$base.stderr" "$tmp/.stderr.n" | head -5; ok=0
    fi
    if [ -f "$base.stdout" ] && ! cmp -s "$tmp/.stdout.n" "$base.stdout"; then
        echo "FAIL $name: standard output differs:"; diff "$base.stdout" "$tmp/.stdout.n" | head -5; ok=0
    fi
    # Errors must never leave output files or temporaries behind.
    if [ "$want" != 0 ] && [ -n "$(ls -A "$tmp" | grep -v '^\.std' | grep -v '^keep')" ]; then
        echo "FAIL $name: left files behind: $(ls -A "$tmp" | grep -v '^\.std' | tr '\n' ' ')"; ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else failn=$((failn + 1)); fi
    rm -rf "$tmp"
done
echo "cli: $pass passed, $failn failed"
[ $failn = 0 ]
