"$SYSFLAME" record --stack-size 12 -- true
