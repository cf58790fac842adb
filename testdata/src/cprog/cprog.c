/* sysflame test data: a few syscalls at distinct call depths through our own functions.
 * Built twice: cprog-fp (-O2 -g -fno-omit-frame-pointer) and cprog-nofp (-O2 -g -fomit-frame-pointer).
 * Call chains (innermost last), each syscall site is unique:
 *   main -> run_all -> level1_write -> emit                          write(/dev/null)        depth 4
 *   main -> run_all -> open_chain -> open_a -> open_b -> open_c      openat                  depth 6
 *   main -> run_all -> read_chain -> read_a..read_e -> do_read       read                    depth 8
 *   main -> run_all -> close_it (static inline, inlined into run_all) close                  depth 3 (2 physical)
 *   main -> run_all -> pid_chain -> pid_a -> raw_getpid              syscall(SYS_getpid)     depth 5
 *   main -> run_all -> pid_chain -> inl_pid (inlined) -> raw_getpid  syscall(SYS_getpid)     depth 5 (4 physical)
 *   main -> run_all -> asm_a -> asm_b -> asm_syscall3               write (inline asm)      depth 5
 *   main -> run_all -> asm_inl (inlined) -> asm_syscall3             getppid (inline asm)    depth 4 (3 physical)
 * The inline-asm sites execute SYSCALL inside this binary, so their stacks unwind without libc's
 * unwind tables; all other sites enter the kernel inside libc.so.6 (or ld.so for loader syscalls).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

volatile int sink;

static NOINLINE void emit(int fd, const char *msg)
{
	ssize_t r = write(fd, msg, strlen(msg));
	sink += (int)r;
}

static NOINLINE void level1_write(int fd)
{
	emit(fd, "cprog: hello from level1_write\n");
	sink++;
}

static NOINLINE int open_c(const char *path)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	sink++;
	return fd;
}

static NOINLINE int open_b(const char *path) { int r = open_c(path); sink++; return r; }
static NOINLINE int open_a(const char *path) { int r = open_b(path); sink++; return r; }
static NOINLINE int open_chain(const char *path) { int r = open_a(path); sink++; return r; }

static NOINLINE ssize_t do_read(int fd, char *buf, size_t n)
{
	ssize_t r = read(fd, buf, n);
	sink++;
	return r;
}

static NOINLINE ssize_t read_e(int fd, char *b, size_t n) { ssize_t r = do_read(fd, b, n); sink++; return r; }
static NOINLINE ssize_t read_d(int fd, char *b, size_t n) { ssize_t r = read_e(fd, b, n); sink++; return r; }
static NOINLINE ssize_t read_c(int fd, char *b, size_t n) { ssize_t r = read_d(fd, b, n); sink++; return r; }
static NOINLINE ssize_t read_b(int fd, char *b, size_t n) { ssize_t r = read_c(fd, b, n); sink++; return r; }
static NOINLINE ssize_t read_a(int fd, char *b, size_t n) { ssize_t r = read_b(fd, b, n); sink++; return r; }
static NOINLINE ssize_t read_chain(int fd, char *b, size_t n) { ssize_t r = read_a(fd, b, n); sink++; return r; }

static inline __attribute__((always_inline)) void close_it(int fd)
{
	close(fd);
	sink++;
}

static NOINLINE long raw_getpid(void)
{
	long r = syscall(SYS_getpid);
	sink++;
	return r;
}

static inline __attribute__((always_inline)) long inl_pid(void) { long r = raw_getpid(); sink++; return r; }
static NOINLINE long pid_a(void) { long r = raw_getpid(); sink++; return r; }
static NOINLINE long pid_chain(void) { long r = pid_a(); r += inl_pid(); sink++; return r; }

static NOINLINE long asm_syscall3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	sink++;
	return ret;
}

static NOINLINE long asm_b(int fd) { long r = asm_syscall3(SYS_write, fd, (long)"asm\n", 4); sink++; return r; }
static NOINLINE long asm_a(int fd) { long r = asm_b(fd); sink++; return r; }
static inline __attribute__((always_inline)) long asm_inl(void) { long r = asm_syscall3(SYS_getppid, 0, 0, 0); sink++; return r; }

NOINLINE void run_all(int rounds)
{
	char buf[256];
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (int i = 0; i < rounds; i++) {
		level1_write(out);
		int fd = open_chain("/etc/hostname");
		if (fd < 0)
			fd = open_chain("/proc/self/stat");
		if (fd >= 0) {
			read_chain(fd, buf, sizeof buf);
			close_it(fd);
		}
		pid_chain();
		asm_a(out);
		asm_inl();
	}
	close_it(out);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	run_all(rounds);
	return 0;
}
