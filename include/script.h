/* script.h - WRITER for `sysflame script`: one block per sample in
 * `perf script`'s default text layout (header line byte-for-byte as perf
 * 6.1 prints it for tracepoint samples with callchains), then one line per
 * frame, innermost first, then an empty line. */
#ifndef SCRIPT_H
#define SCRIPT_H

#include <stdio.h>
#include "sf.h"
#include "profile.h"
#include "session.h"

struct script_writer {
    FILE *out;
    struct session *session;     /* for event-name width and tracepoints */
    int name_width;              /* widest event name of the capture */
    struct sbuf line;
};

/* Prepares for a capture (computes perf's event-name column width). */
void script_begin(struct script_writer *w, FILE *out, struct session *s);
/* Writes one sample block; 0 ok, -1 on write error. */
int script_sample(struct script_writer *w, const struct sess_sample *ss,
                  const struct profile_sample *ps, struct sf_err *err);
void script_release(struct script_writer *w);

#endif
