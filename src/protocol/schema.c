/*
 * schema.c: the one generic walker that encodes and decodes every Kafka message struct from
 * its descriptor table (schema.h). Seventeen APIs share this code, so it is the code that is
 * hardened and fuzzed: every count is checked against the bytes left before anything is
 * allocated, every length against the end of the input, nesting comes only from the static
 * tables (never from the input), and tagged fields must arrive in ascending order (as Kafka's
 * own parser requires).
 *
 * Encoding rules (Kafka's generated code): in flexible versions strings, bytes and arrays use
 * their compact forms and each struct ends with a tagged-field section; a tagged field is
 * written only when its value differs from its default; unknown tagged fields kept from a
 * decode are merged back in tag order.
 */
#include <stdio.h>
#include <string.h>

#include "protocol/mem.h"
#include "protocol/schema.h"

#define FIELD_PTR(msg, f) ((void *)((uint8_t *)(msg) + (f)->offset))
#define FIELD_CPTR(msg, f) ((const void *)((const uint8_t *)(msg) + (f)->offset))

const char *kfk_schema_name(const kfk_schema_t *schema) {
    return schema->name;
}

size_t kfk_schema_size(const kfk_schema_t *schema) {
    return schema->size;
}

static bool in_version(const kfk_field_desc_t *f, int16_t version) {
    return version >= f->min_version && (f->max_version == KFK_V_MAX || version <= f->max_version);
}

static bool nullable(const kfk_field_desc_t *f, int16_t version) {
    return f->nullable_from >= 0 && version >= f->nullable_from;
}

/* ---- defaults ------------------------------------------------------------------------------ */

static void set_defaults(const kfk_schema_t *s, void *msg);

static void set_default(const kfk_field_desc_t *f, void *p) {
    switch ((kfk_ftype_t)f->type) {
    case KFK_FT_BOOL:
        *(bool *)p = f->dflt != 0;
        break;
    case KFK_FT_INT8:
        *(int8_t *)p = (int8_t)f->dflt;
        break;
    case KFK_FT_INT16:
        *(int16_t *)p = (int16_t)f->dflt;
        break;
    case KFK_FT_UINT16:
        *(uint16_t *)p = (uint16_t)f->dflt;
        break;
    case KFK_FT_INT32:
        *(int32_t *)p = (int32_t)f->dflt;
        break;
    case KFK_FT_INT64:
        *(int64_t *)p = f->dflt;
        break;
    case KFK_FT_FLOAT64:
        *(double *)p = (double)f->dflt;
        break;
    case KFK_FT_UUID:
        memset(p, 0, sizeof(kfk_uuid_t));
        break;
    case KFK_FT_STRING:
        *(kfk_str_t *)p = (kfk_str_t){NULL, f->dflt < 0 ? -1 : 0};
        break;
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS:
        *(kfk_bytes_t *)p = (kfk_bytes_t){NULL, f->dflt < 0 ? -1 : 0};
        break;
    case KFK_FT_STRUCT:
        set_defaults(f->sub, p);
        break;
    case KFK_FT_NULLABLE_STRUCT:
        *(void **)p = NULL;
        break;
    case KFK_FT_ARRAY_INT32:
    case KFK_FT_ARRAY_INT64:
    case KFK_FT_ARRAY_STRING:
    case KFK_FT_ARRAY_STRUCT:
        *(kfk_array_t *)p = (kfk_array_t){NULL, 0};
        break;
    }
}

static void set_defaults(const kfk_schema_t *s, void *msg) {
    memset(msg, 0, s->size);
    for (uint16_t i = 0; i < s->nfields; i++)
        set_default(&s->fields[i], FIELD_PTR(msg, &s->fields[i]));
}

static bool is_default_struct(const kfk_schema_t *s, const void *msg);

/* True when the field holds its default (tagged fields are written only otherwise). */
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
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS: {
        int32_t len =
            f->type == KFK_FT_STRING ? ((const kfk_str_t *)p)->len : ((const kfk_bytes_t *)p)->len;
        return f->dflt < 0 ? len < 0 : len == 0;
    }
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
    const kfk_bytes_t *unk = (const kfk_bytes_t *)((const uint8_t *)msg + s->unknown_tags_offset);
    return unk->len <= 0;
}

/* ---- encode --------------------------------------------------------------------------------- */

