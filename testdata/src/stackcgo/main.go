// stackcgo is sysflame test data for the cgo boundary (issue 15), built
// with CGO_CFLAGS='-O2 -fno-asynchronous-unwind-tables' so that its C code
// (this file's and runtime/cgo's x_cgo_mmap, _cgo_sys_thread_start...) has
// no unwind tables, as in binaries built by toolchains that drop them.  A
// frame-pointer walk through such code must not invent callers:
//
//	main -> C.c_nofp_write -> libc write          (no CFI, no frame pointer)
//	main -> C.c_fp_write -> libc write             (no CFI, frame pointer kept)
//	main -> C.cc_write -> probe::Emitter::emit     (C++, CFI, mangled names)
//	runtime.mmap -> callCgoMmap -> x_cgo_mmap -> libc mmap
//	newosproc -> _cgo_sys_thread_start -> pthread_create -> clone3
package main

/*
#include <string.h>
#include <unistd.h>

static volatile int sink;

__attribute__((noinline)) static void c_nofp_leaf(int fd)
{
	sink += (int)write(fd, "nofp\n", 5);
}

__attribute__((noinline)) static void c_nofp_write(int fd, int n)
{
	for (int i = 0; i < n; i++)
		c_nofp_leaf(fd);
	sink++;
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static void c_fp_leaf(int fd)
{
	sink += (int)write(fd, "fp\n", 3);
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static void c_fp_write(int fd, int n)
{
	for (int i = 0; i < n; i++)
		c_fp_leaf(fd);
	sink++;
}

extern void cc_write(int fd, int n);
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
)

//go:noinline
func goSide(fd int) {
	C.c_nofp_write(C.int(fd), 3)
	C.c_fp_write(C.int(fd), 3)
	C.cc_write(C.int(fd), 3)
}

func main() {
	f, err := os.OpenFile("/dev/null", os.O_WRONLY, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goSide(int(f.Fd()))
	// Goroutines blocked in syscalls make the runtime start more threads
	// (newosproc -> _cgo_sys_thread_start) and grow the heap (mmap).
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for k := range buf {
				buf[k] = byte(i + k)
			}
			C.c_nofp_write(C.int(f.Fd()), 1)
		}(i)
	}
	wg.Wait()
}
