/*
 * json.c: JSON text <-> msgpack inside libkfk (the events layer reads and writes Dispytch's
 * JSON envelopes without another dependency). The parser is strict RFC 8259 (one value,
 * whitespace around it), depth-limited, never allocates beyond the output buffer, and keeps
 * integers that fit int64/uint64 as msgpack integers (other numbers as float64).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "client/format/json.h"
#include "kfk/kfk.h"
#include "protocol/mem.h"

#define MAX_DEPTH 64

typedef struct {
    const char *start, *p, *end;
    msgpack_packer pk;
    kfk_wbuf_t *out;
    kfk_wbuf_t tmp; /* a string's decoded bytes */
    char *err;
    size_t errsize;
    int failed;
} jp_t;

static int jfail(jp_t *j, const char *what) {
    if (!j->failed && j->err && j->errsize)
        snprintf(j->err, j->errsize, "%s at byte %zu", what, (size_t)(j->p - j->start));
    j->failed = 1;
    return -1;
}

static void ws(jp_t *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(kfk_wbuf_t *w, uint32_t cp) {
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | (cp >> 6));
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | (cp >> 18));
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    kfk_wbuf_put_raw(w, b, n);
}

/* Parses a string (after the opening quote) into j->tmp. */
static int parse_string(jp_t *j) {
    j->tmp.len = 0;
    while (j->p < j->end) {
        char c = *j->p++;
        if (c == '"')
            return j->tmp.err ? jfail(j, "out of memory") : 0;
        if ((unsigned char)c < 0x20)
            return jfail(j, "control character in string");
        if (c != '\\') {
            kfk_wbuf_put_raw(&j->tmp, &c, 1);
            continue;
        }
        if (j->p >= j->end)
            break;
        c = *j->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            kfk_wbuf_put_raw(&j->tmp, &c, 1);
            break;
        case 'b':
            kfk_wbuf_put_raw(&j->tmp, "\b", 1);
            break;
        case 'f':
            kfk_wbuf_put_raw(&j->tmp, "\f", 1);
            break;
        case 'n':
            kfk_wbuf_put_raw(&j->tmp, "\n", 1);
            break;
        case 'r':
            kfk_wbuf_put_raw(&j->tmp, "\r", 1);
            break;
        case 't':
            kfk_wbuf_put_raw(&j->tmp, "\t", 1);
            break;
        case 'u': {
            uint32_t cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = j->p < j->end ? hexval(*j->p++) : -1;
                if (h < 0)
                    return jfail(j, "bad \\u escape");
                cp = cp << 4 | (uint32_t)h;
            }
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u') {
                uint32_t lo = 0;
                int ok = 1;
                for (int i = 0; i < 4; i++) {
                    int h = hexval(j->p[2 + i]);
                    if (h < 0)
                        ok = 0;
                    lo = lo << 4 | (uint32_t)(h < 0 ? 0 : h);
                }
                if (ok && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    j->p += 6;
                }
            }
            put_utf8(&j->tmp, cp);
            break;
        }
        default:
            return jfail(j, "bad escape");
        }
    }
    return jfail(j, "unterminated string");
}

static int parse_value(jp_t *j, int depth);

static int parse_number(jp_t *j) {
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9'))
        return jfail(j, "bad number");
    int is_int = 1;
    while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' ||
                             *j->p == 'E' || *j->p == '+' || *j->p == '-')) {
        if (*j->p == '.' || *j->p == 'e' || *j->p == 'E')
            is_int = 0;
        j->p++;
    }
    char buf[64];
    size_t n = (size_t)(j->p - s);
    if (n >= sizeof buf)
        return jfail(j, "number too long");
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *endp;
    if (is_int) {
        if (buf[0] == '-') {
            long long v = strtoll(buf, &endp, 10);
            if (*endp == '\0' && !(v == LLONG_MIN && strcmp(buf, "-9223372036854775808"))) {
                msgpack_pack_int64(&j->pk, v);
                return 0;
            }
        } else {
            unsigned long long v = strtoull(buf, &endp, 10);
            if (*endp == '\0' && !(v == ULLONG_MAX && strcmp(buf, "18446744073709551615"))) {
                msgpack_pack_uint64(&j->pk, v);
                return 0;
            }
        }
    }
    double d = strtod(buf, &endp);
    if (*endp != '\0' || !isfinite(d))
        return jfail(j, "bad number");
    msgpack_pack_double(&j->pk, d);
    return 0;
}

