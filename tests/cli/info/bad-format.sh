"$SYSFLAME" info --format yaml x
