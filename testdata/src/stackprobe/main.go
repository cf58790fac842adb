// stackprobe is sysflame test data for unwinding real programs (issues 14
// and 15).  Built with -buildmode=pie and CGO_ENABLED=0 it is an internally
// linked ET_DYN Go binary without a GNU build-id, whose first mapping is the
// kernel's whole reservation.  It spawns processes: os/exec's fork path runs
// syscall.rawVforkSyscall, which pops its return address into R12 before
// SYSCALL, and /bin/sh (dash) starts its first command through libc's vfork,
// whose CFI keeps the return address in RDI.  Its markers (prctl with option
// 0x5F5F0000+id, as in the oracle test) record runtime.Callers at call
// sites where the compiler wraps a call and inlines the callee into the
// wrapper: the runtime hides the wrapper but shows the inlined frames.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// T's String has a value receiver: fmt calls it through the wrapper
// (*T).String that the compiler generates, with T.String inlined into it.
type T struct{ id int }

func (t T) String() string {
	marker(t.id)
	return "T"
}

// U is the control: U.String is not inlined, so the wrapper calls it.
type U struct{ id int }

//go:noinline
func (u U) String() string {
	marker(u.id)
	return "U"
}

// leafInl is small enough to be inlined into the compiler's go/defer
// wrapper closures.
func leafInl(id int) { marker(id) }

func leafInlDone(id int, wg *sync.WaitGroup) {
	marker(id)
	wg.Done()
}

type Counter struct{ n int }

// Inc is inlined into the method-value wrapper Inc-fm.
func (c *Counter) Inc(id int) {
	c.n++
	marker(id)
}

//go:noinline
func (c *Counter) IncNoInl(id int) {
	c.n++
	marker(id)
}

//go:noinline
func viaStringer(s fmt.Stringer) string { return s.String() }

//go:noinline
func deferInlined(id int) {
	for i := 0; i < 1; i++ {
		defer leafInl(id) // in a loop: a real defer record, run by deferreturn
	}
}

//go:noinline
func deferOpenCoded(id int) {
	defer leafInl(id)
}

//go:noinline
func goInlined(id int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go leafInlDone(id, &wg)
	wg.Wait()
}

//go:noinline
func callFunc(f func(int), id int) { f(id) }

//go:noinline
func spawn(name string, args ...string) {
	cmd := exec.Command(name, args...)
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "stackprobe:", err)
		os.Exit(1)
	}
}

func main() {
	viaStringer(&T{1})            // 1: (*T).String wrapper, T.String inlined
	viaStringer(&U{2})            // 2: (*U).String wrapper, U.String a frame of its own
	_ = fmt.Sprint(&T{3})         // 3: the same shape from fmt.(*pp).handleMethods
	deferInlined(4)               // 4: defer wrapper closure, leafInl inlined
	deferOpenCoded(5)             // 5: open-coded defer wrapper, leafInl inlined
	goInlined(6)                  // 6: go wrapper closure, leafInlDone inlined
	c := &Counter{}
	callFunc(c.Inc, 7)            // 7: method value Inc-fm, Inc inlined
	callFunc(c.IncNoInl, 8)       // 8: method value IncNoInl-fm, a frame of its own
	for i := 0; i < 3; i++ {
		spawn("/bin/true")
	}
	spawn("/bin/sh", "-c", "/bin/true; /bin/true")
	if out := os.Getenv("ORACLE_OUT"); out != "" {
		if err := writeOracle(out); err != nil {
			fmt.Fprintln(os.Stderr, "stackprobe:", err)
			os.Exit(1)
		}
	}
}
