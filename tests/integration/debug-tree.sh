# debug-tree.sh - sourced by integration tests (not a test itself).
# unpack_debug_tree DIR: unpacks testdata/debug/*.debug.zst, the debug files
# of the libc and ld.so the C recordings used, into DIR/.build-id/xx/rest.debug
# (a tree for --debug-dir).  Needs zstd and $TESTDATA.
unpack_debug_tree() {
    for z in "$TESTDATA"/debug/*.debug.zst; do
        id=$(basename "$z" .debug.zst)
        d="$1/.build-id/$(echo "$id" | cut -c1-2)"
        mkdir -p "$d" && zstd -q -d "$z" -o "$d/$(echo "$id" | cut -c3-).debug"
    done
}
