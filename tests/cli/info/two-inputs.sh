"$SYSFLAME" info a b
