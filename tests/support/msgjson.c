/*
 * msgjson.c: kfk message structs as the JSON of Kafka's generated converters, and a JSON
 * comparison that names the path of the first difference (see msgjson.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgjson.h"
#include "protocol/schema.h"

#define FIELD_CPTR(msg, f) ((const void *)((const uint8_t *)(msg) + (f)->offset))

static bool in_version(const kfk_field_desc_t *f, int16_t v) {
    return v >= f->min_version && (f->max_version == KFK_V_MAX || v <= f->max_version);
}

/* "leader_epoch" -> "leaderEpoch", as Kafka's camelCaseName of the schema's "LeaderEpoch". */
static void camel(const char *snake, char *out, size_t size) {
    size_t n = 0;
    bool up = false;
    for (const char *p = snake; *p && n + 1 < size; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        out[n++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        up = false;
    }
    out[n] = 0;
}

json_t *kt_json_base64(const uint8_t *p, size_t len, bool url_safe_unpadded) {
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *alpha = url_safe_unpadded ? url : std;
    size_t cap = (len + 2) / 3 * 4 + 1;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        s[n++] = alpha[(v >> 18) & 63];
        s[n++] = alpha[(v >> 12) & 63];
        if (i + 1 < len)
            s[n++] = alpha[(v >> 6) & 63];
        else if (!url_safe_unpadded)
            s[n++] = '=';
        if (i + 2 < len)
            s[n++] = alpha[v & 63];
        else if (!url_safe_unpadded)
            s[n++] = '=';
    }
    json_t *j = json_stringn(s, n);
    free(s);
    return j;
}

static bool is_default_struct(const kfk_schema_t *s, const void *msg);

/* True when a field holds its default: the converter (like the wire writer) leaves such
 * tagged fields out. */
static bool is_default(const kfk_field_desc_t *f, const void *p) {
    switch ((kfk_ftype_t)f->type) {
    case KFK_FT_BOOL:
        return *(const bool *)p == (f->dflt != 0);
    case KFK_FT_INT8:
        return *(const int8_t *)p == (int8_t)f->dflt;
    case KFK_FT_INT16:
        return *(const int16_t *)p == (int16_t)f->dflt;
    case KFK_FT_UINT16:
        return *(const uint16_t *)p == (uint16_t)f->dflt;
    case KFK_FT_INT32:
        return *(const int32_t *)p == (int32_t)f->dflt;
    case KFK_FT_INT64:
        return *(const int64_t *)p == f->dflt;
    case KFK_FT_FLOAT64:
        return *(const double *)p == (double)f->dflt;
    case KFK_FT_UUID: {
        static const kfk_uuid_t zero;
        return !memcmp(p, &zero, sizeof zero);
    }
    case KFK_FT_STRING:
        return f->dflt < 0 ? ((const kfk_str_t *)p)->len < 0 : ((const kfk_str_t *)p)->len == 0;
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS:
        return f->dflt < 0 ? ((const kfk_bytes_t *)p)->len < 0 : ((const kfk_bytes_t *)p)->len == 0;
    case KFK_FT_STRUCT:
        return is_default_struct(f->sub, p);
    case KFK_FT_NULLABLE_STRUCT:
        return *(void *const *)p == NULL;
    case KFK_FT_ARRAY_INT32:
    case KFK_FT_ARRAY_INT64:
    case KFK_FT_ARRAY_STRING:
    case KFK_FT_ARRAY_STRUCT:
        return ((const kfk_array_t *)p)->count == 0;
    }
    return true;
}

static bool is_default_struct(const kfk_schema_t *s, const void *msg) {
    for (uint16_t i = 0; i < s->nfields; i++)
        if (!is_default(&s->fields[i], FIELD_CPTR(msg, &s->fields[i])))
            return false;
    return true;
}

static json_t *struct_json(const kfk_schema_t *s, int16_t v, bool flex, const void *msg);

