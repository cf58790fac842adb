/* main.c - the command table: picks a subcommand, runs it, and turns a
 * failed flush of standard output into exit status 1.  All work is done in
 * src/cmd/ and the library. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "sf.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    { "info", cmd_info, "recording metadata, event counts, losses, unwinding statistics" },
    { "script", cmd_script, "one block per sample, perf script layout, full stacks" },
    { "fold", cmd_fold, "folded stacks, one unique stack a line" },
    { "svg", cmd_svg, "interactive flame graph (perf.data or folded input)" },
    { "top", cmd_top, "syscall-hotspot tables" },
    { "diff", cmd_diff, "differential flame graph and delta tables" },
    { "report", cmd_report, "every artifact for one or two recordings in a folder" },
    { "export", cmd_export, "stacks for pprof, speedscope or Perfetto (--format)" },
    { "record", cmd_record, "run go test (or a program) under perf into a capture folder" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: sysflame <command> [options] FILE...\n\ncommands:\n");
    for (size_t i = 0; i < SF_ARRAY_SIZE(commands); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'sysflame <command> --help' lists a command's options; "
               "'man sysflame' has the details.\n");
}

int main(int argc, char **argv)
{
    /* A closed pipe (sysflame fold F | head) ends us with SIGPIPE, quietly,
     * as it ends every other filter: keep the default action. */
    signal(SIGPIPE, SIG_DFL);

    if (argc < 2) {
        usage(stderr);
        return SF_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SF_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("sysflame %s\n", PACKAGE_VERSION);
        return SF_EXIT_OK;
    }
    for (size_t i = 0; i < SF_ARRAY_SIZE(commands); i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        int rc = commands[i].fn(argc - 1, argv + 1);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            if (errno == EPIPE)
                return rc;
            cmd_error("error writing standard output: %s", strerror(errno));
            return SF_EXIT_FAIL;
        }
        return rc;
    }
    cmd_error("'%s' is not a command; see 'sysflame --help'", argv[1]);
    return SF_EXIT_USAGE;
}
