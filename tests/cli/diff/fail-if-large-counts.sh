# --fail-if's line gives the counts as the tables print them: millions
# exactly (not "2e+06 -> 2.5e+06", which hid the +1), fractional counts to
# their last decimal (near 2^53 units a double of samples loses it), and
# means over several runs to a tenth
printf 'main;write 2000000\nmain;read 10\n' > keep-big-b.folded
printf 'main;write 2500001\nmain;read 10\n' > keep-big-a.folded
"$SYSFLAME" diff --table --fail-if 'write>+1,total>+10%' keep-big-b.folded keep-big-a.folded > /dev/null
"$SYSFLAME" diff --table --fail-if 'write>+1' --before keep-big-b.folded keep-big-b.folded \
    --after keep-big-a.folded keep-big-b.folded > /dev/null
printf 'main;write 9007199253.999999\n' > keep-frac-b.folded
printf 'main;write 9007199253.999997\n' > keep-frac-a.folded
"$SYSFLAME" diff --table --fail-if 'write<+0' keep-frac-b.folded keep-frac-a.folded