static void encode_struct(const kfk_schema_t *s, int16_t v, bool flex, const void *msg,
                          kfk_wbuf_t *w);

static void fail_w(kfk_wbuf_t *w, kfk_err_t err) {
    if (!w->err)
        w->err = err;
}

static void encode_value(const kfk_field_desc_t *f, int16_t v, bool flex, const void *p,
                         kfk_wbuf_t *w) {
    bool can_null = nullable(f, v);
    switch ((kfk_ftype_t)f->type) {
    case KFK_FT_BOOL:
        kfk_wbuf_put_int8(w, *(const bool *)p ? 1 : 0);
        break;
    case KFK_FT_INT8:
        kfk_wbuf_put_int8(w, *(const int8_t *)p);
        break;
    case KFK_FT_INT16:
        kfk_wbuf_put_int16(w, *(const int16_t *)p);
        break;
    case KFK_FT_UINT16:
        kfk_wbuf_put_int16(w, (int16_t) * (const uint16_t *)p);
        break;
    case KFK_FT_INT32:
        kfk_wbuf_put_int32(w, *(const int32_t *)p);
        break;
    case KFK_FT_INT64:
        kfk_wbuf_put_int64(w, *(const int64_t *)p);
        break;
    case KFK_FT_FLOAT64: {
        int64_t bits;
        memcpy(&bits, p, sizeof bits);
        kfk_wbuf_put_int64(w, bits);
        break;
    }
    case KFK_FT_UUID:
        kfk_wbuf_put_raw(w, p, 16);
        break;
    case KFK_FT_STRING: {
        kfk_str_t str = *(const kfk_str_t *)p;
        if (str.len < -1 || (str.len == -1 && !can_null) || (str.len > 0 && !str.ptr)) {
            fail_w(w, KFK_ERR__INVALID_ARG);
            return;
        }
        kfk_wbuf_put_str(w, str, flex);
        break;
    }
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS: {
        kfk_bytes_t b = *(const kfk_bytes_t *)p;
        if (b.len < -1 || (b.len == -1 && !can_null) || (b.len > 0 && !b.ptr)) {
            fail_w(w, KFK_ERR__INVALID_ARG);
            return;
        }
        if (f->type == KFK_FT_RECORDS && w->splice_min && b.len >= 0 &&
            (size_t)b.len >= w->splice_min) {
            /* Zero copy: the length here, the record batches by reference. */
            if (flex)
                kfk_wbuf_put_uvarint(w, (uint32_t)b.len + 1);
            else
                kfk_wbuf_put_int32(w, b.len);
            kfk_wbuf_splice(w, b.ptr, (size_t)b.len);
            break;
        }
        kfk_wbuf_put_bytes(w, b, flex);
        break;
    }
    case KFK_FT_STRUCT:
        encode_struct(f->sub, v, flex, p, w);
        break;
    case KFK_FT_NULLABLE_STRUCT: {
        const void *sp = *(const void *const *)p;
        if (!sp && !can_null) {
            fail_w(w, KFK_ERR__INVALID_ARG);
            return;
        }
        if (can_null)
            kfk_wbuf_put_int8(w, sp ? 1 : -1);
        if (sp)
            encode_struct(f->sub, v, flex, sp, w);
        break;
    }
    case KFK_FT_ARRAY_INT32:
    case KFK_FT_ARRAY_INT64:
    case KFK_FT_ARRAY_STRING:
    case KFK_FT_ARRAY_STRUCT: {
        const kfk_array_t *a = p;
        if (a->count < -1 || (a->count == -1 && !can_null) || (a->count > 0 && !a->items)) {
            fail_w(w, KFK_ERR__INVALID_ARG);
            return;
        }
        kfk_wbuf_put_array_len(w, a->count, flex);
        for (int32_t i = 0; i < a->count && !w->err; i++) {
            if (f->type == KFK_FT_ARRAY_INT32) {
                kfk_wbuf_put_int32(w, ((const int32_t *)a->items)[i]);
            } else if (f->type == KFK_FT_ARRAY_INT64) {
                kfk_wbuf_put_int64(w, ((const int64_t *)a->items)[i]);
            } else if (f->type == KFK_FT_ARRAY_STRING) {
                kfk_str_t str = ((const kfk_str_t *)a->items)[i];
                if (str.len < 0 || (str.len > 0 && !str.ptr)) {
                    fail_w(w, KFK_ERR__INVALID_ARG);
                    return;
                }
                kfk_wbuf_put_str(w, str, flex);
            } else {
                encode_struct(f->sub, v, flex, (const uint8_t *)a->items + (size_t)i * f->sub->size,
                              w);
            }
        }
        break;
    }
    }
}

