/*
 * kfk_encode_golden.c: writes kfk's own encodings of every golden message, in the layout of
 * tests/golden/, for MessageGolden's verify mode (Java parses them and compares). Not part of
 * the build; see tests/golden/README.md for the command line.
 *
 *   kfk_encode_golden MODE GOLDEN_DIR OUT_DIR
 *
 * MODE reencode: kfk decodes Kafka's .bin and writes its re-encoding.
 * MODE fromjson: kfk builds each struct from the .json alone (generically, from its descriptor
 * tables), copies in the unknown tagged fields of the decoded .bin (the JSON has none), and
 * writes its encoding: this shows that kfk writes every field value the way Kafka does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "protocol/schema.h"

/* Kafka's "InitProducerId" -> "init_producer_id" (the golden directory names). */
static void snake_name(const char *name, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = name; *p && n + 2 < size; p++) {
        if (*p >= 'A' && *p <= 'Z' && p != name)
            out[n++] = '_';
        out[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
    }
    out[n] = 0;
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)(n > 0 ? n : 0);
    return buf;
}

static int mkdirs(const char *path) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int spit(const char *path, const uint8_t *p, size_t len) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        if (mkdirs(dir) != 0)
            return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(p, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* ---- JSON -> struct, by the descriptor tables ---------------------------------------------- */

static bool in_version(const kfk_field_desc_t *f, int16_t v) {
    return v >= f->min_version && (f->max_version == KFK_V_MAX || v <= f->max_version);
}

static void camel(const char *s, char *out, size_t size) {
    size_t n = 0;
    bool up = false;
    for (; *s && n + 1 < size; s++) {
        if (*s == '_') {
            up = true;
            continue;
        }
        out[n++] = up && *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
        up = false;
    }
    out[n] = 0;
}

static int b64val(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Standard or URL-safe base64, padded or not, into arena memory. */
static uint8_t *unbase64(kfk_arena_t *a, const char *s, size_t *len) {
    size_t n = strlen(s);
    uint8_t *out = kfk_arena_alloc(a, n + 1);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *len = o;
    return out;
}

static int from_json_struct(const kfk_schema_t *s, int16_t v, bool flex, json_t *j, void *msg,
                            kfk_arena_t *a);

static int from_json_value(const kfk_field_desc_t *f, int16_t v, bool flex, json_t *j, void *p,
                           kfk_arena_t *a) {
    switch ((kfk_ftype_t)f->type) {
    case KFK_FT_BOOL:
        *(bool *)p = json_is_true(j);
        return 0;
    case KFK_FT_INT8:
        *(int8_t *)p = (int8_t)json_integer_value(j);
        return 0;
    case KFK_FT_INT16:
        *(int16_t *)p = (int16_t)json_integer_value(j);
        return 0;
    case KFK_FT_UINT16:
        *(uint16_t *)p = (uint16_t)json_integer_value(j);
        return 0;
    case KFK_FT_INT32:
        *(int32_t *)p = (int32_t)json_integer_value(j);
        return 0;
    case KFK_FT_INT64:
        *(int64_t *)p = (int64_t)json_integer_value(j);
        return 0;
    case KFK_FT_FLOAT64:
        *(double *)p = json_number_value(j);
        return 0;
    case KFK_FT_UUID: {
        size_t n = 0;
        uint8_t *u = unbase64(a, json_string_value(j), &n);
        if (!u || n != 16)
            return -1;
        memcpy(p, u, 16);
        return 0;
    }
    case KFK_FT_STRING:
        *(kfk_str_t *)p = json_is_null(j)
                              ? (kfk_str_t){NULL, -1}
                              : (kfk_str_t){json_string_value(j), (int32_t)json_string_length(j)};
        return 0;
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS: {
        if (json_is_null(j)) {
            *(kfk_bytes_t *)p = (kfk_bytes_t){NULL, -1};
            return 0;
        }
        size_t n = 0;
        uint8_t *b = unbase64(a, json_string_value(j), &n);
        if (!b)
            return -1;
        *(kfk_bytes_t *)p = (kfk_bytes_t){b, (int32_t)n};
        return 0;
    }
    case KFK_FT_STRUCT:
        return from_json_struct(f->sub, v, flex, j, p, a);
    case KFK_FT_NULLABLE_STRUCT: {
        if (json_is_null(j)) {
            *(void **)p = NULL;
            return 0;
        }
        void *sp = kfk_arena_alloc(a, f->sub->size);
        if (!sp)
            return -1;
        *(void **)p = sp;
        return from_json_struct(f->sub, v, flex, j, sp, a);
    }
    case KFK_FT_ARRAY_INT32:
    case KFK_FT_ARRAY_INT64:
    case KFK_FT_ARRAY_STRING:
    case KFK_FT_ARRAY_STRUCT: {
        kfk_array_t *arr = p;
        if (json_is_null(j)) {
            *arr = (kfk_array_t){NULL, -1};
            return 0;
        }
        kfk_array_t old = *arr; /* the decoded array: its elements seed the new ones */
        size_t n = json_array_size(j);
        size_t elem = f->type == KFK_FT_ARRAY_INT32    ? sizeof(int32_t)
                      : f->type == KFK_FT_ARRAY_INT64  ? sizeof(int64_t)
                      : f->type == KFK_FT_ARRAY_STRING ? sizeof(kfk_str_t)
                                                       : f->sub->size;
        arr->count = (int32_t)n;
        arr->items = n ? kfk_arena_alloc(a, n * elem) : NULL;
        if (f->type == KFK_FT_ARRAY_STRUCT && old.count > 0)
            memcpy(arr->items, old.items,
                   (size_t)(old.count < (int32_t)n ? old.count : (int32_t)n) * elem);
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(j, i);
            if (f->type == KFK_FT_ARRAY_INT32)
                ((int32_t *)arr->items)[i] = (int32_t)json_integer_value(e);
            else if (f->type == KFK_FT_ARRAY_INT64)
                ((int64_t *)arr->items)[i] = (int64_t)json_integer_value(e);
            else if (f->type == KFK_FT_ARRAY_STRING)
                ((kfk_str_t *)arr->items)[i] =
                    (kfk_str_t){json_string_value(e), (int32_t)json_string_length(e)};
            else if (from_json_struct(f->sub, v, flex, e, (uint8_t *)arr->items + i * elem, a))
                return -1;
        }
        return 0;
    }
    }
    return -1;
}

/* Fields absent from the JSON (tagged fields at their default) keep what the caller put there:
 * the struct kfk decoded from the same message's .bin, i.e. kfk's defaults. */
static int from_json_struct(const kfk_schema_t *s, int16_t v, bool flex, json_t *j, void *msg,
                            kfk_arena_t *a) {
    if (!json_is_object(j))
        return -1;
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (!in_version(f, v) || (f->tag >= 0 && !flex))
            continue;
        char name[128];
        camel(f->name, name, sizeof name);
        json_t *fj = json_object_get(j, name);
        if (!fj) {
            if (f->tag >= 0)
                continue; /* a tagged field at its default */
            fprintf(stderr, "field %s missing from the JSON\n", name);
            return -1;
        }
        void *p = (uint8_t *)msg + f->offset;
        if (from_json_value(f, v, flex, fj, p, a))
            return -1;
    }
    return 0;
}

