/*
 * template.c: Dispytch 0.11's topic and partition-key templates, Python str.format strings filled
 * with an event's fields (KafkaEventRoute(topic="users.{region}"),
 * KafkaEventConfig(partition_key="{user[id]}")), and Python's str()/repr() of msgpack values, so a
 * key or topic made here is byte for byte the one Python makes.
 *
 * The subset of str.format: literal text with {{ and }} escapes; fields "name", then any number of
 * ".attr" and "[key]" accessors (a key of digits is an integer index, as in Python); conversions
 * !s, !r, !a; no format spec (Dispytch's templates have none) and no positional fields (format is
 * called with keywords only). Both accessors read the msgpack map: an event dumped by pydantic has
 * dicts where the model has sub-models, so "{user.id}" and "{user[id]}" name the same field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/events/events.h"
#include "client/format/json.h"

#define MAX_DEPTH 64

/* One parsed field: the name span, then accessors scanned again from there while rendering. */
typedef struct {
    const char *name; /* the field text between { and its end (conversion excluded) */
    size_t len;
    char conv; /* 0, 's', 'r' or 'a' */
} field_t;

static kfk_err_t fail(char *errstr, size_t n, const char *what, const char *tpl, const char *why) {
    if (errstr && n)
        snprintf(errstr, n, "%s %s: %s", what, tpl, why);
    return KFK_ERR__INVALID_ARG;
}

/* Parses the field starting after '{' at *pp; on success *pp is past its '}'. */
static const char *parse_field(const char **pp, field_t *f) {
    const char *p = *pp;
    f->name = p;
    f->conv = 0;
    /* The field name: up to '!', ':' or '}', skipping over [...] (which may hold any of them). */
    while (*p && *p != '}' && *p != '!' && *p != ':') {
        if (*p == '{')
            return "unexpected '{' in field name";
        if (*p == '[') {
            while (*p && *p != ']')
                p++;
            if (!*p)
                return "missing ']' in format string";
        }
        p++;
    }
    f->len = (size_t)(p - f->name);
    if (*p == '!') {
        p++;
        if (*p != 's' && *p != 'r' && *p != 'a')
            return *p ? "unknown conversion specifier (expected !s, !r or !a)"
                      : "end of string while looking for conversion specifier";
        f->conv = *p++;
        if (*p != ':' && *p != '}')
            return "expected ':' after conversion specifier";
    }
    if (*p == ':') {
        if (p[1] != '}')
            return "format specs are not supported";
        p++;
    }
    if (*p != '}')
        return "expected '}' before end of string";
    *pp = p + 1;
    /* The name: an argument name, then .attr / [key] accessors. */
    const char *q = f->name, *end = f->name + f->len;
    const char *arg = q;
    while (q < end && *q != '.' && *q != '[')
        q++;
    if (q == arg)
        return "a field needs a name (Dispytch fills templates by field name)";
    int digits = 1;
    for (const char *d = arg; d < q; d++)
        if (*d < '0' || *d > '9')
            digits = 0;
    if (digits)
        return "positional fields are not supported (Dispytch fills templates by field name)";
    while (q < end) {
        if (*q == '.') {
            const char *s = ++q;
            while (q < end && *q != '.' && *q != '[')
                q++;
            if (q == s)
                return "empty attribute in format string";
        } else if (*q == '[') {
            const char *s = ++q;
            while (q < end && *q != ']')
                q++;
            if (q == end)
                return "missing ']' in format string";
            if (q == s)
                return "empty attribute in format string";
            q++;
            if (q < end && *q != '.' && *q != '[')
                return "only '.' or '[' may follow ']' in format field specifier";
        } else {
            return "only '.' or '[' may follow a field name";
        }
    }
    return NULL;
}

