# --limit 0: every row, no "more" line (41 syscalls)
"$SYSFLAME" top -q --limit 0 --tables syscalls "$TESTDATA/rec/go-enterexit.data" | grep -c -e "^[a-z_0-9]* *[0-9]" -e "more"
