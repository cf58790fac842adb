/* tracepoint.h - DECODER stage, tracepoint half: parses the tracing-data blob
 * (HEADER_TRACING_DATA feature or pipe record) and feeds its event formats to
 * libtraceevent, then decodes tracepoint RAW payloads: event name, the
 * `perf script`-style field text, syscall names and numeric fields. */
#ifndef TRACEPOINT_H
#define TRACEPOINT_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"

struct tp_set;
struct tp_event;  /* one tracepoint format (opaque; backed by tep_event) */

/* Parses the blob.  `name` (the capture's path) is used in messages.
 * Returns 0 or -1 ("'F': tracing data: truncated at byte N"). */
int tp_parse(const char *name, const uint8_t *blob, size_t size,
             struct tp_set **out, struct sf_err *err);
void tp_free(struct tp_set *s);

/* Nothing of s will be printed (no tp_format_fields): formats not yet
 * parsed are handed to libtraceevent without their print fmt, whose parse
 * is most of a format's cost (~0.2 M instructions each); names, syscall
 * facts and fields are the same.  tp_format_fields would print raw fields. */
void tp_no_print(struct tp_set *s);

/* The format with this id (attr.config), or NULL. */
const struct tp_event *tp_find(const struct tp_set *s, uint64_t id);
/* Whether format id is a syscalls:sys_exit_* tracepoint, read from its
 * text without parsing it. */
int tp_is_syscall_exit(const struct tp_set *s, uint64_t id);
const char *tp_system(const struct tp_event *e);   /* "syscalls" */
const char *tp_name(const struct tp_event *e);     /* "sys_enter_write" */

/* Syscall facts of an event: kind 1 = sys_enter_X, 2 = sys_exit_X,
 * 0 = not a syscall tracepoint; *syscall = "X" (static storage in the set). */
int tp_syscall(const struct tp_event *e, const char **syscall);

/* Appends the event's fields as `perf script` prints them after the event
 * name (e.g. "fd: 0x00000003, buf: 0xc000049eed, count: 0x0000000b"). */
void tp_format_fields(const struct tp_set *s, const struct tp_event *e,
                      const uint8_t *raw, uint32_t raw_size, int cpu,
                      uint64_t time, struct sbuf *out);

/* A numeric field by name ("ret", "fd", "__syscall_nr"); 0 found, -1 not. */
int tp_field_u64(const struct tp_set *s, const struct tp_event *e,
                 const uint8_t *raw, uint32_t raw_size, const char *field,
                 uint64_t *val);

/* Thread-safety: after tp_parse, lookups and tp_field_u64 may run from
 * several threads; tp_format_fields takes an internal lock. */
#endif
