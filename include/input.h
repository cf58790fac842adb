/* input.h - the driver's input table.  Every input (a path, or - for
 * standard input) is sniffed from its first bytes and loaded by the first
 * kind that claims it; a new input kind is one more row in input_kinds
 * (input.c) and one module with its sniff and load.
 *
 * Kinds today, in the order they are tried: perf.data (file, pipe, -z,
 * .zst: input_perf.c), perf script text (input_perfscript.c), folded
 * text (input_folded.c) and a folder written by `sysflame record`
 * (input_recdir.c, claimed by its path).  A kind's load adds to the loader's profile (its
 * stacks, statistics, the input's facts in *in); it reads the rest of the
 * input from src->fd (the head bytes are already read) or opens the path
 * again.  The table owns src->fd and closes it after load. */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "sf.h"

struct loader;

#define INPUT_HEAD 8192           /* bytes sniffed (a text kind judges whole lines) */

struct input_src {
    const char *path;             /* as given ("-" for standard input) */
    const char *name;             /* for messages: path, or "<stdin>" */
    int fd;                       /* open on the input, past the head */
    int is_stdin;
    const uint8_t *head;          /* the first nhead bytes */
    size_t nhead;
};

struct input_kind {
    const char *name;             /* "perf.data" */
    const char *what;             /* in messages: "a perf.data file" */
    int is_capture;               /* allowed with profile_opts.capture_only */
    /* Whether the input's first bytes are this kind's (NULL: the kind
     * reads folders only). */
    int (*sniff)(const uint8_t *head, size_t n);
    /* Whether the folder at path is this kind's (NULL: files only). */
    int (*claims_dir)(const char *path);
    /* Loads the input into L's profile.  0 ok, -1 error (err set). */
    int (*load)(struct loader *L, const struct input_src *src, struct input_info *in,
                struct sf_err *err);
};

extern const struct input_kind input_perf, input_perfscript, input_folded, input_recdir;

/* Streams the whole input to feed in chunks: the head first, then the rest
 * of src->fd.  0 ok, -1 error (a read error, or feed's). */
int input_stream(const struct input_src *src,
                 int (*feed)(void *arg, const char *buf, size_t len, struct sf_err *err),
                 void *arg, struct sf_err *err);

/* Opens path, sniffs it and loads it with its kind, adding an input_info
 * to L's profile.  0 ok, -1 error. */
int input_load(struct loader *L, const char *path, struct sf_err *err);

#endif
