# a condition that holds: exit 3, the condition on standard error
printf 'main;write 10\nmain;read 10\n' > keep-b.folded
printf 'main;write 30\nmain;read 10\n' > keep-a.folded
"$SYSFLAME" diff --table --format csv --fail-if 'write>+50%' keep-b.folded keep-a.folded
