"$SYSFLAME" record --mmap-pages 1000 -- true
