// Package oracle is sysflame test data: every call of marker records the Go runtime's own view of the
// call stack (runtime.Callers + runtime.CallersFrames) and then makes an invalid prctl(2) whose option
// argument, 0x5F5F0000+id, names the call site in the syscalls:sys_enter_prctl tracepoint.
// The collected stacks are written to the file named by $ORACLE_OUT when the test binary finishes.
package oracle

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"syscall"
)

// MarkerBase is added to the marker id to form the prctl option (an invalid option: EINVAL).
const MarkerBase = 0x5F5F0000

type frame struct {
	fn   string
	file string
	line int
}

type site struct {
	count  int
	frames []frame
	// variants counts calls whose stack differed from the first one recorded.
	variants int
}

var (
	oracleMu sync.Mutex
	sites    = map[int]*site{}
)

// marker records the caller chain for id, then makes the marker syscall. Both happen on the same
// source line, so the oracle's line for the oracle.marker frame is the line of the syscall.Syscall call.
//
//go:noinline
func marker(id int) {
	syscall.Syscall(syscall.SYS_PRCTL, MarkerBase+uintptr(id), record(id), 0)
}

// record stores the runtime's view of the stack, starting at its caller (oracle.marker); it returns 0
// (the prctl arg2).
//
//go:noinline
func record(id int) uintptr {
	pcs := make([]uintptr, 4096)
	n := runtime.Callers(2, pcs) // skip runtime.Callers and record: the first frame is oracle.marker
	frs := runtime.CallersFrames(pcs[:n])
	var stack []frame
	for {
		f, more := frs.Next()
		stack = append(stack, frame{f.Function, f.File, f.Line})
		if !more {
			break
		}
	}
	oracleMu.Lock()
	s := sites[id]
	if s == nil {
		s = &site{frames: stack}
		sites[id] = s
	} else if !sameStack(s.frames, stack) {
		s.variants++
	}
	s.count++
	oracleMu.Unlock()
	return 0
}

func sameStack(a, b []frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// writeOracle writes all recorded stacks to path: per marker id (ascending) a line
// "marker <id> <count>", then one line "\t<Function>\t<File>:<Line>" per frame, innermost first
// (the first frame is oracle.marker itself), then an empty line.
func writeOracle(path string) error {
	oracleMu.Lock()
	defer oracleMu.Unlock()
	ids := make([]int, 0, len(sites))
	for id := range sites {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, id := range ids {
		s := sites[id]
		fmt.Fprintf(w, "marker %d %d\n", id, s.count)
		for _, fr := range s.frames {
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

// variantReport lists ids whose stacks were not all identical (should be none).
func variantReport() string {
	oracleMu.Lock()
	defer oracleMu.Unlock()
	s := ""
	for id, st := range sites {
		if st.variants > 0 {
			s += fmt.Sprintf(" %d(%d)", id, st.variants)
		}
	}
	return s
}
