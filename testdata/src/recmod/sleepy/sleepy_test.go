// Package sleepy is recorded by tests/integration/record.sh: a test that
// sleeps (wall time without syscalls of its own), two parallel tests whose
// windows overlap, and a long test for the interrupt check.
package sleepy

import (
	"os"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	time.Sleep(200 * time.Millisecond)
}

func TestParallelA(t *testing.T) {
	t.Parallel()
	time.Sleep(60 * time.Millisecond)
}

func TestParallelB(t *testing.T) {
	t.Parallel()
	time.Sleep(60 * time.Millisecond)
}

// TestLong runs only when asked: record.sh interrupts it.
func TestLong(t *testing.T) {
	if os.Getenv("RECMOD_LONG") == "" {
		t.Skip("set RECMOD_LONG to run")
	}
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		os.Getpid()
	}
}
