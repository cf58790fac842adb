# --countname: "samples" for folded input (flamegraph.pl's), "syscalls" for a
# syscall capture, as given otherwise; --minwidth takes a percentage
printf 'main;a 3\nmain;b 1\n' > f.folded
"$SYSFLAME" svg -q f.folded | grep -o 'Total: [^<]*'
"$SYSFLAME" svg -q --countname ms f.folded | grep -o 'Total: [^<]*'
"$SYSFLAME" svg -q --binary "$TESTDATA/bin/oracle.test" "$TESTDATA/rec/go-oracle-plain.data" | grep -o 'Total: [0-9,]* [a-z]*'
"$SYSFLAME" svg -q --minwidth 30% f.folded | grep -o 'Total: [^<]*'
"$SYSFLAME" svg --minwidth 30x f.folded; rc=$?
rm -f f.folded
exit $rc