/* Walks the template; with @p fields NULL only checks it. */
static kfk_err_t walk(const char *tpl, const msgpack_object *fields, const char *what,
                      kfk_wbuf_t *out, char *errstr, size_t n) {
    if (!tpl)
        return fail(errstr, n, what, "(null)", "no template");
    const char *p = tpl;
    while (*p) {
        const char *lit = p;
        while (*p && *p != '{' && *p != '}')
            p++;
        if (out && p > lit)
            kfk_wbuf_put_raw(out, lit, (size_t)(p - lit));
        if (!*p)
            break;
        if (p[0] == p[1]) { /* {{ or }} */
            if (out)
                kfk_wbuf_put_raw(out, p, 1);
            p += 2;
            continue;
        }
        if (*p == '}')
            return fail(errstr, n, what, tpl, "single '}' encountered in format string");
        p++;
        if (!*p)
            return fail(errstr, n, what, tpl, "single '{' encountered in format string");
        field_t f;
        const char *why = parse_field(&p, &f);
        if (why)
            return fail(errstr, n, what, tpl, why);
        if (!fields)
            continue;
        /* Look the field up: the argument, then each accessor. */
        const msgpack_object *o = fields;
        const char *q = f.name, *end = f.name + f.len;
        char shown[256];
        size_t sl = 0;
        int first = 1;
        while (q < end) {
            const char *s;
            size_t len;
            int index = 0;
            if (first || *q == '.') {
                s = first ? q : q + 1;
                q = s;
                while (q < end && *q != '.' && *q != '[')
                    q++;
                len = (size_t)(q - s);
            } else { /* [key] */
                s = ++q;
                while (*q != ']')
                    q++;
                len = (size_t)(q - s);
                q++;
                index = 1;
                for (size_t i = 0; i < len; i++)
                    if (s[i] < '0' || s[i] > '9')
                        index = 0;
            }
            int k =
                snprintf(shown + sl, sizeof shown - sl, "%s%.*s", first ? "" : ".", (int)len, s);
            if (k > 0)
                sl = sl + (size_t)k < sizeof shown ? sl + (size_t)k : sizeof shown - 1;
            first = 0;
            const msgpack_object *next = NULL;
            if (index) {
                /* Python: a key of digits is an int: an array index or an integer map key. */
                unsigned long long ix = len <= 18 ? strtoull(s, NULL, 10) : ~0ull;
                if (o->type == MSGPACK_OBJECT_ARRAY) {
                    if (ix < o->via.array.size)
                        next = &o->via.array.ptr[ix];
                } else if (o->type == MSGPACK_OBJECT_MAP) {
                    for (uint32_t i = 0; i < o->via.map.size && !next; i++) {
                        const msgpack_object *mk = &o->via.map.ptr[i].key;
                        if (mk->type == MSGPACK_OBJECT_POSITIVE_INTEGER && mk->via.u64 == ix)
                            next = &o->via.map.ptr[i].val;
                    }
                }
            } else if (o->type == MSGPACK_OBJECT_MAP) {
                for (uint32_t i = 0; i < o->via.map.size && !next; i++) {
                    const msgpack_object *mk = &o->via.map.ptr[i].key;
                    if (mk->type == MSGPACK_OBJECT_STR && mk->via.str.size == len &&
                        !memcmp(mk->via.str.ptr, s, len))
                        next = &o->via.map.ptr[i].val;
                }
            }
            if (!next) {
                /* The whole path so far, then the rest of the name for context. */
                if (errstr && n)
                    snprintf(errstr, n, "%s %s: field %s missing from the event", what, tpl, shown);
                return KFK_ERR__KEY_PATH;
            }
            o = next;
        }
        if (kfk__py_str(o, f.conv == 'r' || f.conv == 'a', out) != 0) {
            if (errstr && n)
                snprintf(errstr, n,
                         "%s %s: field %.*s holds a value Python would not (msgpack ext)", what,
                         tpl, (int)f.len, f.name);
            return KFK_ERR__INVALID_ARG;
        }
    }
    return out && out->err ? out->err : KFK_ERR_NONE;
}