/* Reads the tag number of the next raw tagged entry in @p r (and skips it). */
static int64_t next_raw_tag(kfk_rbuf_t *r, const uint8_t **start, const uint8_t **end) {
    if (kfk_rbuf_left(r) == 0)
        return -1;
    *start = r->p;
    uint32_t tag = kfk_rbuf_get_uvarint(r);
    uint32_t size = kfk_rbuf_get_uvarint(r);
    kfk_rbuf_take(r, size);
    if (r->err)
        return -1;
    *end = r->p;
    return tag;
}

static void encode_tagged(const kfk_schema_t *s, int16_t v, const void *msg, kfk_wbuf_t *w) {
    const kfk_bytes_t *unk = (const kfk_bytes_t *)((const uint8_t *)msg + s->unknown_tags_offset);
    uint32_t count = 0;
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (f->tag >= 0 && in_version(f, v) && !is_default(f, FIELD_CPTR(msg, f)))
            count++;
    }
    kfk_rbuf_t ur;
    kfk_rbuf_init(&ur, unk->len > 0 ? unk->ptr : NULL, unk->len > 0 ? (size_t)unk->len : 0);
    const uint8_t *us = NULL, *ue = NULL;
    while (next_raw_tag(&ur, &us, &ue) >= 0)
        count++;
    if (ur.err) {
        fail_w(w, KFK_ERR__INVALID_ARG);
        return;
    }
    kfk_wbuf_put_uvarint(w, count);
    if (count == 0)
        return;

    /* Merge known (in table order, which is tag order) and unknown entries by tag. */
    kfk_rbuf_init(&ur, unk->len > 0 ? unk->ptr : NULL, unk->len > 0 ? (size_t)unk->len : 0);
    int64_t utag = next_raw_tag(&ur, &us, &ue);
    int64_t last = -1;
    for (uint16_t i = 0; i <= s->nfields && !w->err; i++) {
        const kfk_field_desc_t *f = i < s->nfields ? &s->fields[i] : NULL;
        if (f && (f->tag < 0 || !in_version(f, v) || is_default(f, FIELD_CPTR(msg, f))))
            continue;
        int64_t ktag = f ? f->tag : INT64_MAX;
        while (utag >= 0 && utag < ktag) {
            if (utag <= last) {
                fail_w(w, KFK_ERR__INVALID_ARG);
                return;
            }
            kfk_wbuf_put_raw(w, us, (size_t)(ue - us));
            last = utag;
            utag = next_raw_tag(&ur, &us, &ue);
        }
        if (!f)
            break;
        if (ktag <= last || utag == ktag) {
            fail_w(w, KFK_ERR__INVALID_ARG); /* duplicate tag */
            return;
        }
        kfk_wbuf_t tmp;
        kfk_wbuf_init(&tmp);
        encode_value(f, v, true, FIELD_CPTR(msg, f), &tmp);
        if (tmp.err || tmp.len > UINT32_MAX) {
            fail_w(w, tmp.err ? tmp.err : KFK_ERR__INVALID_ARG);
            kfk_wbuf_free(&tmp);
            return;
        }
        kfk_wbuf_put_uvarint(w, (uint32_t)ktag);
        kfk_wbuf_put_uvarint(w, (uint32_t)tmp.len);
        kfk_wbuf_put_raw(w, tmp.data, tmp.len);
        kfk_wbuf_free(&tmp);
        last = ktag;
    }
}

static void encode_struct(const kfk_schema_t *s, int16_t v, bool flex, const void *msg,
                          kfk_wbuf_t *w) {
    for (uint16_t i = 0; i < s->nfields && !w->err; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (f->tag >= 0 || !in_version(f, v))
            continue;
        encode_value(f, v, flex, FIELD_CPTR(msg, f), w);
    }
    if (flex && !w->err)
        encode_tagged(s, v, msg, w);
}

