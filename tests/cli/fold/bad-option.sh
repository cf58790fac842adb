"$SYSFLAME" fold --frobnicate x