kfk_err_t kfk__template_check(const char *tpl, const char *what, char *errstr, size_t errstr_size) {
    return walk(tpl, NULL, what, NULL, errstr, errstr_size);
}

kfk_err_t kfk__template_render(const char *tpl, const msgpack_object *fields, const char *what,
                               kfk_wbuf_t *out, char *errstr, size_t errstr_size) {
    static const msgpack_object empty = {.type = MSGPACK_OBJECT_MAP};
    return walk(tpl, fields ? fields : &empty, what, out, errstr, errstr_size);
}

/* ---- Python's str() and repr() ---------------------------------------------------------------
 */

/* repr(str): single quotes unless the text holds ' and no ", backslash escapes for the quote,
 * backslash and control characters; other bytes (UTF-8 included) as they are. */
static void put_str_repr(kfk_wbuf_t *w, const char *s, size_t n, int bytes) {
    int has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    if (bytes)
        kfk_wbuf_put_raw(w, "b", 1);
    kfk_wbuf_put_raw(w, &q, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == (unsigned char)q || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            kfk_wbuf_put_raw(w, esc, 2);
        } else if (c == '\n') {
            kfk_wbuf_put_raw(w, "\\n", 2);
        } else if (c == '\r') {
            kfk_wbuf_put_raw(w, "\\r", 2);
        } else if (c == '\t') {
            kfk_wbuf_put_raw(w, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            kfk_wbuf_put_raw(w, esc, 4);
        } else {
            kfk_wbuf_put_raw(w, &s[i], 1);
        }
    }
    kfk_wbuf_put_raw(w, &q, 1);
}

static int py(const msgpack_object *o, int repr, kfk_wbuf_t *w, int depth) {
    char buf[32];
    int n;
    if (depth > MAX_DEPTH)
        return -1;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        kfk_wbuf_put_raw(w, "None", 4);
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        kfk_wbuf_put_raw(w, o->via.boolean ? "True" : "False", o->via.boolean ? 4 : 5);
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->via.u64);
        kfk_wbuf_put_raw(w, buf, (size_t)n);
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        n = snprintf(buf, sizeof buf, "%lld", (long long)o->via.i64);
        kfk_wbuf_put_raw(w, buf, (size_t)n);
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        kfk__py_float(w, o->via.f64);
        return 0;
    case MSGPACK_OBJECT_STR:
        if (repr)
            put_str_repr(w, o->via.str.ptr, o->via.str.size, 0);
        else
            kfk_wbuf_put_raw(w, o->via.str.ptr, o->via.str.size);
        return 0;
    case MSGPACK_OBJECT_BIN: /* str(bytes) is its repr */
        put_str_repr(w, o->via.bin.ptr, o->via.bin.size, 1);
        return 0;
    case MSGPACK_OBJECT_ARRAY:
        kfk_wbuf_put_raw(w, "[", 1);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                kfk_wbuf_put_raw(w, ", ", 2);
            if (py(&o->via.array.ptr[i], 1, w, depth + 1))
                return -1;
        }
        kfk_wbuf_put_raw(w, "]", 1);
        return 0;
    case MSGPACK_OBJECT_MAP:
        kfk_wbuf_put_raw(w, "{", 1);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i)
                kfk_wbuf_put_raw(w, ", ", 2);
            if (py(&o->via.map.ptr[i].key, 1, w, depth + 1))
                return -1;
            kfk_wbuf_put_raw(w, ": ", 2);
            if (py(&o->via.map.ptr[i].val, 1, w, depth + 1))
                return -1;
        }
        kfk_wbuf_put_raw(w, "}", 1);
        return 0;
    default:
        return -1; /* ext */
    }
}

int kfk__py_str(const msgpack_object *o, int repr, kfk_wbuf_t *out) {
    return py(o, repr, out, 0);
}
