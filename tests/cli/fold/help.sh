"$SYSFLAME" fold --help > /dev/null
