: > keep-empty.data; "$SYSFLAME" fold -o out.folded keep-empty.data
