printf "\\x01\\x02\\x03garbage\\x00" > keep-junk.data; "$SYSFLAME" fold -o out.folded keep-junk.data
