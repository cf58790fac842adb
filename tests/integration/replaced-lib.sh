#!/bin/sh
# A library replaced while a process keeps the old one mapped (a package
# upgrade renames a new file into place): perf records the mapping as
# "PATH (deleted)" with the old file's inode.  The file now at PATH often
# fits the mapping (another version of the library), so its symbols would
# name the frames wrongly; it is refused, saying why, and the mapped file
# given with --binary names them right.  A live recording (skipped without
# perf, tracefs or a C compiler).
# Truth: the frame names of the function the program runs (foo, which
# calls getppid) and the inodes stat gives.
set -u
: "${SYSFLAME:?}"
command -v perf >/dev/null && command -v cc >/dev/null || { echo "SKIP: perf or cc missing"; exit 77; }
[ -d /sys/kernel/tracing/events/syscalls ] || { echo "SKIP: no syscall tracepoints"; exit 77; }
tmp=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
cat > old.c <<'C'
#include <unistd.h>
void foo(void) { for (int i = 0; i < 400; i++) { getppid(); usleep(5000); } }
C
cat > new.c <<'C'
#include <unistd.h>
int bar(int x) { return x * 3; }
void foo(void) { for (int i = 0; i < 400; i++) { getppid(); bar(i); } }
C
printf 'void foo(void);\nint main(void) { foo(); return 0; }\n' > main.c
mkdir old && cc -O1 -g -fPIC -shared -o libfoo.so old.c && cp libfoo.so old/libfoo.so &&
    cc -o prog main.c -L. -lfoo -Wl,-rpath,"$tmp" || { echo "SKIP: cannot build"; exit 77; }
./prog & pid=$!
sleep 0.2
cc -O1 -g -fPIC -shared -o libfoo.new new.c && mv libfoo.new libfoo.so
perf record -q -e syscalls:sys_enter_getppid --call-graph dwarf -p "$pid" -o rec.data -- sleep 0.5 \
    > /dev/null 2>&1 || { echo "SKIP: perf record failed"; exit 77; }
wait "$pid"; pid=
perf script -i rec.data --show-mmap-events 2>/dev/null | grep -q "libfoo.so (deleted)" ||
    { echo "SKIP: the mapping is not recorded as deleted"; exit 77; }
mapped=$(perf script -i rec.data --show-mmap-events 2>/dev/null |
    sed -n 's/.*@ [0-9a-fx]* [0-9a-f]*:[0-9a-f]* \([0-9]*\) .*libfoo.so (deleted)$/\1/p' | head -1)
now=$(python3 -c 'import os; print(os.stat("libfoo.so").st_ino)')
"$SYSFLAME" fold rec.data > got 2> err
if ! grep -q "libfoo.so: deleted since it was mapped: $tmp/libfoo.so is another file now (inode $now on [0-9]*:[0-9]*, the mapped one $mapped on" err ||
   grep -q ';foo;' got; then
    echo "FAIL: the replaced library was not refused (inodes: mapped $mapped, now $now):"; cat err; head -3 got; fail=1
fi
"$SYSFLAME" fold -q rec.data --binary old/libfoo.so > got
grep -q ';foo;__GI_getppid;getppid \|;foo;getppid;getppid \|;foo;.*getppid [0-9]*$' got ||
    { echo "FAIL: with the mapped file, frames are not named foo:"; cat got; fail=1; }
[ $fail = 0 ] && echo "ok   replaced library refused (inode $mapped mapped, $now now); --binary the old one names foo"
exit $fail
