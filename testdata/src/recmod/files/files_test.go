// Package files is recorded by tests/integration/record.sh: tests that make
// syscalls of their own, and one that fails when asked to.
package files

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 20; i++ {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte("sysflame"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStat(t *testing.T) {
	for i := 0; i < 50; i++ {
		if _, err := os.Stat("."); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFail fails when RECMOD_FAIL is set: record.sh checks that record
// exits with go test's status, shows go test's own output (a log line, a
// failed and a passed subtest) and still leaves a complete capture.
func TestFail(t *testing.T) {
	if os.Getenv("RECMOD_FAIL") == "" {
		return
	}
	t.Log("about to fail")
	t.Run("inner", func(t *testing.T) {
		t.Error("failing as asked (RECMOD_FAIL)")
	})
	t.Run("fine", func(t *testing.T) {
		t.Log("this one passes")
	})
}
