# --normalize scales AFTER (33 samples) to BEFORE's 13: the root's two
# sums of scaled weights differ by a rounding error, a change that the
# graph's tooltips give as "+0", never "-0"
printf 'main;b 3\nmain;c 7\nmain;d 3\n' > n1.folded
printf 'main;b 9\nmain;c 21\nmain;d 3\n' > n2.folded
"$SYSFLAME" diff --normalize n1.folded n2.folded -o n.svg
grep -o '<title>[a-z]* ([^<]*' n.svg | sed -n '1,2p'
rm -f n1.folded n2.folded n.svg
