// cgodemo is sysflame test data: mixed Go/C stacks in both directions.
//
//	Go main -> goSide -> C.c_write_devnull -> c_level2 -> write(2)            (Go calls C, C makes the syscall)
//	Go main -> goSide -> C.c_call_back -> c_cb_level2 -> goCallback -> Go os.File.Write -> write(2)
//	                                                                       (C calls back into Go, Go makes the syscall)
//	goroutine -> C.c_getpid_deep -> ... -> syscall(SYS_getpid)            (C syscall from a non-main goroutine)
package main

/*
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

extern void goCallback(int);

static volatile int c_sink;

__attribute__((noinline)) static void c_level2(int fd, const char *msg)
{
	c_sink += (int)write(fd, msg, strlen(msg));
}

__attribute__((noinline)) static void c_write_devnull(int n)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (int i = 0; i < n; i++)
		c_level2(fd, "from C\n");
	close(fd);
	c_sink++;
}

__attribute__((noinline)) static void c_cb_level2(int n)
{
	for (int i = 0; i < n; i++)
		goCallback(i);
	c_sink++;
}

__attribute__((noinline)) static void c_call_back(int n)
{
	c_cb_level2(n);
	c_sink++;
}

__attribute__((noinline)) static long c_pid3(void) { long r = syscall(SYS_getpid); c_sink++; return r; }
__attribute__((noinline)) static long c_pid2(void) { long r = c_pid3(); c_sink++; return r; }
__attribute__((noinline)) static long c_getpid_deep(void) { long r = c_pid2(); c_sink++; return r; }
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
)

var devnull *os.File

//export goCallback
func goCallback(i C.int) {
	goWriter(int(i))
}

//go:noinline
func goWriter(i int) {
	fmt.Fprintf(devnull, "from Go callback %d\n", i)
}

//go:noinline
func goSide() {
	C.c_write_devnull(3)
	C.c_call_back(3)
}

func main() {
	var err error
	devnull, err = os.OpenFile("/dev/null", os.O_WRONLY, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goSide()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			C.c_getpid_deep()
		}()
	}
	wg.Wait()
	devnull.Close()
}
