package stackgen

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"syscall"
)

// markerBase + id is the prctl option of a marker (invalid: EINVAL).
const markerBase = 0x5F5F0000

type frame struct {
	fn, file string
	line     int
}

var (
	mu     sync.Mutex
	stacks = map[int][]frame{}
)

// marker stores the runtime's view of its caller chain, then makes the
// marker syscall, both on one line.
//
//go:noinline
func marker(id int) {
	syscall.Syscall(syscall.SYS_PRCTL, markerBase+uintptr(id), callers(id), 0)
}

//go:noinline
func callers(id int) uintptr {
	pcs := make([]uintptr, 256)
	n := runtime.Callers(2, pcs) // the first frame is stackgen.marker
	frs := runtime.CallersFrames(pcs[:n])
	var st []frame
	for {
		f, more := frs.Next()
		st = append(st, frame{f.Function, f.File, f.Line})
		if !more {
			break
		}
	}
	mu.Lock()
	stacks[id] = st
	mu.Unlock()
	return 0
}

// writeOracle writes the stacks in tests/integration/oracle_check.py's
// format: "marker ID 1", then "\tFunction\tFile:Line" per frame, innermost
// first, then an empty line.
func writeOracle(path string) error {
	mu.Lock()
	defer mu.Unlock()
	ids := make([]int, 0, len(stacks))
	for id := range stacks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, id := range ids {
		fmt.Fprintf(w, "marker %d 1\n", id)
		for _, fr := range stacks[id] {
			fmt.Fprintf(w, "\t%s\t%s:%d\n", fr.fn, fr.file, fr.line)
		}
		fmt.Fprintln(w)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
