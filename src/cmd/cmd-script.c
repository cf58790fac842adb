/* cmd-script.c - 'sysflame script' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_script(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("script: not implemented yet");
    return SF_EXIT_FAIL;
}
