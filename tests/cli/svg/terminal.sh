# svg without -o on a terminal refuses, as gzip does (script(1) gives it a
# terminal; what the terminal shows, then the exit status, are on stdout)
script -qec "\"$SYSFLAME\" svg \"$TESTDATA/rec/go-oracle.data\"; echo exit=\$?" /dev/null | tr -d "\r"
# a pipe or a file is fine
"$SYSFLAME" svg -q "$TESTDATA/rec/go-oracle.data" | grep -c "^<svg"