/* Counts the elements of the array/object starting at j->p (after '[' or '{') without
 * consuming, so that msgpack's count-prefixed containers can be written in one pass. */
static long count_elements(const jp_t *j, char close) {
    const char *p = j->p;
    int depth = 0, in_str = 0;
    long n = 0;
    int any = 0;
    for (; p < j->end; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\')
                p++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
            any = 1;
        } else if (c == '[' || c == '{') {
            depth++;
            any = 1;
        } else if (c == ']' || c == '}') {
            if (depth == 0)
                return c == close ? (any ? n + 1 : 0) : -1;
            depth--;
        } else if (c == ',' && depth == 0) {
            n++;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            any = 1;
        }
    }
    return -1;
}

static int parse_value(jp_t *j, int depth) {
    if (depth > MAX_DEPTH)
        return jfail(j, "nesting too deep");
    ws(j);
    if (j->p >= j->end)
        return jfail(j, "unexpected end");
    char c = *j->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        long n = count_elements(j, close);
        if (n < 0)
            return jfail(j, "unbalanced brackets");
        if (c == '{')
            msgpack_pack_map(&j->pk, (size_t)n);
        else
            msgpack_pack_array(&j->pk, (size_t)n);
        for (long i = 0; i < n; i++) {
            ws(j);
            if (c == '{') {
                if (j->p >= j->end || *j->p != '"')
                    return jfail(j, "expected a key");
                j->p++;
                if (parse_string(j))
                    return -1;
                msgpack_pack_str(&j->pk, j->tmp.len);
                msgpack_pack_str_body(&j->pk, j->tmp.data, j->tmp.len);
                ws(j);
                if (j->p >= j->end || *j->p != ':')
                    return jfail(j, "expected ':'");
                j->p++;
            }
            if (parse_value(j, depth + 1))
                return -1;
            ws(j);
            if (i + 1 < n) {
                if (j->p >= j->end || *j->p != ',')
                    return jfail(j, "expected ','");
                j->p++;
            }
        }
        ws(j);
        if (j->p >= j->end || *j->p != close)
            return jfail(j, "expected a closing bracket");
        j->p++;
        return 0;
    }
    if (c == '"') {
        j->p++;
        if (parse_string(j))
            return -1;
        msgpack_pack_str(&j->pk, j->tmp.len);
        msgpack_pack_str_body(&j->pk, j->tmp.data, j->tmp.len);
        return 0;
    }
    if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
        j->p += 4;
        msgpack_pack_true(&j->pk);
        return 0;
    }
    if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
        j->p += 5;
        msgpack_pack_false(&j->pk);
        return 0;
    }
    if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
        j->p += 4;
        msgpack_pack_nil(&j->pk);
        return 0;
    }
    return parse_number(j);
}

static int wbuf_write(void *data, const char *buf, size_t len) {
    kfk_wbuf_put_raw(data, buf, len);
    return ((kfk_wbuf_t *)data)->err ? -1 : 0;
}

kfk_err_t kfk__json_to_msgpack(const char *text, size_t len, kfk_wbuf_t *out, char *errstr,
                               size_t errstr_size) {
    jp_t j;
    memset(&j, 0, sizeof j);
    j.start = j.p = text;
    j.end = text + len;
    j.out = out;
    j.err = errstr;
    j.errsize = errstr_size;
    kfk_wbuf_init(&j.tmp);
    msgpack_packer_init(&j.pk, out, wbuf_write);
    int rc = parse_value(&j, 0);
    if (!rc) {
        ws(&j);
        if (j.p != j.end)
            rc = jfail(&j, "trailing characters");
    }
    kfk_wbuf_free(&j.tmp);
    if (out->err)
        return out->err;
    return rc ? KFK_ERR__VALUE_DECODE : KFK_ERR_NONE;
}

/* ---- msgpack -> JSON ----------------------------------------------------------------------- */

static void put_json_string(kfk_wbuf_t *w, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    kfk_wbuf_put_raw(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            kfk_wbuf_put_raw(w, e, 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            kfk_wbuf_put_raw(w, e, 6);
        } else {
            kfk_wbuf_put_raw(w, &s[i], 1);
        }
    }
    kfk_wbuf_put_raw(w, "\"", 1);
}

void kfk__json_put_string(kfk_wbuf_t *w, const char *s, size_t n) {
    put_json_string(w, s, n);
}

