"$SYSFLAME" record -o "$TMP/rec"
