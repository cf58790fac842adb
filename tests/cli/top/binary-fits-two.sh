# A renamed before.test given for captures of before.test and after.test
# (two builds with one layout): it fits both mappings by content, so which
# one it is cannot be told: exit 2 naming both, in one load (fold of both
# captures) and across the sides of a diff.  Alone with its own capture it
# is used.
cp "$TESTDATA/bin/before.test" keep-x.test
b="$TESTDATA/rec/before-1.data" a="$TESTDATA/rec/after-1.data"
"$SYSFLAME" fold -q "$b" "$a" --binary keep-x.test > /dev/null
echo "fold: exit $?" >&2
"$SYSFLAME" diff -q "$b" "$a" --binary keep-x.test > /dev/null
echo "diff: exit $?" >&2
"$SYSFLAME" fold "$b" --binary keep-x.test > /dev/null
echo "fold alone: exit $?" >&2
