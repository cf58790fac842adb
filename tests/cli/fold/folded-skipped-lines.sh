printf "# a comment\na;b;c 3\nx;y\na;b -2\na;b;c 0.5\n" > keep-in.folded; "$SYSFLAME" fold keep-in.folded
