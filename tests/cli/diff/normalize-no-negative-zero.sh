# --normalize scales AFTER (1,000,011 samples) to BEFORE's 1,000,010: b's
# 10 samples become 9.99999, a change of -0.00001 that prints as 0.0 (as
# JSON prints 0), never "-0.0"
printf 'main;b 10\nmain;c 1000000\n' > keep-n1.folded
printf 'main;b 10\nmain;c 1000001\n' > keep-n2.folded
"$SYSFLAME" diff --table --normalize --format csv --limit 2 keep-n1.folded keep-n2.folded
"$SYSFLAME" diff --table --normalize --limit 2 keep-n1.folded keep-n2.folded | sed -n '8,11p'
