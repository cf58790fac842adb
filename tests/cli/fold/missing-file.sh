"$SYSFLAME" fold does-not-exist.data