/* Copies the unknown tagged fields of @p from (a decoded struct) into @p to, recursively. */
static void copy_unknown(const kfk_schema_t *s, int16_t v, const void *from, void *to) {
    memcpy((uint8_t *)to + s->unknown_tags_offset, (const uint8_t *)from + s->unknown_tags_offset,
           sizeof(kfk_bytes_t));
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (!in_version(f, v))
            continue;
        const uint8_t *fp = (const uint8_t *)from + f->offset;
        uint8_t *tp = (uint8_t *)to + f->offset;
        if (f->type == KFK_FT_STRUCT) {
            copy_unknown(f->sub, v, fp, tp);
        } else if (f->type == KFK_FT_NULLABLE_STRUCT) {
            const void *fs = *(const void *const *)fp;
            void *ts = *(void **)tp;
            if (fs && ts)
                copy_unknown(f->sub, v, fs, ts);
        } else if (f->type == KFK_FT_ARRAY_STRUCT) {
            const kfk_array_t *fa = (const kfk_array_t *)fp;
            kfk_array_t *ta = (kfk_array_t *)tp;
            for (int32_t k = 0; k < fa->count && k < ta->count; k++)
                copy_unknown(f->sub, v, (const uint8_t *)fa->items + (size_t)k * f->sub->size,
                             (uint8_t *)ta->items + (size_t)k * f->sub->size);
        }
    }
}

/* ---- one golden message ------------------------------------------------------------------- */

static int blob_kind; /* 0: API body, 1: subscription, 2: assignment */

