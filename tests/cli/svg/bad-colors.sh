"$SYSFLAME" svg --colors rainbow x
