/* test_outfile.c - atomic output: commit renames into place, abort and
 * failures leave the old file and no temporary, a fatal signal removes the
 * temp, write errors (ENOSPC on /dev/full, EFBIG under RLIMIT_FSIZE) fail. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test_outfile.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

/* Number of entries in dir, and whether one is named `only`. */
static int count_entries(const char *only, int *found)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    *found = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (only && !strcmp(e->d_name, only))
            *found = 1;
    }
    closedir(d);
    return n;
}

static void read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void write_plain(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_commit(void **state)
{
    (void)state;
    char path[512], buf[64];
    struct sf_err err;
    int found;
    snprintf(path, sizeof(path), "%s/out.txt", dir);
    struct outfile *o = outfile_open(path, &err);
    assert_non_null(o);
    fputs("hello\n", outfile_fp(o));
    /* Before commit the target does not exist, only the temp does. */
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(count_entries("out.txt", &found), 1);
    assert_false(found);
    assert_int_equal(outfile_commit(o, &err), 0);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "hello\n");
    assert_int_equal(count_entries("out.txt", &found), 1);
    assert_true(found);
    /* Mode follows the umask like open() would, not mkstemp's 0600. */
    struct stat st;
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
}

static void test_abort_keeps_old(void **state)
{
    (void)state;
    char path[512], buf[64];
    struct sf_err err;
    int found;
    snprintf(path, sizeof(path), "%s/keep.txt", dir);
    write_plain(path, "old\n");
    struct outfile *o = outfile_open(path, &err);
    assert_non_null(o);
    fputs("new content\n", outfile_fp(o));
    outfile_abort(o);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "old\n");
    assert_int_equal(count_entries("keep.txt", &found), 1);
    assert_true(found);
    outfile_abort(NULL);
}

static void test_dev_full(void **state)
{
    (void)state;
    struct sf_err err;
    if (access("/dev/full", W_OK) != 0)
        skip();
    struct outfile *o = outfile_open("/dev/full", &err);
    assert_non_null(o);
    for (int i = 0; i < 10000; i++)
        fputs("0123456789", outfile_fp(o));
    assert_int_equal(outfile_commit(o, &err), -1);
    assert_non_null(strstr(err.msg, "'/dev/full': write error"));
}

static void test_efbig_leaves_nothing(void **state)
{
    (void)state;
    char path[512], buf[64];
    int found;
    snprintf(path, sizeof(path), "%s/big.txt", dir);
    write_plain(path, "old\n");
    /* In a child: the file-size limit must not leak into other tests. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sf_err err;
        struct rlimit rl = { 4096, 4096 };
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &rl);
        struct outfile *o = outfile_open(path, &err);
        if (!o)
            _exit(10);
        for (int i = 0; i < 2000; i++)
            fputs("0123456789", outfile_fp(o));
        if (outfile_commit(o, &err) != -1)
            _exit(11);
        if (!strstr(err.msg, "big.txt': write error"))
            _exit(12);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "old\n");
    assert_int_equal(count_entries("big.txt", &found), 1);
    assert_true(found);
}

static void test_signal_removes_temp(void **state)
{
    (void)state;
    char path[512];
    int found;
    snprintf(path, sizeof(path), "%s/sig.svg", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sf_err err;
        struct outfile *a = outfile_open(path, &err);
        char p2[600];
        snprintf(p2, sizeof(p2), "%s/second.txt", dir);
        struct outfile *b = outfile_open(p2, &err);
        if (!a || !b)
            _exit(10);
        fputs("partial", outfile_fp(a));
        fflush(outfile_fp(a));
        raise(SIGTERM);
        _exit(11);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_int_equal(count_entries(NULL, &found), 0);
}

static void test_open_errors(void **state)
{
    (void)state;
    char path[512];
    struct sf_err err;
    snprintf(path, sizeof(path), "%s/no/such/dir/x.txt", dir);
    assert_null(outfile_open(path, &err));
    assert_non_null(strstr(err.msg, "cannot create temporary file"));
    assert_non_null(strstr(err.msg, "x.txt'"));
    assert_null(outfile_open(dir, &err));
    assert_non_null(strstr(err.msg, "is a directory"));
}

static void test_stdout(void **state)
{
    (void)state;
    struct sf_err err;
    struct outfile *o = outfile_open("-", &err);
    assert_non_null(o);
    assert_ptr_equal(outfile_fp(o), stdout);
    assert_string_equal(outfile_path(o), "-");
    assert_int_equal(outfile_commit(o, &err), 0);
    o = outfile_open(NULL, &err);
    assert_ptr_equal(outfile_fp(o), stdout);
    outfile_abort(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dev_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_efbig_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_removes_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
