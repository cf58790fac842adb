/* deepc: deep C stacks for the stitching truth test (testdata/stitch).
 * Four threads recurse through two functions with big frames (1 KB and
 * 3 KB of locals) and write to /dev/null on the way down and up, so most
 * samples lie deeper than an 8 KiB stack copy reaches. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int null_fd;

static void touch(int n)
{
    char c = (char)n;
    if (write(null_fd, &c, 1) < 0)
        perror("write");
}

static int walk_small(int depth, int n);

__attribute__((noinline)) static int walk_big(int depth, int n)
{
    volatile char buf[3072];
    memset((char *)buf, n, sizeof(buf));
    touch(n);
    int s = buf[n % sizeof(buf)];
    if (depth > 0)
        s += walk_small(depth - 1, n + 1);
    touch(n);
    return s + buf[(n * 7) % sizeof(buf)];
}

__attribute__((noinline)) static int walk_small(int depth, int n)
{
    volatile char buf[1024];
    memset((char *)buf, n ^ 0x5a, sizeof(buf));
    int s = buf[n % sizeof(buf)];
    if (depth > 0)
        s += (n % 3 == 0) ? walk_small(depth - 1, n + 1) : walk_big(depth - 1, n + 1);
    else
        touch(n);
    return s;
}

static void *worker(void *arg)
{
    long id = (long)arg, s = 0;
    for (int r = 0; r < 12; r++)
    {
        s += walk_big(6 + (r * 5 + id * 3) % 18, r);
        usleep(2000);
    }
    return (void *)s;
}

int main(void)
{
    null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0)
        return 1;
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    long total = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    return total == 42;
}
