# Every hostile file in testdata/bad gives exit 1 and exactly the one-line
# error stored next to it (testdata/bad/NAME.err), never a crash.
cd "$TESTDATA/bad" || exit 99
for d in *.data; do
    name=${d%.data}
    "$SYSFLAME" info "$d" > /dev/null 2> "$TMP/err"
    rc=$?
    want="sysflame: $(cat "$name.err")"
    if [ $rc = 1 ] && [ "$(cat "$TMP/err")" = "$want" ]; then
        echo "ok $name"
    else
        echo "FAIL $name: exit $rc: $(cat "$TMP/err")"
    fi
done
rm -f "$TMP/err"
