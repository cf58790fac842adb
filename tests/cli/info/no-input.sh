"$SYSFLAME" info
