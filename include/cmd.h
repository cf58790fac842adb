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

/* Prints "sysflame: MSG" to stderr (one line). */
void cmd_die_msg(const char *msg);
/* Prints "sysflame: warning: ..." unless quiet. */
void cmd_warn(int quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
