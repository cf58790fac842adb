/* floor.c - the benchmark's lower bounds for reading a capture, as cheap as
 * reading it can be: map the file and touch every 8th byte (default), or,
 * with --read, read() it whole in 1 MiB reads into one buffer and touch
 * every 8th byte of that.  Prints a checksum so the loop cannot be
 * optimised away. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1 << 20)

int main(int argc, char **argv)
{
    int use_read = argc == 3 && strcmp(argv[1], "--read") == 0;
    if (argc != 2 && !use_read) {
        fprintf(stderr, "usage: floor [--read] FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(path);
        return 1;
    }
    unsigned long sum = 0;
    if (use_read) {
        unsigned char *buf = malloc(CHUNK);
        ssize_t r;
        while (buf && (r = read(fd, buf, CHUNK)) > 0)
            for (ssize_t i = 0; i < r; i += 8)
                sum += ((volatile unsigned char *)buf)[i];
        if (!buf || r < 0) {
            perror(path);
            return 1;
        }
        printf("%lu\n", sum);
        return 0;
    }
    size_t n = (size_t)st.st_size;
    const volatile unsigned char *p = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (n && p == (const void *)MAP_FAILED) {
        perror(path);
        return 1;
    }
    for (size_t i = 0; i < n; i += 8)
        sum += p[i];
    printf("%lu\n", sum);
    return 0;
}
