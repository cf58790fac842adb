printf "a;b -3\n# nothing else\n" > keep-in.folded; "$SYSFLAME" fold keep-in.folded -o out.folded