kfk_err_t kfk_schema_encode(const kfk_schema_t *schema, int16_t version, bool flexible,
                            const void *msg, kfk_wbuf_t *w) {
    if (!schema || !msg || version < 0)
        return KFK_ERR__INVALID_ARG;
    if (w->err)
        return w->err;
    encode_struct(schema, version, flexible, msg, w);
    return w->err;
}

/* ---- decode --------------------------------------------------------------------------------- */

/* The fewest bytes one struct can take on the wire at version v: what bounds array counts. */
static size_t min_wire_size(const kfk_schema_t *s, int16_t v, bool flex) {
    size_t n = flex ? 1 : 0; /* tagged-field count */
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (f->tag >= 0 || !in_version(f, v))
            continue;
        switch ((kfk_ftype_t)f->type) {
        case KFK_FT_BOOL:
        case KFK_FT_INT8:
            n += 1;
            break;
        case KFK_FT_INT16:
        case KFK_FT_UINT16:
            n += 2;
            break;
        case KFK_FT_INT32:
            n += 4;
            break;
        case KFK_FT_INT64:
        case KFK_FT_FLOAT64:
            n += 8;
            break;
        case KFK_FT_UUID:
            n += 16;
            break;
        case KFK_FT_STRING:
            n += flex ? 1 : 2;
            break;
        case KFK_FT_STRUCT:
            n += min_wire_size(f->sub, v, flex);
            break;
        case KFK_FT_NULLABLE_STRUCT: /* the null marker alone where nullable */
            n += nullable(f, v) ? 1 : min_wire_size(f->sub, v, flex);
            break;
        case KFK_FT_BYTES:
        case KFK_FT_RECORDS:
        case KFK_FT_ARRAY_INT32:
        case KFK_FT_ARRAY_INT64:
        case KFK_FT_ARRAY_STRING:
        case KFK_FT_ARRAY_STRUCT:
            n += flex ? 1 : 4;
            break;
        }
    }
    return n ? n : 1;
}

#define PATH_MAX_DEPTH 8

typedef struct {
    const char *name;
    int32_t index; /* -1: not inside an array element */
} path_elem_t;

/* Where the decoder is (field names and array indexes) and the first failure's record. Shared
 * by the sub-decoders of tagged fields, so the innermost failure is the one kept. */
typedef struct {
    const uint8_t *origin; /* offsets count from here */
    kfk_decode_error_t *de;
    int recorded;
    int depth;
    path_elem_t path[PATH_MAX_DEPTH];
} diag_t;

typedef struct {
    kfk_rbuf_t *r;
    kfk_arena_t *arena;
    int16_t v;
    bool flex;
    kfk_err_t err; /* KFK_ERR__NOMEM from the arena; malformed input is r->err */
    diag_t *dg;    /* NULL: nobody asked where */
} dec_t;

static void path_push(dec_t *d, const char *name) {
    if (!d->dg)
        return;
    if (d->dg->depth < PATH_MAX_DEPTH)
        d->dg->path[d->dg->depth] = (path_elem_t){name, -1};
    d->dg->depth++;
}

static void path_pop(dec_t *d) {
    if (d->dg && d->dg->depth > 0)
        d->dg->depth--;
}

static void path_index(dec_t *d, int32_t i) {
    if (d->dg && d->dg->depth > 0 && d->dg->depth <= PATH_MAX_DEPTH)
        d->dg->path[d->dg->depth - 1].index = i;
}

/* Records the first failure: the field path as it stands, the offset of @p at and the text
 * in @p what (already formatted). Later failures are consequences of the first: ignored. */
