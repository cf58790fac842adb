/* bench/memscale.c - how this machine's memory scales with threads, on a
 * real capture: the records of perf.data FILE are found first (not timed),
 * then THREADS threads, each with its half (third...) of them, read the first
 * LINES cache lines of every record, the pattern of decoding and unwinding a
 * sample.  Compare THREADS 1 and 2 to see what a perfect split of that work
 * would gain (doc/performance.md, round 6).
 *
 *   cc -O2 -pthread -o memscale bench/memscale.c
 *   ./memscale FILE LINES THREADS
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const uint8_t *map;
static uint64_t *offs;
static uint16_t *sizes;
static size_t nrec;
static int lines;

struct part { size_t from, to; uint64_t sum; };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *reader(void *arg)
{
    struct part *p = arg;
    uint64_t sum = 0;
    for (size_t i = p->from; i < p->to; i++)
        for (int l = 0; l < lines && (size_t)l * 64 < sizes[i]; l++)
            sum += map[offs[i] + (size_t)l * 64];
    p->sum = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: memscale FILE LINES THREADS\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 104) {
        fprintf(stderr, "memscale: cannot read %s\n", argv[1]);
        return 1;
    }
    lines = atoi(argv[2]);
    int threads = atoi(argv[3]);
    if (lines < 1 || threads < 1 || threads > 64) {
        fprintf(stderr, "memscale: LINES and THREADS must be positive (THREADS <= 64)\n");
        return 2;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED || memcmp(map, "PERFILE2", 8) != 0) {
        fprintf(stderr, "memscale: %s is not a perf.data file\n", argv[1]);
        return 1;
    }
    uint64_t data_off, data_size;
    memcpy(&data_off, map + 40, 8);
    memcpy(&data_size, map + 48, 8);
    uint64_t end = data_off + data_size;
    if (end > (uint64_t)st.st_size || end < data_off) {
        fprintf(stderr, "memscale: %s: data section past the end of the file\n", argv[1]);
        return 1;
    }
    size_t cap = 1024;
    offs = malloc(cap * sizeof(*offs));
    sizes = malloc(cap * sizeof(*sizes));
    for (uint64_t pos = data_off; pos + 8 <= end;) {
        uint16_t size;
        memcpy(&size, map + pos + 6, 2);
        if (size < 8 || pos + size > end)
            break;
        if (nrec == cap) {
            cap *= 2;
            offs = realloc(offs, cap * sizeof(*offs));
            sizes = realloc(sizes, cap * sizeof(*sizes));
        }
        offs[nrec] = pos;
        sizes[nrec++] = size;
        pos += size;
    }
    pthread_t tid[64];
    struct part parts[64];
    double t0 = now();
    for (int t = 0; t < threads; t++) {
        parts[t] = (struct part){ nrec * (size_t)t / (size_t)threads,
                                  nrec * (size_t)(t + 1) / (size_t)threads, 0 };
        pthread_create(&tid[t], NULL, reader, &parts[t]);
    }
    uint64_t sum = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        sum += parts[t].sum;
    }
    printf("%zu records, %d lines each, %d threads: %.1f ms (%llu)\n", nrec, lines, threads,
           (now() - t0) * 1e3, (unsigned long long)(sum & 1));
    return 0;
}
