/* cmd-svg.c - 'sysflame svg' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_svg(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("svg: not implemented yet");
    return SF_EXIT_FAIL;
}