static void note(dec_t *d, const uint8_t *at, const char *what) {
    diag_t *g = d->dg;
    if (!g || g->recorded || !g->de)
        return;
    g->recorded = 1;
    kfk_decode_error_t *e = g->de;
    memset(e, 0, sizeof *e);
    e->offset = at && g->origin && at >= g->origin ? (size_t)(at - g->origin) : 0;
    size_t n = 0;
    int depth = g->depth < PATH_MAX_DEPTH ? g->depth : PATH_MAX_DEPTH;
    for (int i = 0; i < depth && n < sizeof e->field; i++) {
        int k;
        if (g->path[i].index >= 0)
            k = snprintf(e->field + n, sizeof e->field - n, "%s%s[%d]", i ? "." : "",
                         g->path[i].name, (int)g->path[i].index);
        else
            k = snprintf(e->field + n, sizeof e->field - n, "%s%s", i ? "." : "", g->path[i].name);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    snprintf(e->what, sizeof e->what, "%s", what);
}

/*
 * Says why a length or count at @p p (up to @p end) is bad, into @p what; false when it is
 * fine. compact: an unsigned varint of N+1 (0 = null); else a big-endian int of @p width bytes
 * (-1 = null). @p min_elem: the fewest bytes one element takes (1 for strings and bytes).
 */
static bool why_len(const uint8_t *p, const uint8_t *end, bool compact, int width, bool can_null,
                    size_t min_elem, const char *kind, char *what, size_t size) {
    int64_t v;
    size_t hdr;
    size_t avail = (size_t)(end - p);
    if (compact) {
        uint32_t u = 0;
        size_t i;
        for (i = 0;; i++) {
            if (i >= avail) {
                snprintf(what, size, "%s varint past the end (%zu bytes left)", kind, avail);
                return true;
            }
            if (i == 4 && (p[i] & 0xf0)) {
                snprintf(what, size, "%s varint longer than 5 bytes", kind);
                return true;
            }
            u |= (uint32_t)(p[i] & 0x7f) << (7 * i);
            if (!(p[i] & 0x80))
                break;
        }
        hdr = i + 1;
        v = (int64_t)u - 1;
    } else {
        if (avail < (size_t)width) {
            snprintf(what, size, "%d-byte %s past the end (%zu bytes left)", width, kind, avail);
            return true;
        }
        hdr = (size_t)width;
        if (width == 2)
            v = (int16_t)(uint16_t)((p[0] << 8) | p[1]);
        else
            v = (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                          p[3]);
    }
    size_t left = avail - hdr;
    if (v < -1) {
        snprintf(what, size, "negative %s %lld", kind, (long long)v);
        return true;
    }
    if (v == -1 && !can_null) {
        snprintf(what, size, "null where not nullable");
        return true;
    }
    if (min_elem < 1)
        min_elem = 1;
    if (v > 0 && (uint64_t)v > left / min_elem) {
        if (min_elem > 1)
            snprintf(what, size, "%s %lld past the end (%zu bytes left, %zu per element)", kind,
                     (long long)v, left, min_elem);
        else
            snprintf(what, size, "%s %lld past the end (%zu bytes left)", kind, (long long)v, left);
        return true;
    }
    return false;
}

/* Records why the value of @p f starting at @p start failed to read (the reader is failed). */
static void note_value(dec_t *d, const kfk_field_desc_t *f, const uint8_t *start, bool can_null,
                       bool element) {
    if (!d->dg || d->dg->recorded)
        return;
    char what[128];
    const uint8_t *end = d->r->end;
    size_t avail = start <= end ? (size_t)(end - start) : 0;
    static const int fixed[] = {
        [KFK_FT_BOOL] = 1,  [KFK_FT_INT8] = 1,  [KFK_FT_INT16] = 2,   [KFK_FT_UINT16] = 2,
        [KFK_FT_INT32] = 4, [KFK_FT_INT64] = 8, [KFK_FT_FLOAT64] = 8, [KFK_FT_UUID] = 16};
    kfk_ftype_t t = (kfk_ftype_t)f->type;
    if (element) {
        /* An element of an ARRAY_STRING / ARRAY_INT32 / ARRAY_INT64. */
        if (t == KFK_FT_ARRAY_STRING) {
            if (!why_len(start, end, d->flex, 2, false, 1, "length", what, sizeof what))
                snprintf(what, sizeof what, "malformed string");
        } else {
            snprintf(what, sizeof what, "%d-byte element past the end (%zu bytes left)",
                     t == KFK_FT_ARRAY_INT64 ? 8 : 4, avail);
        }
    } else if (t <= KFK_FT_UUID) {
        snprintf(what, sizeof what, "%d-byte value past the end (%zu bytes left)", fixed[t], avail);
    } else if (t == KFK_FT_STRING) {
        if (!why_len(start, end, d->flex, 2, can_null, 1, "length", what, sizeof what))
            snprintf(what, sizeof what, "malformed string");
    } else if (t == KFK_FT_BYTES || t == KFK_FT_RECORDS) {
        if (!why_len(start, end, d->flex, 4, can_null, 1, "length", what, sizeof what))
            snprintf(what, sizeof what, "malformed bytes");
    } else {
        snprintf(what, sizeof what, "malformed value");
    }
    note(d, start, what);
}

static void decode_struct(dec_t *d, const kfk_schema_t *s, void *msg);

static void *arena_array(dec_t *d, int32_t count, size_t elem) {
    if (count <= 0)
        return NULL;
    void *p = kfk_arena_alloc(d->arena, (size_t)count * elem);
    if (!p) {
        char what[128];
        snprintf(what, sizeof what, "out of memory for %d elements (arena limit)", (int)count);
        note(d, d->r->p, what);
        d->err = KFK_ERR__NOMEM;
        kfk_rbuf_fail(d->r, KFK_ERR__NOMEM);
    }
    return p;
}

static void decode_value(dec_t *d, const kfk_field_desc_t *f, void *p) {
    kfk_rbuf_t *r = d->r;
    bool can_null = nullable(f, d->v);
    const uint8_t *start = r->p;
    switch ((kfk_ftype_t)f->type) {
    case KFK_FT_BOOL:
        *(bool *)p = kfk_rbuf_get_int8(r) != 0;
        break;
    case KFK_FT_INT8:
        *(int8_t *)p = kfk_rbuf_get_int8(r);
        break;
    case KFK_FT_INT16:
        *(int16_t *)p = kfk_rbuf_get_int16(r);
        break;
    case KFK_FT_UINT16:
        *(uint16_t *)p = (uint16_t)kfk_rbuf_get_int16(r);
        break;
    case KFK_FT_INT32:
        *(int32_t *)p = kfk_rbuf_get_int32(r);
        break;
    case KFK_FT_INT64:
        *(int64_t *)p = kfk_rbuf_get_int64(r);
        break;
    case KFK_FT_FLOAT64: {
        int64_t bits = kfk_rbuf_get_int64(r);
        memcpy(p, &bits, sizeof bits);
        break;
    }
    case KFK_FT_UUID: {
        const uint8_t *u = kfk_rbuf_take(r, 16);
        if (u)
            memcpy(p, u, 16);
        break;
    }
    case KFK_FT_STRING:
        *(kfk_str_t *)p = kfk_rbuf_get_str(r, d->flex, can_null);
        break;
    case KFK_FT_BYTES:
    case KFK_FT_RECORDS:
        *(kfk_bytes_t *)p = kfk_rbuf_get_bytes(r, d->flex, can_null);
        break;
    case KFK_FT_STRUCT:
        decode_struct(d, f->sub, p);
        return;
    case KFK_FT_NULLABLE_STRUCT: {
        *(void **)p = NULL;
        if (can_null) {
            int8_t marker = kfk_rbuf_get_int8(r);
            if (r->err) {
                note(d, start, "null marker past the end");
                return;
            }
            if (marker < 0)
                return;
        }
        void *sp = kfk_arena_alloc(d->arena, f->sub->size);
        if (!sp) {
            note(d, r->p, "out of memory for a struct (arena limit)");
            d->err = KFK_ERR__NOMEM;
            kfk_rbuf_fail(r, KFK_ERR__NOMEM);
            return;
        }
        *(void **)p = sp;
        decode_struct(d, f->sub, sp);
        return;
    }
    case KFK_FT_ARRAY_INT32:
    case KFK_FT_ARRAY_INT64:
    case KFK_FT_ARRAY_STRING:
    case KFK_FT_ARRAY_STRUCT: {
        kfk_array_t *a = p;
        size_t wire, elem;
        if (f->type == KFK_FT_ARRAY_INT32) {
            wire = 4;
            elem = sizeof(int32_t);
        } else if (f->type == KFK_FT_ARRAY_INT64) {
            wire = 8;
            elem = sizeof(int64_t);
        } else if (f->type == KFK_FT_ARRAY_STRING) {
            wire = d->flex ? 1 : 2;
            elem = sizeof(kfk_str_t);
        } else {
            wire = min_wire_size(f->sub, d->v, d->flex);
            elem = f->sub->size;
        }
        a->items = NULL;
        a->count = kfk_rbuf_get_array_len(r, d->flex, can_null, wire);
        if (r->err) {
            char what[128];
            if (!why_len(start, r->end, d->flex, 4, can_null, wire, "count", what, sizeof what))
                snprintf(what, sizeof what, "malformed array count");
            note(d, start, what);
        }
        if (r->err || a->count <= 0)
            return;
        a->items = arena_array(d, a->count, elem);
        if (!a->items) {
            a->count = 0;
            return;
        }
        for (int32_t i = 0; i < a->count && !r->err; i++) {
            const uint8_t *at = r->p;
            path_index(d, i);
            if (f->type == KFK_FT_ARRAY_INT32)
                ((int32_t *)a->items)[i] = kfk_rbuf_get_int32(r);
            else if (f->type == KFK_FT_ARRAY_INT64)
                ((int64_t *)a->items)[i] = kfk_rbuf_get_int64(r);
            else if (f->type == KFK_FT_ARRAY_STRING)
                ((kfk_str_t *)a->items)[i] = kfk_rbuf_get_str(r, d->flex, false);
            else
                decode_struct(d, f->sub, (uint8_t *)a->items + (size_t)i * elem);
            if (r->err && f->type != KFK_FT_ARRAY_STRUCT)
                note_value(d, f, at, false, true);
        }
        if (!r->err)
            path_index(d, -1);
        return;
    }
    }
    if (r->err)
        note_value(d, f, start, can_null, false);
}

/* Decodes one field with its name on the path (kept on failure: the path says where). */
static void decode_field(dec_t *d, const kfk_field_desc_t *f, void *p) {
    path_push(d, f->name);
    decode_value(d, f, p);
    if (!d->r->err)
        path_pop(d);
}

static const kfk_field_desc_t *find_tag(const kfk_schema_t *s, int16_t v, uint32_t tag) {
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (f->tag >= 0 && (uint32_t)f->tag == tag && in_version(f, v))
            return f;
    }
    return NULL;
}

