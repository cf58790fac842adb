/* cmd-report.c - 'sysflame report' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_report(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("report: not implemented yet");
    return SF_EXIT_FAIL;
}
