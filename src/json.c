/* json.c - a small recursive-descent JSON reader (RFC 8259). */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct jp {
    const char *p, *end, *start;
    struct sf_err *err;
};

static int jp_line(const struct jp *j)
{
    int line = 1;
    for (const char *q = j->start; q < j->p && q < j->end; q++)
        line += *q == '\n';
    return line;
}

static int jp_fail(struct jp *j, const char *what)
{
    if (j->p >= j->end)
        return sf_error(j->err, "line %d: %s (the text ends there)", jp_line(j), what);
    return sf_error(j->err, "line %d: %s", jp_line(j), what);
}

static void skip_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void add_utf8(struct sbuf *sb, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    sbuf_add(sb, b, n);
}

/* At the opening quote; leaves j->p past the closing one. */
static int parse_string(struct jp *j, char **out)
{
    struct sbuf sb = SBUF_INIT;
    j->p++;
    for (;;) {
        const char *run = j->p;
        while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20)
            j->p++;
        sbuf_add(&sb, run, (size_t)(j->p - run));
        if (j->p >= j->end || (unsigned char)*j->p < 0x20) {
            sbuf_release(&sb);
            return jp_fail(j, "unterminated string");
        }
        if (*j->p == '"') {
            j->p++;
            break;
        }
        /* a backslash escape */
        if (j->end - j->p < 2) {
            sbuf_release(&sb);
            return jp_fail(j, "unterminated string");
        }
        char c = j->p[1];
        j->p += 2;
        switch (c) {
        case '"': sbuf_addch(&sb, '"'); break;
        case '\\': sbuf_addch(&sb, '\\'); break;
        case '/': sbuf_addch(&sb, '/'); break;
        case 'b': sbuf_addch(&sb, '\b'); break;
        case 'f': sbuf_addch(&sb, '\f'); break;
        case 'n': sbuf_addch(&sb, '\n'); break;
        case 'r': sbuf_addch(&sb, '\r'); break;
        case 't': sbuf_addch(&sb, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (j->end - j->p < 4 || hex4(j->p, &cp) < 0) {
                sbuf_release(&sb);
                return jp_fail(j, "bad \\u escape");
            }
            j->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u' && hex4(j->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j->p += 6;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;     /* a lone surrogate */
            }
            add_utf8(&sb, cp);
            break;
        }
        default:
            sbuf_release(&sb);
            j->p -= 1;
            return jp_fail(j, "bad escape in string");
        }
    }
    *out = sbuf_detach(&sb);
    return 0;
}

static int is_digit(const struct jp *j)
{
    return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static int parse_number(struct jp *j, double *out)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (!is_digit(j))
        return jp_fail(j, "bad number");
    if (*j->p++ != '0')
        while (is_digit(j))
            j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!is_digit(j))
            return jp_fail(j, "bad number");
        while (is_digit(j))
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!is_digit(j))
            return jp_fail(j, "bad number");
        while (is_digit(j))
            j->p++;
    }
    if (is_digit(j) || (j->p < j->end && *j->p == '.')) {
        j->p = s;
        return jp_fail(j, "bad number");
    }
    char buf[64];
    size_t n = (size_t)(j->p - s);
    if (n >= sizeof(buf))
        return jp_fail(j, "number too long");
    memcpy(buf, s, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    if (!isfinite(*out)) {
        j->p = s;
        return jp_fail(j, "number out of range");
    }
    return 0;
}

static int parse_value(struct jp *j, struct json *v, int depth);

static int parse_container(struct jp *j, struct json *v, int depth, int object)
{
    size_t cap = 0, kcap = 0;
    j->p++;
    skip_ws(j);
    char close = object ? '}' : ']';
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        skip_ws(j);
        char *key = NULL;
        if (object) {
            if (j->p >= j->end || *j->p != '"')
                return jp_fail(j, "expected a member name");
            if (parse_string(j, &key) < 0)
                return -1;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(key);
                return jp_fail(j, "expected ':'");
            }
            j->p++;
        }
        v->items = xgrow(v->items, sizeof(*v->items), v->n + 1, &cap);
        if (object) {
            v->keys = xgrow(v->keys, sizeof(*v->keys), v->n + 1, &kcap);
            v->keys[v->n] = key;
        }
        memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
        v->n++;
        if (parse_value(j, &v->items[v->n - 1], depth + 1) < 0)
            return -1;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        return jp_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int match_word(struct jp *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
        return 0;
    j->p += n;
    return 1;
}

static int parse_value(struct jp *j, struct json *v, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return jp_fail(j, "nested too deeply");
    skip_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, "expected a value");
    switch (*j->p) {
    case '{':
        v->type = JSON_OBJECT;
        return parse_container(j, v, depth, 1);
    case '[':
        v->type = JSON_ARRAY;
        return parse_container(j, v, depth, 0);
    case '"':
        v->type = JSON_STRING;
        return parse_string(j, &v->string);
    case 't':
    case 'f':
    case 'n':
        if (match_word(j, "true")) {
            v->type = JSON_BOOL;
            v->boolean = 1;
        } else if (match_word(j, "false")) {
            v->type = JSON_BOOL;
        } else if (match_word(j, "null")) {
            v->type = JSON_NULL;
        } else {
            return jp_fail(j, "unexpected word");
        }
        return 0;
    default:
        v->type = JSON_NUMBER;
        return parse_number(j, &v->number);
    }
}

int json_parse(const char *text, size_t len, struct json *out, struct sf_err *err)
{
    struct jp j = { text, text + len, text, err };
    memset(out, 0, sizeof(*out));
    if (parse_value(&j, out, 0) < 0) {
        json_release(out);
        return -1;
    }
    skip_ws(&j);
    if (j.p != j.end) {
        json_release(out);
        return jp_fail(&j, "text after the value");
    }
    return 0;
}

void json_release(struct json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_release(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    memset(v, 0, sizeof(*v));
}

const struct json *json_get(const struct json *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (v->keys[i] && !strcmp(v->keys[i], key))
            return &v->items[i];
    return NULL;
}

const char *json_str(const struct json *v)
{
    return v && v->type == JSON_STRING ? v->string : NULL;
}

int json_num(const struct json *v, double *out)
{
    if (!v || v->type != JSON_NUMBER)
        return -1;
    *out = v->number;
    return 0;
}
