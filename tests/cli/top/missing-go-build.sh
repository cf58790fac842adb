# go test deleted the binary it recorded: the warning says so and how to keep
# one; every table names the missing binary, nothing is filed as cgo
"$SYSFLAME" top --limit 5 "$TESTDATA/stacks/gotest.data"
