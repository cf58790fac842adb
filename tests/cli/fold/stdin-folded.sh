printf "x;y 2\nx;y 1\n" | "$SYSFLAME" fold -