/* A double as the shortest text that reads back to it, always with a '.' or an exponent so
 * that it stays a float (Python's repr(): 15.0, 0.1, 1e+100). */
static void put_double(kfk_wbuf_t *w, double d) {
    char num[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(num, sizeof num, "%.*g", prec, d);
        if (strtod(num, NULL) == d)
            break;
    }
    if (!strpbrk(num, ".eEni"))
        n += snprintf(num + n, sizeof num - (size_t)n, ".0");
    kfk_wbuf_put_raw(w, num, (size_t)n);
}

/* repr(float): the shortest digits that read back to @p d, fixed notation for exponents -4..15,
 * else d.ddde+XX, as Python's float_repr_style 'short'. */
void kfk__py_float(kfk_wbuf_t *w, double d) {
    char buf[64];
    if (isnan(d)) {
        kfk_wbuf_put_raw(w, "nan", 3);
        return;
    }
    if (isinf(d)) {
        kfk_wbuf_put_raw(w, d < 0 ? "-inf" : "inf", d < 0 ? 4 : 3);
        return;
    }
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    /* buf: [-]D[.DDD]e[+-]XX */
    char digits[32];
    size_t nd = 0;
    const char *p = buf;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    char out[64];
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            out[k++] = '0';
            out[k++] = '.';
            for (int i = 0; i < -exp - 1; i++)
                out[k++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[k++] = digits[i];
        } else {
            for (int i = 0; i <= exp; i++)
                out[k++] = (size_t)i < nd ? digits[i] : '0';
            out[k++] = '.';
            if ((size_t)exp + 1 < nd)
                for (size_t i = (size_t)exp + 1; i < nd; i++)
                    out[k++] = digits[i];
            else
                out[k++] = '0';
        }
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (size_t i = 1; i < nd; i++)
                out[k++] = digits[i];
        }
        k += (size_t)snprintf(out + k, sizeof out - k, "e%c%02d", exp < 0 ? '-' : '+',
                              exp < 0 ? -exp : exp);
    }
    kfk_wbuf_put_raw(w, out, k);
}

/* A JSON string as Python's json.dumps writes it (ensure_ascii): short escapes for \b \f \n
 * \r \t, \u00XX for other controls, every non-ASCII character as \uXXXX (lowercase, astral
 * ones as a surrogate pair); a byte that is not UTF-8 as \ufffd. */
static void put_py_string(kfk_wbuf_t *w, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    kfk_wbuf_put_raw(w, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        const char *sh = c == '\b'   ? "\\b"
                         : c == '\f' ? "\\f"
                         : c == '\n' ? "\\n"
                         : c == '\r' ? "\\r"
                         : c == '\t' ? "\\t"
                         : c == '"'  ? "\\\""
                         : c == '\\' ? "\\\\"
                                     : NULL;
        if (sh) {
            kfk_wbuf_put_raw(w, sh, 2);
            i++;
            continue;
        }
        if (c >= 0x20 && c < 0x7f) {
            kfk_wbuf_put_raw(w, &s[i], 1);
            i++;
            continue;
        }
        uint32_t cp = 0xfffd;
        size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xe0) == 0xc0 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
            cp = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
            len = cp >= 0x80 ? 2 : 1;
            if (cp < 0x80)
                cp = 0xfffd;
        } else if ((c & 0xf0) == 0xe0 && i + 2 < n && (s[i + 1] & 0xc0) == 0x80 &&
                   (s[i + 2] & 0xc0) == 0x80) {
            cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
            len = 3;
            if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) {
                cp = 0xfffd;
                len = 1;
            }
        } else if ((c & 0xf8) == 0xf0 && i + 3 < n && (s[i + 1] & 0xc0) == 0x80 &&
                   (s[i + 2] & 0xc0) == 0x80 && (s[i + 3] & 0xc0) == 0x80) {
            cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) | ((s[i + 2] & 0x3fu) << 6) |
                 (s[i + 3] & 0x3fu);
            len = 4;
            if (cp < 0x10000 || cp > 0x10ffff) {
                cp = 0xfffd;
                len = 1;
            }
        }
        i += len;
        uint32_t units[2] = {cp, 0};
        int nu = 1;
        if (cp >= 0x10000) {
            units[0] = 0xd800 + ((cp - 0x10000) >> 10);
            units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
            nu = 2;
        }
        for (int u = 0; u < nu; u++) {
            char e[6] = {'\\',
                         'u',
                         hex[(units[u] >> 12) & 15],
                         hex[(units[u] >> 8) & 15],
                         hex[(units[u] >> 4) & 15],
                         hex[units[u] & 15]};
            kfk_wbuf_put_raw(w, e, 6);
        }
    }
    kfk_wbuf_put_raw(w, "\"", 1);
}

