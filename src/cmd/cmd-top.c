/* cmd-top.c - 'sysflame top' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_top(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("top: not implemented yet");
    return SF_EXIT_FAIL;
}
