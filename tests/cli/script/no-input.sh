"$SYSFLAME" script