static json_t *value_json(const kfk_field_desc_t *f, int16_t v, bool flex, const void *p) {
    switch ((kfk_ftype_t)f->type) {
    case KFK_FT_BOOL:
        return json_boolean(*(const bool *)p);
    case KFK_FT_INT8:
        return json_integer(*(const int8_t *)p);
    case KFK_FT_INT16:
        return json_integer(*(const int16_t *)p);
    case KFK_FT_UINT16:
        return json_integer(*(const uint16_t *)p);
    case KFK_FT_INT32:
        return json_integer(*(const int32_t *)p);
    case KFK_FT_INT64:
        return json_integer(*(const int64_t *)p);
    case KFK_FT_FLOAT64:
        return json_real(*(const double *)p);
    case KFK_FT_UUID:
        return kt_json_base64(((const kfk_uuid_t *)p)->bytes, 16, true);
    case KFK_FT_STRING: {
        const kfk_str_t *s = p;
        return s->len < 0 ? json_null() : json_stringn(s->ptr ? s->ptr : "", (size_t)s->len);
    }
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS: {
        const kfk_bytes_t *b = p;
        return b->len < 0 ? json_null() : kt_json_base64(b->ptr, (size_t)b->len, false);
    }
    case KFK_FT_STRUCT:
        return struct_json(f->sub, v, flex, p);
    case KFK_FT_NULLABLE_STRUCT: {
        const void *sp = *(const void *const *)p;
        return sp ? struct_json(f->sub, v, flex, sp) : json_null();
    }
    case KFK_FT_ARRAY_INT32:
    case KFK_FT_ARRAY_INT64:
    case KFK_FT_ARRAY_STRING:
    case KFK_FT_ARRAY_STRUCT: {
        const kfk_array_t *a = p;
        if (a->count < 0)
            return json_null();
        json_t *arr = json_array();
        for (int32_t i = 0; arr && i < a->count; i++) {
            json_t *e;
            if (f->type == KFK_FT_ARRAY_INT32) {
                e = json_integer(((const int32_t *)a->items)[i]);
            } else if (f->type == KFK_FT_ARRAY_INT64) {
                e = json_integer(((const int64_t *)a->items)[i]);
            } else if (f->type == KFK_FT_ARRAY_STRING) {
                const kfk_str_t *s = &((const kfk_str_t *)a->items)[i];
                e = s->len < 0 ? json_null() : json_stringn(s->ptr ? s->ptr : "", (size_t)s->len);
            } else {
                e = struct_json(f->sub, v, flex,
                                (const uint8_t *)a->items + (size_t)i * f->sub->size);
            }
            if (!e || json_array_append_new(arr, e) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    }
    return NULL;
}

static json_t *struct_json(const kfk_schema_t *s, int16_t v, bool flex, const void *msg) {
    json_t *o = json_object();
    for (uint16_t i = 0; o && i < s->nfields; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (!in_version(f, v))
            continue;
        if (f->tag >= 0 && (!flex || is_default(f, FIELD_CPTR(msg, f))))
            continue;
        char name[128];
        camel(f->name, name, sizeof name);
        json_t *val = value_json(f, v, flex, FIELD_CPTR(msg, f));
        if (!val || json_object_set_new(o, name, val) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *kt_msg_json(const kfk_schema_t *schema, int16_t version, bool flexible, const void *msg) {
    return struct_json(schema, version, flexible, msg);
}

/* ---- comparison ------------------------------------------------------------------------- */

static void show(const json_t *j, char *out, size_t size) {
    if (!j) {
        snprintf(out, size, "(absent)");
        return;
    }
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(out, size, "%.200s%s", s ? s : "?", s && strlen(s) > 200 ? "..." : "");
    free(s);
}

static bool differ(const char *path, const json_t *e, const json_t *a, char *what, size_t size) {
    char es[256], as[256];
    show(e, es, sizeof es);
    show(a, as, sizeof as);
    snprintf(what, size, "%s: expected %s, got %s", path, es, as);
    return false;
}

static bool same(const char *path, const json_t *e, const json_t *a, char *what, size_t size) {
    char sub[512];
    if (!e || !a || json_typeof(e) != json_typeof(a))
        return differ(path, e, a, what, size);
    switch (json_typeof(e)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *ev;
        json_object_foreach((json_t *)e, key, ev) {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            if (!same(sub, ev, json_object_get(a, key), what, size))
                return false;
        }
        json_t *av;
        json_object_foreach((json_t *)a, key, av) {
            if (!json_object_get(e, key)) {
                snprintf(sub, sizeof sub, "%s.%s", path, key);
                return differ(sub, NULL, av, what, size);
            }
        }
        return true;
    }
    case JSON_ARRAY: {
        size_t n =
            json_array_size(e) > json_array_size(a) ? json_array_size(e) : json_array_size(a);
        for (size_t i = 0; i < n; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (!same(sub, json_array_get(e, i), json_array_get(a, i), what, size))
                return false;
        }
        return true;
    }
    default:
        return json_equal((json_t *)e, (json_t *)a) ? true : differ(path, e, a, what, size);
    }
}

bool kt_json_same(const json_t *expected, const json_t *actual, char *what, size_t size) {
    return same("$", expected, actual, what, size);
}
