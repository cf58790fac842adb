/* test_frames.c - the frame table of a finished profile (result.h): what
 * each folded frame name was resolved from.  Truths independent of the
 * table: the Go runtime's own file for each function (runtime.Callers in
 * the oracle files), the build-ids perf recorded (rec/ENVIRONMENT), and
 * the same capture read in one process or split in two. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "result.h"
#include "testutil.h"

static void load(const char *rec, int jobs, struct profile *p)
{
    static char bins[3][4096];
    snprintf(bins[0], sizeof(bins[0]), "%s", testdata_path("bin/oracle.test"));
    snprintf(bins[1], sizeof(bins[1]), "%s", testdata_path("bin/cprog-fp"));
    snprintf(bins[2], sizeof(bins[2]), "%s", testdata_path("sysroot"));
    const char *binaries[] = { bins[0], bins[1] };
    struct profile_opts o = PROFILE_OPTS_INIT;
    o.jobs = jobs;
    o.quiet = 1;
    o.bin.binaries = binaries;
    o.bin.nr_binaries = 2;
    o.bin.symfs = bins[2];
    char path[4096];
    snprintf(path, sizeof(path), "%s", testdata_path(rec));
    const char *paths[] = { path };
    struct sf_err err = { { 0 } };
    assert_int_equal(profile_load(paths, 1, &o, p, &err), 0);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Every Go function of go-oracle.data whose file the oracle names (the
 * runtime's view: "oracle.marker oracle/marker.go:43") has that file in
 * the frame table, and the recorded binary. */
static void test_go_files_match_the_oracle(void **state)
{
    (void)state;
    struct blob b;
    assert_int_equal(blob_load(testdata_path("rec/go-oracle.oracle"), &b), 0);
    struct profile p;
    load("rec/go-oracle.data", 2, &p);
    size_t checked = 0;
    for (char *line = strtok((char *)b.data, "\n"); line; line = strtok(NULL, "\n")) {
        char func[512], file[512];
        if (line[0] != '\t' || sscanf(line, "\t%511s\t%511[^:]", func, file) != 2)
            continue;
        for (size_t id = 0; id < stack_nr_names(p.stacks); id++) {
            const struct frame_info *f = frame_table_get(&p.frames, (uint32_t)id);
            if (!f || !f->function || strcmp(f->function, func) != 0)
                continue;
            assert_int_equal(f->kind, FRAME_USER);
            assert_non_null(f->file);
            if (!ends_with(f->file, file))
                fail_msg("%s: file %s, the runtime says %s", func, f->file, file);
            assert_true(f->line > 0);
            assert_string_equal(f->binary, "/tmp/sfrec/oracle.test");
            assert_string_equal(f->build_id, "");   /* Go's linker writes none */
            checked++;
        }
    }
    assert_true(checked >= 20);
    profile_release(&p);
    free(b.data);
}

/* libc's frames in a C program's capture carry libc's build-id as perf
 * recorded it, and C frames their source file. */
static void test_build_ids_and_c_files(void **state)
{
    (void)state;
    struct profile p;
    load("rec/cprog-fp.data", 1, &p);
    size_t libc = 0, prog = 0;
    for (size_t id = 0; id < stack_nr_names(p.stacks); id++) {
        const struct frame_info *f = frame_table_get(&p.frames, (uint32_t)id);
        if (!f || !f->binary)
            continue;
        if (ends_with(f->binary, "/libc.so.6")) {
            assert_string_equal(f->build_id, "93ac61ec5a8eb1396f9fbd350e3169a558528a40");
            libc++;
        } else if (!strcmp(f->binary, "/tmp/sfrec/cprog-fp") && f->function &&
                   !strcmp(f->function, "main")) {
            assert_non_null(f->file);
            assert_true(ends_with(f->file, "cprog.c"));
            assert_int_equal(strlen(f->build_id), 40);
            prog++;
        }
    }
    assert_true(libc > 0);
    assert_int_equal(prog, 1);
    profile_release(&p);
}

/* Read whole or split in two processes (the child sends its frame table
 * back with its profile): the same entry for every name. */
static void test_split_keeps_the_table(void **state)
{
    (void)state;
    struct profile one, two;
    load("rec/go-oracle-plain.data", 1, &one);
    setenv("SYSFLAME_SPLIT_MIN_BYTES", "0", 1);
    setenv("SYSFLAME_SPLIT_AT", "0.01", 1);
    load("rec/go-oracle-plain.data", 2, &two);
    unsetenv("SYSFLAME_SPLIT_MIN_BYTES");
    unsetenv("SYSFLAME_SPLIT_AT");
    size_t compared = 0;
    for (size_t id = 0; id < stack_nr_names(one.stacks); id++) {
        const struct frame_info *a = frame_table_get(&one.frames, (uint32_t)id);
        uint32_t id2 = stack_intern(two.stacks, stack_name(one.stacks, (uint32_t)id),
                                    stack_name_len(one.stacks, (uint32_t)id));
        const struct frame_info *b = frame_table_get(&two.frames, id2);
        if (!a) {
            assert_null(b);
            continue;
        }
        assert_non_null(b);
        assert_int_equal(a->kind, b->kind);
        assert_string_equal(a->function, b->function);
        assert_string_equal(a->binary, b->binary);
        assert_string_equal(a->build_id, b->build_id);
        assert_int_equal(a->inlined, b->inlined);
        assert_true((a->file == NULL) == (b->file == NULL));
        if (a->file)
            assert_string_equal(a->file, b->file);
        compared++;
    }
    assert_true(compared >= 20);
    profile_release(&one);
    profile_release(&two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_files_match_the_oracle),
        cmocka_unit_test(test_build_ids_and_c_files),
        cmocka_unit_test(test_split_keeps_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
