"$SYSFLAME" record --bogus -- true
