/* cmd-info.c - 'sysflame info' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_info(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("info: not implemented yet");
    return SF_EXIT_FAIL;
}
