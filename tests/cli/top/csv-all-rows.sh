# csv and json are read by programs: every row without --limit (41 syscall
# rows, plus the total, lost and duration lines)
"$SYSFLAME" top -q --format csv --tables syscalls "$TESTDATA/rec/go-enterexit.data" | grep -c -e "^[a-z_0-9]*,[0-9]" -e "more"
