"$SYSFLAME" top --sort size x