static void decode_tagged(dec_t *d, const kfk_schema_t *s, void *msg) {
    kfk_rbuf_t *r = d->r;
    char what[128];
    path_push(d, "tagged_fields");
    /* Each entry takes at least 2 bytes (tag and size), which bounds the count. */
    const uint8_t *cstart = r->p;
    uint32_t count = kfk_rbuf_get_uvarint(r);
    if (r->err) {
        if (!why_len(cstart, r->end, true, 0, true, 1, "count", what, sizeof what))
            snprintf(what, sizeof what, "malformed count");
        note(d, cstart, what);
    } else if (count > kfk_rbuf_left(r) / 2) {
        snprintf(what, sizeof what, "count %u past the end (%zu bytes left, 2 per field)",
                 (unsigned)count, kfk_rbuf_left(r));
        note(d, cstart, what);
        kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
    }
    if (r->err || count == 0) {
        if (!r->err)
            path_pop(d);
        return;
    }

    /* Pass 1: check the framing and tag order, and size the unknown entries. */
    kfk_rbuf_t scan = *r;
    int64_t last = -1;
    size_t unk_total = 0;
    for (uint32_t i = 0; i < count && !scan.err; i++) {
        const uint8_t *start = scan.p;
        uint32_t tag = kfk_rbuf_get_uvarint(&scan);
        uint32_t size = kfk_rbuf_get_uvarint(&scan);
        if (scan.err) {
            snprintf(what, sizeof what,
                     "tagged field %u: tag or size varint malformed or past "
                     "the end",
                     (unsigned)i);
            note(d, start, what);
        } else if ((int64_t)tag <= last) {
            snprintf(what, sizeof what, "tag %u out of order (after %lld)", (unsigned)tag,
                     (long long)last);
            note(d, start, what);
            kfk_rbuf_fail(&scan, KFK_ERR__BAD_MSG);
        } else if (size > kfk_rbuf_left(&scan)) {
            snprintf(what, sizeof what, "tag %u of %u bytes past the end (%zu bytes left)",
                     (unsigned)tag, (unsigned)size, kfk_rbuf_left(&scan));
            note(d, start, what);
            kfk_rbuf_fail(&scan, KFK_ERR__BAD_MSG);
        }
        kfk_rbuf_take(&scan, size);
        last = tag;
        if (!scan.err && !find_tag(s, d->v, tag))
            unk_total += (size_t)(scan.p - start);
    }
    if (scan.err) {
        kfk_rbuf_fail(r, scan.err);
        return;
    }
    uint8_t *unk = NULL;
    if (unk_total) {
        unk = kfk_arena_alloc(d->arena, unk_total);
        if (!unk) {
            note(d, r->p, "out of memory for unknown tagged fields (arena limit)");
            d->err = KFK_ERR__NOMEM;
            kfk_rbuf_fail(r, KFK_ERR__NOMEM);
            return;
        }
    }
    path_pop(d);

    /* Pass 2: decode the known fields, copy the unknown entries (kept raw, contiguous). */
    size_t unk_len = 0;
    for (uint32_t i = 0; i < count && !r->err; i++) {
        const uint8_t *start = r->p;
        uint32_t tag = kfk_rbuf_get_uvarint(r);
        uint32_t size = kfk_rbuf_get_uvarint(r);
        const kfk_field_desc_t *f = find_tag(s, d->v, tag);
        if (f) {
            /* The field's payload is exactly `size` bytes: decode it from a sub-reader. */
            kfk_rbuf_t sub;
            kfk_rbuf_init(&sub, r->p, size);
            dec_t sd = *d;
            sd.r = &sub;
            sd.flex = true;
            path_push(d, f->name);
            decode_value(&sd, f, FIELD_PTR(msg, f));
            if (sd.err)
                d->err = sd.err;
            if (sub.err || kfk_rbuf_left(&sub) != 0) {
                if (!sub.err) {
                    snprintf(what, sizeof what, "tag %u: %zu bytes left over in its %u",
                             (unsigned)tag, kfk_rbuf_left(&sub), (unsigned)size);
                    note(d, start, what);
                }
                kfk_rbuf_fail(r, sub.err ? sub.err : KFK_ERR__BAD_MSG);
                break;
            }
            path_pop(d);
            kfk_rbuf_take(r, size);
        } else {
            kfk_rbuf_take(r, size);
            size_t n = (size_t)(r->p - start);
            memcpy(unk + unk_len, start, n);
            unk_len += n;
        }
    }
    kfk_bytes_t *ub = (kfk_bytes_t *)((uint8_t *)msg + s->unknown_tags_offset);
    *ub = (kfk_bytes_t){unk, (int32_t)unk_len};
}

