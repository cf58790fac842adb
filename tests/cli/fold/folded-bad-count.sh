printf "a;b;c 3\nx;y\n" > keep-in.folded; "$SYSFLAME" fold keep-in.folded -o out.folded
