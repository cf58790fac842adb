"$SYSFLAME" flame x
