#!/bin/sh
# Help, man page and behaviour agree:
#  1. every option a command's --help lists is documented in doc/sysflame.1,
#     and every command has its SYNOPSIS line;
#  2. every option a command's --help lists is accepted by that command
#     (not "bad option" or "does not apply");
#  3. no listed option is silently ignored: each has a probe below, a run
#     whose output (standard output, standard error, exit status and the
#     files written) must differ from the same run without it, or is in the
#     short list of options whose effect is not on the output, with why.
# A new option without a probe fails here until one is added.
set -u
: "${SYSFLAME:?}" "${SRCDIR:?}" "${TESTDATA:?}"
man="$SRCDIR/doc/sysflame.1"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
R=$TESTDATA/rec/go-oracle-plain.data
BIN=$TESTDATA/bin/oracle.test
BBIN=$TESTDATA/bin/before.test
B=$TESTDATA/rec/before-1.data
A=$TESTDATA/rec/after-1.data
E=$TESTDATA/rec/esbuild.data
cur_opt=

# Options whose effect is not on the output, for every command:
#   --help           prints the help instead of running
#   --jobs           same output with any number of workers (memo.sh checks)
#   --symfs, --debug-dir, --kallsyms  where binaries and symbols are looked
#                    up; tests/unit/test_symbolize and script-vs-perf use them
#   --kernel         kernel frames: no testdata capture has a kernel callchain
#                    (options.sh checks the capture says so)
#   --before, --after  the inputs themselves (diff-report.sh runs batches)
#   --alpha          the noise test's level: it needs repeated runs on both
#                    sides (diff-report.sh checks it)
#   --keep-recorder  the recording perf's samples: only a system-wide capture
#                    has them (syswide.sh checks it on sys-wide.data)
exempt=" --help --jobs --symfs --debug-dir --kallsyms --kernel --before --after --alpha --keep-recorder "
# record runs perf and go test, which the suite cannot count on: its options
# are checked by tests/integration/record.sh and tests/cli/record/ instead.
probed_cmds=" info script fold svg top diff report export "

# The inputs each command's probes run on (no --binary: warnings on stderr
# for -q to silence, [binary] frames for --binary to name).
inputs() {
    # --no-stitch: a capture with stacks that stitching completes
    if [ "$cur_opt" = --no-stitch ]; then
        case $1 in
        diff|report) echo "$E $E" ;;
        export) echo "--format speedscope $E" ;;
        *) echo "$E" ;;
        esac
        return
    fi
    case $1 in
    diff|report) echo "$B $A" ;;
    export) echo "--format speedscope $R" ;;
    *) echo "$R" ;;
    esac
}

# probe CMD OPTION: "EXTRA|PROBE": the run is CMD INPUTS EXTRA, then CMD
# INPUTS EXTRA PROBE (a later option wins).  Empty: no probe.
probe() {
    case "$1 $2" in
    "report --output") echo "" ;;       # required: every report run has it
    "diff --binary"|"report --binary") echo "|--binary $BBIN" ;;
    "diff --no-inline"|"report --no-inline") echo "--binary $BBIN|--no-inline" ;;
    *" --output") echo "|-o out" ;;
    *" --binary") echo "|--binary $BIN" ;;
    *" --comm") echo "|--comm nosuch" ;;
    *" --pid") echo "|--pid 1" ;;
    *" --tid") echo "|--tid 1" ;;
    *" --event") echo "|--event sys_enter_write" ;;
    *" --syscall") echo "|--syscall write" ;;
    "top --no-inline") echo "--binary $BIN --stacks 3|--no-inline" ;;
    *" --no-inline") echo "--binary $BIN|--no-inline" ;;
    *" --quiet") echo "|-q" ;;
    *" --no-stitch") echo "--binary $TESTDATA/bin/esbuild|--no-stitch" ;;
    "export --format") echo "|--format trace" ;;
    *" --format") echo "|--format json" ;;
    "fold --addrs"|"svg --addrs") echo "--binary $BIN|--addrs" ;;
    "fold --no-leaf"|"svg --no-leaf") echo "|--no-leaf" ;;
    "fold --with-pid"|"svg --with-pid") echo "|--with-pid" ;;
    "fold --with-tid"|"svg --with-tid") echo "|--with-tid" ;;
    "svg --colors") echo "-o out|--colors mem" ;;
    "svg --countname") echo "-o out|--countname calls" ;;
    "svg --flamechart") echo "-o out|--flamechart" ;;
    "svg --fontsize") echo "-o out|--fontsize 9" ;;
    "svg --fonttype") echo "-o out|--fonttype Arial" ;;
    "svg --hash") echo "-o out|--hash" ;;
    "svg --height") echo "-o out|--height 20" ;;
    "svg --inverted") echo "-o out|--inverted" ;;
    "svg --minwidth") echo "-o out|--minwidth 200" ;;
    "svg --nametype") echo "-o out|--nametype Frame:" ;;
    "svg --notes") echo "-o out|--notes hello" ;;
    "svg --reverse") echo "-o out|--reverse" ;;
    "svg --subtitle"|"diff --subtitle") echo "-o out|--subtitle hello" ;;
    "svg --title"|"diff --title") echo "-o out|--title hello" ;;
    "svg --width"|"diff --width") echo "-o out|--width 600" ;;
    "diff --minwidth") echo "-o out|--minwidth 50" ;;
    "top --limit"|"diff --limit") echo "|--limit 1" ;;
    "top --sort") echo "|--sort name" ;;
    "top --stacks") echo "|--stacks 1" ;;
    "top --tables") echo "|--tables syscalls" ;;
    "diff --table") echo "-o out|--table" ;;
    "diff --after-binary"|"report --after-binary") echo "|--after-binary $TESTDATA/bin/after.test" ;;
    "diff --before-binary"|"report --before-binary") echo "|--before-binary $TESTDATA/bin/before.test" ;;
    "diff --fail-if"|"report --fail-if") echo "|--fail-if write<-10%" ;;
    "diff --ignore-comm") echo "-o out|--ignore-comm" ;;
    "report --ignore-comm") echo "|--ignore-comm" ;;
    "diff --negate") echo "-o out|--negate" ;;
    "diff --shape"|"report --shape") echo "-o out|--shape before" ;;
    "diff --normalize"|"report --normalize") echo "|--normalize" ;;
    "report --limit") echo "|--limit 1" ;;
    "report --title") echo "|--title hello" ;;
    "report --report-url") echo "|--report-url https://example.org/r" ;;
    esac
}

