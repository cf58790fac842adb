"$SYSFLAME" fold
