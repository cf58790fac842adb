// Package beforeafter is sysflame test data for diffs: one source, two builds.
// `go test -c` gives before.test (unbuffered writes); `go test -c -tags after` gives after.test (bufio).
package beforeafter

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// WriteReport writes n lines to path.
func WriteReport(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var w io.Writer = f
	var bw *bufio.Writer
	if buffered {
		bw = bufio.NewWriterSize(f, 4096)
		w = bw
	}
	for i := 0; i < n; i++ {
		if err := writeLine(w, i); err != nil {
			f.Close()
			return err
		}
	}
	if bw != nil {
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

//go:noinline
func writeLine(w io.Writer, i int) error {
	_, err := fmt.Fprintf(w, "line %05d: the quick brown fox jumps over the lazy dog\n", i)
	return err
}

// CountLines reads path back in small reads (identical in both builds).
func CountLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 16384)
	n := 0
	for {
		_, err := r.ReadString('\n')
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}
