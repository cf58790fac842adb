"$SYSFLAME" fold -j 0 x
