# A report of a cpu-clock capture (31 samples, as perf script shows) says
# events, not syscalls: in summary.md, comment.md, the page and the graph.
"$SYSFLAME" report -q "$TESTDATA/rec/go-cpuclock.data" --binary "$TESTDATA/bin/oracle.test" -o keep-r || exit
grep -h -i 'syscall\|event' keep-r/summary.md keep-r/comment.md
grep -o 'Where the [a-z]* come from' keep-r/index.html
grep -o '<title>all ([^<]*</title>' keep-r/go-cpuclock.svg
