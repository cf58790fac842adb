/* json.h - a small JSON reader: parses one document into a tree of values.
 * For the files sysflame itself writes or reads next to a capture (a record
 * folder's manifest, go test -json events); not a streaming parser.
 *
 *     struct json doc;
 *     if (json_parse(text, len, &doc, &err) < 0) ...   // err: "line 3: ..."
 *     const char *go = json_str(json_get(&doc, "go"));
 *     json_release(&doc);
 *
 * Strings are decoded to UTF-8 (\u escapes and surrogate pairs included)
 * and NUL-terminated; a string holding a NUL byte is cut there. */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>
#include "sf.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    int boolean;                 /* JSON_BOOL */
    double number;               /* JSON_NUMBER */
    char *string;                /* JSON_STRING */
    struct json *items;          /* JSON_ARRAY elements, JSON_OBJECT values */
    char **keys;                 /* JSON_OBJECT: keys[i] names items[i] */
    size_t n;
};

/* Parses text[0..len) as one JSON value (surrounding whitespace allowed).
 * 0 ok; -1 with err set to "line N: what is wrong" (the caller adds the
 * file name).  Nesting deeper than 64 levels is refused. */
int json_parse(const char *text, size_t len, struct json *out, struct sf_err *err);
void json_release(struct json *v);

/* The member `key` of an object (the first one if repeated); NULL when v is
 * NULL, not an object, or has no such member. */
const struct json *json_get(const struct json *v, const char *key);
/* v's string, or NULL when v is NULL or not a string. */
const char *json_str(const struct json *v);
/* v's number in *out: 0, or -1 when v is NULL or not a number. */
int json_num(const struct json *v, double *out);

#endif
