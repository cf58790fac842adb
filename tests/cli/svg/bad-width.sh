"$SYSFLAME" svg --width abc x
