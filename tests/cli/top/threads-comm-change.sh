# A thread that changes its name (perf forks perf-exec, which execs sleep;
# bash scripts exec their commands) has a row per name: each row counts the
# samples that had that name, as --comm selects them.  The truth is perf
# script on the same capture: its samples per comm (the first field; the
# capture's comms have no spaces) equal the threads table's rows summed
# per comm (with the recording perf process, which perf script shows too).
cap="$TESTDATA/rec/sys-wide.data"
"$SYSFLAME" top -q "$cap" --keep-recorder --tables threads --format csv --limit 0 |
    awk -F, 'NF == 5 && $4 ~ /^[0-9]+$/ { n[$1] += $4 } END { for (c in n) print c, n[c] }' |
    LC_ALL=C sort > keep-got
zstd -dc "$TESTDATA/rec/sys-wide.data.perf-script.zst" | awk '/^[^ \t]/ { n[$1]++ } END { for (c in n) print c, n[c] }' |
    LC_ALL=C sort > keep-want
cmp -s keep-want keep-got && echo "$(wc -l < keep-got) comms: the same sample counts as perf script" ||
    diff keep-want keep-got
# the thread that was perf-exec, then sleep: two rows, and --comm agrees
"$SYSFLAME" top -q "$cap" --tables threads --comm sleep,perf-exec
