/* floor.c - the benchmark's lower bound: map a file and touch every 8th
 * byte, as cheap as reading a capture can be.  Prints a checksum so the
 * loop cannot be optimised away. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 1;
    }
    size_t n = (size_t)st.st_size;
    const volatile unsigned char *p = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (n && p == (const void *)MAP_FAILED) {
        perror(argv[1]);
        return 1;
    }
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i += 8)
        sum += p[i];
    printf("%lu\n", sum);
    return 0;
}