# run CMD ARGS...: one line summing up everything the run produced.
run() {
    rm -rf "$tmp/w" && mkdir "$tmp/w"
    cmd=$1; shift
    # report writes a folder: every run has one
    [ "$cmd" = report ] && set -- -o rep "$@"
    # shellcheck disable=SC2046
    (cd "$tmp/w" && "$SYSFLAME" "$cmd" $(inputs "$cmd") "$@" > .stdout 2> .stderr; echo "exit $?" > .exit)
    (cd "$tmp/w" && find . -type f | LC_ALL=C sort | while read -r f; do
        # the report page names its own build time nowhere; paths are the same
        md5sum "$f"; done) | md5sum
}

for cmd in info script fold svg top diff report export record; do
    if ! "$SYSFLAME" "$cmd" --help > "$tmp/help" 2>&1; then
        echo "FAIL: sysflame $cmd --help failed"; fail=1; continue
    fi
    grep -q "^\.B sysflame $cmd" "$man" || { echo "FAIL: command $cmd missing from SYNOPSIS"; fail=1; }
    for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
        esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
        if ! grep -q -- "$esc" "$man"; then
            echo "FAIL: sysflame $cmd: option $opt is not in doc/sysflame.1"; fail=1
        fi
        # 2. accepted (a value of 1 may be a bad value, which is fine here)
        "$SYSFLAME" "$cmd" "$opt" 1 > /dev/null 2> "$tmp/err" < /dev/null
        if grep -q "bad option\|unknown option\|does not apply" "$tmp/err"; then
            echo "FAIL: sysflame $cmd --help lists $opt, which it refuses: $(cat "$tmp/err")"
            fail=1; continue
        fi
        # 3. not ignored
        case $exempt in *" $opt "*) continue ;; esac
        case $probed_cmds in *" $cmd "*) ;; *) continue ;; esac
        p=$(probe "$cmd" "$opt")
        if [ -z "$p" ]; then
            [ "$cmd $opt" = "report --output" ] && continue
            echo "FAIL: sysflame $cmd $opt has no probe in tests/sync-docs.sh: add one"; fail=1
            continue
        fi
        extra=${p%%|*} with=${p#*|} cur_opt=$opt
        key=$(printf '%s' "$cmd $extra" | md5sum | cut -c1-16)
        # shellcheck disable=SC2086
        [ -f "$tmp/base.$key" ] || run "$cmd" $extra > "$tmp/base.$key"
        # shellcheck disable=SC2086
        if [ "$(cat "$tmp/base.$key")" = "$(run "$cmd" $extra $with)" ]; then
            echo "FAIL: sysflame $cmd ignores $opt: '$with' changes nothing"; fail=1
        fi
    done
done
[ $fail = 0 ] && echo "sync-docs: every --help option is in the man page, accepted, and has an effect"
exit $fail
