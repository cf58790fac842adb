"$SYSFLAME" top --tables syscalls,bogus x
