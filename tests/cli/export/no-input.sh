"$SYSFLAME" export --format pprof
