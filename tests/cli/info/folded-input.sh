printf "a;b 1\n" > keep-in.folded; "$SYSFLAME" info keep-in.folded
