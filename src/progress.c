/* progress.c - the progress line (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sf_int.h"

#define PROGRESS_AFTER_S 1.0      /* nothing for runs shorter than this */
#define PROGRESS_EVERY_S 0.25     /* at most four updates a second */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_begin(struct progress *pr, const char *label, int quiet)
{
    memset(pr, 0, sizeof(*pr));
    pr->every = sf_env_flag("SYSFLAME_PROGRESS");
    pr->on = !quiet && (pr->every || isatty(2));
    pr->label = label && strcmp(label, "-") ? label : "<stdin>";
    if (pr->on)
        pr->start = pr->last = now_s();
}

void progress_update(struct progress *pr, uint64_t done, uint64_t total)
{
    if (!pr->on || !total)
        return;
    double t = now_s();
    if (!pr->every && (t - pr->start < PROGRESS_AFTER_S || t - pr->last < PROGRESS_EVERY_S))
        return;
    pr->last = t;
    if (done > total)
        done = total;
    char left[48] = "";
    if (done && done < total) {
        double s = (t - pr->start) * (double)(total - done) / (double)done;
        if (s >= 60)
            snprintf(left, sizeof(left), " (%d min %02d s left)", (int)(s / 60), (int)s % 60);
        else
            snprintf(left, sizeof(left), " (%d s left)", (int)(s + 0.5));
    }
    int n = fprintf(stderr, "\rsysflame: reading %s: %d%%%s", pr->label,
                    (int)(100.0 * (double)done / (double)total), left);
    /* a shorter line than the one before leaves no tail */
    if (n > 0 && n - 1 < pr->width)
        fprintf(stderr, "%*s", pr->width - (n - 1), "");
    if (n > 0 && n - 1 > pr->width)
        pr->width = n - 1;
    fflush(stderr);
}

void progress_end(struct progress *pr)
{
    if (pr->on && pr->width) {
        fprintf(stderr, "\r%*s\r", pr->width, "");
        fflush(stderr);
    }
    pr->width = 0;
}