static void put_obj(kfk_wbuf_t *w, const msgpack_object *o, int depth, int py) {
    char num[64];
    if (depth > MAX_DEPTH) {
        kfk_wbuf_put_raw(w, "null", 4);
        return;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        kfk_wbuf_put_raw(w, "null", 4);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        kfk_wbuf_put_raw(w, o->via.boolean ? "true" : "false", o->via.boolean ? 4 : 5);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        kfk_wbuf_put_raw(w, num,
                         (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)o->via.u64));
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        kfk_wbuf_put_raw(w, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)o->via.i64));
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (py && isnan(o->via.f64)) /* json.dumps: its allow_nan spellings */
            kfk_wbuf_put_raw(w, "NaN", 3);
        else if (py && isinf(o->via.f64))
            kfk_wbuf_put_raw(w, o->via.f64 < 0 ? "-Infinity" : "Infinity", o->via.f64 < 0 ? 9 : 8);
        else if (py)
            kfk__py_float(w, o->via.f64);
        else if (isfinite(o->via.f64))
            put_double(w, o->via.f64);
        else
            kfk_wbuf_put_raw(w, "null", 4);
        break;
    case MSGPACK_OBJECT_STR:
        (py ? put_py_string : put_json_string)(w, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        (py ? put_py_string : put_json_string)(w, o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        kfk_wbuf_put_raw(w, "[", 1);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                kfk_wbuf_put_raw(w, ", ", py ? 2 : 1);
            put_obj(w, &o->via.array.ptr[i], depth + 1, py);
        }
        kfk_wbuf_put_raw(w, "]", 1);
        break;
    case MSGPACK_OBJECT_MAP:
        kfk_wbuf_put_raw(w, "{", 1);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (i)
                kfk_wbuf_put_raw(w, ", ", py ? 2 : 1);
            if (k->type == MSGPACK_OBJECT_STR) {
                (py ? put_py_string : put_json_string)(w, k->via.str.ptr, k->via.str.size);
            } else if (k->type == MSGPACK_OBJECT_BIN) {
                (py ? put_py_string : put_json_string)(w, k->via.bin.ptr, k->via.bin.size);
            } else if (k->type == MSGPACK_OBJECT_ARRAY || k->type == MSGPACK_OBJECT_MAP) {
                /* No nested rendering: quoting JSON inside JSON doubles its escapes at every
                 * level (exponential in the depth). Python's json.dumps refuses such keys. */
                put_json_string(w, k->type == MSGPACK_OBJECT_MAP ? "[map]" : "[array]",
                                k->type == MSGPACK_OBJECT_MAP ? 5 : 7);
            } else {
                /* JSON keys are strings: scalars as their JSON text, quoted (as Python's
                 * json.dumps does for int, float, bool and None keys). */
                kfk_wbuf_t kw;
                kfk_wbuf_init(&kw);
                put_obj(&kw, k, depth + 1, py);
                put_json_string(w, (const char *)kw.data, kw.len);
                kfk_wbuf_free(&kw);
            }
            kfk_wbuf_put_raw(w, ": ", py ? 2 : 1);
            put_obj(w, &o->via.map.ptr[i].val, depth + 1, py);
        }
        kfk_wbuf_put_raw(w, "}", 1);
        break;
    default:
        kfk_wbuf_put_raw(w, "null", 4);
    }
}

void kfk__msgpack_object_to_json(const msgpack_object *o, kfk_wbuf_t *out) {
    put_obj(out, o, 0, 0);
}

void kfk__msgpack_object_to_pyjson(const msgpack_object *o, kfk_wbuf_t *out) {
    put_obj(out, o, 0, 1);
}

/* The public form of kfk__msgpack_object_to_json (see kfk/kfk.h). */
kfk_err_t kfk_msgpack_to_json(const struct msgpack_object *o, kfk_wbuf_t *out) {
    if (!o || !out)
        return KFK_ERR__INVALID_ARG;
    put_obj(out, o, 0, 0);
    return out->err;
}