static int one(const char *mode, const kfk_schema_t *schema, int16_t v, bool flex,
               const char *golden, const char *out, const char *stem) {
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/%s.bin", golden, stem);
    uint8_t *bin = slurp(path, &len);
    if (!bin)
        return 0; /* no golden file: nothing to do */
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    void *dec = calloc(1, schema->size);
    kfk_err_t err;
    size_t left = 0;
    if (blob_kind) {
        int16_t bv;
        err = blob_kind == 1 ? kfk_consumer_subscription_decode(bin, len, &arena, dec, &bv)
                             : kfk_consumer_assignment_decode(bin, len, &arena, dec, &bv);
    } else {
        kfk_rbuf_t r;
        kfk_rbuf_init(&r, bin, len);
        err = kfk_schema_decode(schema, v, flex, &r, &arena, dec);
        left = kfk_rbuf_left(&r);
    }
    int rc = 0;
    json_t *j = NULL;
    void *msg = dec;
    if (err || left) {
        fprintf(stderr, "%s: kfk cannot decode the golden bytes (%s)\n", stem, kfk_err_name(err));
        rc = -1;
        goto done;
    }
    if (!strcmp(mode, "fromjson")) {
        snprintf(path, sizeof path, "%s/%s.json", golden, stem);
        json_error_t jerr;
        j = json_load_file(path, JSON_DECODE_ANY, &jerr);
        /* Start from the decoded struct's copy so that fields not in the JSON (other versions)
         * hold kfk's defaults, then overwrite every field the JSON has. */
        msg = calloc(1, schema->size);
        memcpy(msg, dec, schema->size);
        if (!j || from_json_struct(schema, v, flex, j, msg, &arena) != 0) {
            fprintf(stderr, "%s: cannot build the struct from the JSON\n", stem);
            rc = -1;
            goto done;
        }
        copy_unknown(schema, v, dec, msg);
    }
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    err = blob_kind == 1   ? kfk_consumer_subscription_encode(msg, v, &w)
          : blob_kind == 2 ? kfk_consumer_assignment_encode(msg, v, &w)
                           : kfk_schema_encode(schema, v, flex, msg, &w);
    snprintf(path, sizeof path, "%s/%s.bin", out, stem);
    if (err || spit(path, w.data, w.len) != 0) {
        fprintf(stderr, "%s: encode/write failed (%s)\n", stem, kfk_err_name(err));
        rc = -1;
    } else {
        rc = 1;
    }
    kfk_wbuf_free(&w);
done:
    if (msg != dec)
        free(msg);
    free(dec);
    json_decref(j);
    kfk_arena_free(&arena);
    free(bin);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "reencode") && strcmp(argv[1], "fromjson"))) {
        fprintf(stderr, "usage: kfk_encode_golden reencode|fromjson GOLDEN_DIR OUT_DIR\n");
        return 2;
    }
    int written = 0, failed = 0;
    size_t n;
    const kfk_api_t *apis = kfk_api_list(&n);
    for (size_t i = 0; i < n; i++) {
        const kfk_api_t *api = &apis[i];
        if (!api->request || !api->response) {
            fprintf(stderr, "%s: no tables, skipped\n", api->name);
            continue;
        }
        for (int16_t v = api->min_version; v <= api->max_version; v++) {
            for (int d = 0; d < 2; d++) {
                char stem[256], dir[64];
                snake_name(api->name, dir, sizeof dir);
                snprintf(stem, sizeof stem, "%s/v%d/%s", dir, v, d ? "response" : "request");
                int rc = one(argv[1], d ? api->response : api->request, v,
                             kfk_api_is_flexible(api->key, v), argv[2], argv[3], stem);
                written += rc > 0;
                failed += rc < 0;
            }
        }
    }
    for (blob_kind = 1; blob_kind <= 2; blob_kind++) {
        for (int16_t v = 0; v <= KFK_CONSUMER_PROTOCOL_MAX_VERSION; v++) {
            char stem[256];
            snprintf(stem, sizeof stem, "consumer_protocol/%s_v%d",
                     blob_kind == 1 ? "subscription" : "assignment", v);
            int rc = one(argv[1],
                         blob_kind == 1 ? &kfk_consumer_protocol_subscription_schema
                                        : &kfk_consumer_protocol_assignment_schema,
                         v, false, argv[2], argv[3], stem);
            written += rc > 0;
            failed += rc < 0;
        }
    }
    printf("kfk_encode_golden %s: wrote %d encodings to %s, %d failed\n", argv[1], written, argv[3],
           failed);
    return failed ? 1 : 0;
}
