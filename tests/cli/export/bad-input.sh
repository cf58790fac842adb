"$SYSFLAME" export --format trace -o out.json "$TESTDATA/bad/truncated-header.data"
