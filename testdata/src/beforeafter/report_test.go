package beforeafter

import (
	"path/filepath"
	"testing"
)

func TestWriteReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	const lines = 400
	if err := WriteReport(path, lines); err != nil {
		t.Fatal(err)
	}
	n, err := CountLines(path)
	if err != nil {
		t.Fatal(err)
	}
	if n != lines {
		t.Fatalf("got %d lines, want %d", n, lines)
	}
}

func TestSmallFiles(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		if err := WriteReport(filepath.Join(dir, "small"+string(rune('a'+i))), 10); err != nil {
			t.Fatal(err)
		}
	}
}
