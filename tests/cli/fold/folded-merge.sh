printf "a;b 3\na;c 1\n" > keep-one.folded; printf "a;b 2\n" > keep-two.folded; "$SYSFLAME" fold keep-one.folded keep-two.folded
