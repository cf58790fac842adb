SYSFLAME_RECORD_DIR= "$SYSFLAME" record --go-exec ./x.test
