# the help lists exactly the options report takes: -o is the folder, no --format
"$SYSFLAME" report --help | sed -n "/^common options:/,\$p"
