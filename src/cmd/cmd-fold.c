/* cmd-fold.c - 'sysflame fold' (being written). */
#include <stdio.h>
#include "cmd.h"
#include "sf.h"

int cmd_fold(int argc, char **argv)
{
    (void)argc; (void)argv;
    cmd_die_msg("fold: not implemented yet");
    return SF_EXIT_FAIL;
}