static void decode_struct(dec_t *d, const kfk_schema_t *s, void *msg) {
    set_defaults(s, msg);
    for (uint16_t i = 0; i < s->nfields && !d->r->err; i++) {
        const kfk_field_desc_t *f = &s->fields[i];
        if (f->tag >= 0 || !in_version(f, d->v))
            continue;
        decode_field(d, f, FIELD_PTR(msg, f));
    }
    if (d->flex && !d->r->err)
        decode_tagged(d, s, msg);
}

kfk_err_t kfk_schema_decode_ex(const kfk_schema_t *schema, int16_t version, bool flexible,
                               kfk_rbuf_t *r, kfk_arena_t *arena, void *out, const uint8_t *origin,
                               kfk_decode_error_t *derr) {
    if (!schema || !r || !arena || !out || version < 0)
        return KFK_ERR__INVALID_ARG;
    if (r->err)
        return r->err;
    diag_t g;
    memset(&g, 0, sizeof g);
    g.origin = origin ? origin : r->p;
    g.de = derr;
    dec_t d = {r, arena, version, flexible, KFK_ERR_NONE, derr ? &g : NULL};
    const uint8_t *begin = r->p;
    decode_struct(&d, schema, out);
    kfk_err_t err = d.err ? d.err : r->err;
    if (err && derr && !g.recorded) {
        /* Every failure above is noted where it happens; this is a safety net. */
        g.depth = 0;
        note(&d, begin, err == KFK_ERR__NOMEM ? "out of memory" : "malformed");
    }
    return err;
}

kfk_err_t kfk_schema_decode(const kfk_schema_t *schema, int16_t version, bool flexible,
                            kfk_rbuf_t *r, kfk_arena_t *arena, void *out) {
    return kfk_schema_decode_ex(schema, version, flexible, r, arena, out, NULL, NULL);
}

const char *kfk_decode_error_format(const kfk_decode_error_t *e, size_t offset_base, char *buf,
                                    size_t size) {
    if (!buf || !size)
        return buf;
    if (!e) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, size, "at byte %zu: %s%s%s", e->offset + offset_base, e->field,
             e->field[0] ? ": " : "", e->what[0] ? e->what : "malformed");
    return buf;
}
