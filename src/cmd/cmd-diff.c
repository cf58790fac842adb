/* cmd-diff.c - 'sysflame diff' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_diff(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("diff: not implemented yet");
    return SF_EXIT_FAIL;
}
