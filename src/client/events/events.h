/*
 * events.h: internal pieces of the events layer shared by emitter.c, listener.c and
 * template.c: envelope formats and Dispytch's str.format templates over msgpack values.
 */
#ifndef KFK_CLIENT_EVENTS_H
#define KFK_CLIENT_EVENTS_H

#include <msgpack.h>

#include "kfk/kfk.h"

/* Nested containers a listener reads in one record value (msgpack-c's unpacker stack,
 * MSGPACK_EMBED_STACK_SIZE); the emitter refuses events that would nest deeper. */
#define KFK__EVENT_MAX_DEPTH 32

/* The wire form of an envelope value: which Dispytch release's layout. */
typedef enum { FORMAT_DISPYTCH_10, FORMAT_DISPYTCH_09, FORMAT_NONE } kfk__event_format_t;

/* 1 when @p env is one of the six formats (not KFK_ENVELOPE_EMITTER). */
int kfk__envelope_valid(kfk_envelope_t env);

/* The layout of @p env (valid). */
kfk__event_format_t kfk__envelope_format(kfk_envelope_t env);

/* 1 when @p env's serializer is msgpack, 0 for JSON. */
int kfk__envelope_is_msgpack(kfk_envelope_t env);

/*
 * Checks the syntax of a Python str.format template as Dispytch fills it with an event's fields
 * (format(**fields)): literal text with {{ and }} escapes, and fields "name", "name.attr",
 * "name[key]" nested, each with an optional conversion !s, !r or !a and no format spec. 0, or
 * KFK_ERR__INVALID_ARG with the reason in @p errstr ("@p what TEMPLATE: ...").
 */
kfk_err_t kfk__template_check(const char *tpl, const char *what, char *errstr, size_t errstr_size);

/*
 * Appends @p tpl filled from the map @p fields to @p out, each field as Python's str() (or
 * repr() with !r / !a) of its value. KFK_ERR__KEY_PATH when a field is missing ("@p what
 * TEMPLATE: field user.id missing from the event"), KFK_ERR__INVALID_ARG for a bad template or
 * a value Python could not hold (msgpack ext), KFK_ERR__NOMEM.
 */
kfk_err_t kfk__template_render(const char *tpl, const msgpack_object *fields, const char *what,
                               kfk_wbuf_t *out, char *errstr, size_t errstr_size);

/* Appends Python's str() (@p repr 0) or repr() (1) of @p o; -1 for a msgpack ext or nesting past
 * 64 levels, else 0 (KFK_ERR__NOMEM stays in out->err). */
int kfk__py_str(const msgpack_object *o, int repr, kfk_wbuf_t *out);

/* What one emit is: from the per-call arguments or a declared event. */
typedef struct {
    kfk_envelope_t envelope; /* one of the six (not KFK_ENVELOPE_EMITTER) */
    const char *topic;
    int topic_is_template;
    const char *type; /* NULL: none (envelope none only) */
    const char *partition_by;
    const char *partition_key; /* a template */
} kfk__event_spec_t;

/* The scratch an encoded record points into (zero it first; kfk__event_bufs_free). */
typedef struct {
    kfk_wbuf_t value, topic, key;
} kfk__event_bufs_t;

/*
 * Encodes one event as its record, the emitter's work without the producer (sans-I/O, for the
 * unit tests): @p body the event's fields as msgpack (one map), @p body_json its JSON text when
 * the caller gave JSON (then written as it is; NULL: written from msgpack as json.dumps would),
 * @p o read options with defaults applied (partition, partition_by or key win over @p sp's key),
 * @p id the envelope's id ("" with envelope none), @p ts the envelope's and record's timestamp.
 * Fills @p r (topic, key, value pointing into @p b or @p o; partition, headers, timestamp).
 * KFK_ERR__INVALID_ARG (no topic or type), KFK_ERR__VALUE_DECODE (not a map),
 * KFK_ERR__KEY_PATH (a missing template field or path), KFK_ERR__NOMEM; the reason in
 * o->errstr when given.
 */
kfk_err_t kfk__event_encode(kfk__event_bufs_t *b, const kfk__event_spec_t *sp, const void *body,
                            size_t body_len, const char *body_json, size_t body_json_len,
                            const kfk_emit_opts_t *o, const char *id, int64_t ts, kfk_record_t *r);

/* Frees @p b's buffers. */
void kfk__event_bufs_free(kfk__event_bufs_t *b);

/* A record's value decoded: what a kfk_event_t points into. Zero it before the first use. */
typedef struct {
    msgpack_unpacked u;
    int unpacked;
    kfk_wbuf_t mp;   /* JSON envelopes: the msgpack form */
    kfk_wbuf_t json; /* the body as JSON text */
    char id[64];
    char type[128];
} kfk__event_decoded_t;

/*
 * Decodes a record value (@p value_len bytes; <= 0 or NULL: empty) in @p envelope into @p d and
 * sets @p ev's id, type (both NULL with envelope none), timestamp (-1 when absent), body and
 * body_json, pointing into @p d. NULL, or the reason the value is refused ("not JSON", "not
 * msgpack", "not a map", "no type", "type is not a string", "id is not a string", "no body",
 * "timestamp is not an integer", "out of memory"). Free @p d with kfk__event_decoded_free either
 * way.
 */
const char *kfk__event_decode(kfk_envelope_t envelope, const void *value, int32_t value_len,
                              kfk__event_decoded_t *d, kfk_event_t *ev);

/* 1 when @p topic matches the handler topic @p pattern, where each '*' or "{name}" (Dispytch's
 * field segment) matches any run of characters (none included), else 0. */
int kfk__topic_match(const char *pattern, const char *topic);

/* Frees what kfk__event_decode kept in @p d (zeroed or decoded). */
void kfk__event_decoded_free(kfk__event_decoded_t *d);

#endif
