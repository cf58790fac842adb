/* outfile.h - atomic output files used by every writer.  Output goes to a
 * temporary file next to the target (same directory, so rename() is atomic);
 * commit renames it into place, abort or a failure removes it.  A fatal
 * SIGINT/SIGTERM/SIGHUP removes every temporary file still open, so an
 * interrupted run leaves neither a partial file nor a stray temp.
 *
 * Path "-" or NULL means standard output: commit only flushes and checks it. */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <stdio.h>
#include "sf.h"

struct outfile;

/* Opens a temporary file for `path` ("-"/NULL = stdout).  NULL on error
 * ("'DIR/x.svg': cannot create temporary file: Permission denied"). */
struct outfile *outfile_open(const char *path, struct sf_err *err);

/* The stream to write to. */
FILE *outfile_fp(struct outfile *o);

/* The final path ("-" for stdout). */
const char *outfile_path(const struct outfile *o);

/* Flushes, checks for write errors, fsyncs, closes and renames the temp
 * file into place.  Always frees `o`; on error the temp file is removed and
 * the target is left as it was.  0 ok, -1 error. */
int outfile_commit(struct outfile *o, struct sf_err *err);

/* Discards the output: closes and unlinks the temp file, frees `o`.
 * NULL is accepted.  For stdout it only frees. */
void outfile_abort(struct outfile *o);

/* Refuses an output that would destroy an input: 0 when `output` is none
 * of `paths` (same device and inode; "-" stands for standard input) and,
 * when it is an existing folder (report's), holds none of them at any
 * depth; otherwise -1 with err ("'x.data': is an input; ...").  An output
 * or a path that does not exist conflicts with nothing. */
int outfile_check_inputs(const char *output, const char *const *paths, size_t n,
                         struct sf_err *err);

#endif
