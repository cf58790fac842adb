/* cmd.h - the subcommands, one file each in src/cmd/.  Only src/cmd/ and
 * src/main.c print to the terminal or choose an exit status.
 *
 * Adding a subcommand:
 *   1. write src/cmd/cmd-NAME.c with int cmd_NAME(int argc, char **argv)
 *   2. declare it here and add it to the table in src/main.c
 *   3. add the file to src_sysflame_SOURCES in Makefile.am
 *   4. document it in doc/sysflame.1 (tests/sync-docs.sh checks options)
 *   5. add tests/cli/NAME/ cases
 * A command parses its options (options.h), runs the pipeline (profile.h),
 * picks a writer, and returns an enum sf_exit value. */
#ifndef CMD_H
#define CMD_H

int cmd_info(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_fold(int argc, char **argv);
int cmd_svg(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_record(int argc, char **argv);

struct common_opts;
struct profile;
struct option;
struct sf_err;

/* Parses argv for a command: the common options plus `extra` (may be NULL)
 * whose codes go to `handle_extra` (1: taken, 0: not its option, -1: a bad
 * value, described in err, which cmd_parse prints as a usage error).
 * Positional arguments are returned in
 * *inputs / *nr_inputs (pointers into argv).  Returns -1 when parsing went
 * fine and the command should go on; otherwise the exit status to return
 * (0 after --help, 2 after a usage error, already reported). */
int cmd_parse(int argc, char **argv, const char *name, const char *usage,
              const struct option *extra, size_t nr_extra,
              int (*handle_extra)(int code, const char *arg, void *ctx,
                                  struct sf_err *err),
              void *ctx, struct common_opts *co, char ***inputs,
              size_t *nr_inputs);

/* -o must not replace what is read: refuses (prints, returns exit status 2)
 * an output that is one of the inputs or --binary files, or a folder that
 * holds one (report).  0 when it is none. */
int cmd_check_output(const struct common_opts *co, char **inputs, size_t nr_inputs);

/* Loads inputs into p (after cmd_check_output), prints the error or the
 * missing-binary summary.  Returns 0 or an exit status; p is released
 * with profile_release either way. */
int cmd_load(struct common_opts *co, char **inputs, size_t nr_inputs,
             struct profile *p);

/* What became of each --binary over the profiles of one run (every side
 * of a diff): says which mapping a binary matched by content was used
 * for; refuses (prints, returns exit status 2) one that served no mapping
 * (naming the recorded binaries it could be meant for), or that a mapping
 * took by content but whose code does not match the samples.  0 when
 * every one served. */
int cmd_check_binaries(const struct common_opts *co, const struct profile *const *ps,
                       size_t n);

/* Takes "--before A B" / "--after X Y" groups (files up to the next option)
 * out of argv, since getopt would lose their grouping; returns the new argc. */
struct strlist;
int cmd_take_sides(int argc, char **argv, struct strlist *before, struct strlist *after);

/* cmd_load with one side's own binaries (--before-binary/--after-binary)
 * in front of the common --binary list. */
/* Whether p's samples count syscalls (a capture's sys_enter events, perf
 * script text of them): svg's default --countname, else "samples". */
int cmd_counts_syscalls(const struct profile *p);

/* The BEFORE column of p's two-column (differential) folded input as a
 * profile of its own (stacks and total only, borrowed from p: not to be
 * released).  0 when p has no such column. */
int cmd_before_column(const struct profile *p, struct profile *before);

int cmd_load_side(const struct common_opts *co, char **files, size_t nr_files,
                  const struct strlist *side_binaries, struct profile *p);

/* Writes through write_fn to `path` (NULL or "-" = stdout) atomically:
 * on failure nothing is left behind and the error is printed.  Returns an
 * exit status. */
#include <stdio.h>
struct sf_err;
int cmd_write_output(const char *path,
                     int (*write_fn)(FILE *out, void *arg, struct sf_err *err),
                     void *arg);

/* Diagnostics.  Every message a command prints on standard error goes
 * through one of these three: one line that starts "sysflame: ".  A
 * problem with a file names the file first ("sysflame: 'FILE': problem"),
 * as the library's messages do. */

/* "sysflame: MSG". */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "sysflame: MSG; see 'sysflame CMD --help'"; returns SF_EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "sysflame: MSG", unless quiet: a summary of what was done (record). */
void cmd_note(int quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sysflame: warning: MSG", unless quiet. */
void cmd_warn(int quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sysflame: warning: PREFIXLINE" for each line of text, unless quiet. */
void cmd_warn_lines(int quiet, const char *prefix, const char *text);
/* "sysflame: --fail-if holds: LINE" for each line of `why` (the conditions
 * that held, as diff_cond_eval wrote them), unless quiet. */
void cmd_fail_if_held(int quiet, const char *why);

#endif
