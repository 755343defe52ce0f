/*
 * emitter.c: Dispytch-compatible events out: the emitter over a producer, declared events
 * (kfk_event_def_t), and the wire forms of every released Dispytch: the 0.10 envelope
 * {id, type, body, timestamp}, the 0.9 envelope {id, type, body}, and none (0.11: the value is the
 * event itself), each as JSON (Python's json.dumps separators for what kfk writes) or msgpack.
 * The partition key is str() of the value at a dotted path (kfk_msgpack_key_at), or a Python
 * str.format template filled from the body (template.c), so a Python emitter and kfk put a user's
 * events on the same partition; topics may be templates too.
 *
 * Lifecycle: the emitter has an embedded uv_timer_t (on the producer's loop) that is closed last,
 * so its close callback always runs from the loop, after the producer's reports of the events in
 * flight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>
#include <openssl/rand.h>

#include "client/core/opts.h"
#include "client/events/events.h"
#include "client/format/json.h"
#include "client/producer/producer.h"
#include "protocol/mem.h"

/* ---- emitter ----------------------------------------------------------------------------------
 */

struct kfk_emitter {
    kfk_producer_t *p;
    kfk_envelope_t envelope;
    kfk_wbuf_t body;        /* scratch: the body as msgpack */
    kfk__event_bufs_t bufs; /* scratch: the record's value, topic and key */
    uint64_t in_flight;
    int closing;
    kfk_emitter_close_cb close_cb;
    void *close_opaque;
    void *data;
    uv_timer_t timer; /* never started: closed last, so the close callback is asynchronous */
};

struct kfk_event_def {
    char *topic;
    int topic_is_template; /* holds { or } */
    char *type;
    char *partition_by;
    char *partition_key;
    kfk_envelope_t envelope;
};

typedef struct {
    kfk_emitter_t *e;
    kfk_emit_cb cb;
    void *opaque;
    char id[64];
} emit_ctx_t;

int kfk__envelope_valid(kfk_envelope_t env) {
    return env >= KFK_ENVELOPE_JSON && env <= KFK_ENVELOPE_NONE_MSGPACK;
}

kfk__event_format_t kfk__envelope_format(kfk_envelope_t env) {
    return env >= KFK_ENVELOPE_NONE_JSON         ? FORMAT_NONE
           : env >= KFK_ENVELOPE_DISPYTCH09_JSON ? FORMAT_DISPYTCH_09
                                                 : FORMAT_DISPYTCH_10;
}

int kfk__envelope_is_msgpack(kfk_envelope_t env) {
    return env == KFK_ENVELOPE_MSGPACK || env == KFK_ENVELOPE_DISPYTCH09_MSGPACK ||
           env == KFK_ENVELOPE_NONE_MSGPACK;
}

kfk_err_t kfk_envelope_parse(const char *format, const char *serializer, kfk_envelope_t *out) {
    int msgpack;
    if (!out)
        return KFK_ERR__INVALID_ARG;
    if (!serializer || !strcmp(serializer, "json"))
        msgpack = 0;
    else if (!strcmp(serializer, "msgpack"))
        msgpack = 1;
    else
        return KFK_ERR__INVALID_ARG;
    if (format && (!strcmp(format, "json") || !strcmp(format, "msgpack"))) {
        int alias = format[0] == 'm';
        if (serializer && alias != msgpack)
            return KFK_ERR__INVALID_ARG; /* --envelope msgpack --serializer json */
        *out = alias ? KFK_ENVELOPE_MSGPACK : KFK_ENVELOPE_JSON;
        return KFK_ERR_NONE;
    }
    if (!format || !strcmp(format, "dispytch") || !strcmp(format, "dispytch-0.10"))
        *out = msgpack ? KFK_ENVELOPE_MSGPACK : KFK_ENVELOPE_JSON;
    else if (!strcmp(format, "dispytch-0.9"))
        *out = msgpack ? KFK_ENVELOPE_DISPYTCH09_MSGPACK : KFK_ENVELOPE_DISPYTCH09_JSON;
    else if (!strcmp(format, "none"))
        *out = msgpack ? KFK_ENVELOPE_NONE_MSGPACK : KFK_ENVELOPE_NONE_JSON;
    else
        return KFK_ERR__INVALID_ARG;
    return KFK_ERR_NONE;
}

static int wbuf_write(void *data, const char *buf, size_t len) {
    kfk_wbuf_put_raw(data, buf, len);
    return ((kfk_wbuf_t *)data)->err ? -1 : 0;
}

static void uuid4(char out[37]) {
    uint8_t b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        /* No CSPRNG output: ids need uniqueness, not secrecy. */
        uint64_t t = uv_hrtime();
        for (int i = 0; i < 16; i++)
            b[i] = (uint8_t)(t >> (8 * (i % 8))) ^ (uint8_t)(i * 131);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = '\0';
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

kfk_err_t kfk_emitter_new(kfk_producer_t *p, kfk_envelope_t envelope, kfk_emitter_t **out) {
    if (!p || !out || !kfk__envelope_valid(envelope))
        return KFK_ERR__INVALID_ARG;
    kfk_emitter_t *e = kfk__calloc(1, sizeof *e);
    if (!e)
        return KFK_ERR__NOMEM;
    e->p = p;
    e->envelope = envelope;
    uv_timer_init(kfk__producer_loop(p), &e->timer);
    e->timer.data = e;
    *out = e;
    return KFK_ERR_NONE;
}

static void on_emitter_closed(uv_handle_t *h) {
    kfk_emitter_t *e = h->data;
    if (e->close_cb)
        e->close_cb(e, e->close_opaque); /* kfk.h: memory valid until it returns */
    kfk_wbuf_free(&e->body);
    kfk__event_bufs_free(&e->bufs);
    kfk__free(e);
}

static void emitter_release(kfk_emitter_t *e) {
    if (e->closing && e->in_flight == 0 && !uv_is_closing((uv_handle_t *)&e->timer))
        uv_close((uv_handle_t *)&e->timer, on_emitter_closed);
}

void kfk_emitter_close(kfk_emitter_t *e, kfk_emitter_close_cb cb, void *opaque) {
    if (!e || e->closing)
        return;
    e->closing = 1;
    e->close_cb = cb;
    e->close_opaque = opaque;
    emitter_release(e);
}

void *kfk_emitter_get_data(const kfk_emitter_t *e) {
    return e ? e->data : NULL;
}

void kfk_emitter_set_data(kfk_emitter_t *e, void *data) {
    if (e)
        e->data = data;
}

/* ---- declared events ------------------------------------------------------------------------
 */

static void set_err(char *errstr, size_t n, const char *msg) {
    if (errstr && n)
        snprintf(errstr, n, "%s", msg);
}

kfk_err_t kfk_event_def_new(const kfk_event_def_opts_t *opts, kfk_event_def_t **out, char *errstr,
                            size_t errstr_size) {
    kfk_event_def_opts_t o = KFK_EVENT_DEF_OPTS_INIT;
    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!opts || !out) {
        set_err(errstr, errstr_size, "no options or no output");
        return KFK_ERR__INVALID_ARG;
    }
    if (kfk__opts_read(&o, sizeof o, opts, "KFK_EVENT_DEF_OPTS_INIT", errstr, errstr_size))
        return KFK_ERR__INVALID_ARG;
    if (o.envelope != KFK_ENVELOPE_EMITTER && !kfk__envelope_valid(o.envelope)) {
        set_err(errstr, errstr_size, "unknown envelope");
        return KFK_ERR__INVALID_ARG;
    }
    if (!o.topic || !*o.topic) {
        set_err(errstr, errstr_size, "a declared event needs a topic");
        return KFK_ERR__INVALID_ARG;
    }
    int none =
        o.envelope != KFK_ENVELOPE_EMITTER && kfk__envelope_format(o.envelope) == FORMAT_NONE;
    if (!none && (!o.type || !*o.type)) {
        set_err(errstr, errstr_size,
                "a declared event needs a type (only envelope none goes without)");
        return KFK_ERR__INVALID_ARG;
    }
    if (o.partition_by && o.partition_key) {
        set_err(errstr, errstr_size,
                "give partition_by (a path) or partition_key (a template), not both");
        return KFK_ERR__INVALID_ARG;
    }
    if (o.partition_by && !*o.partition_by) {
        set_err(errstr, errstr_size, "partition_by is empty");
        return KFK_ERR__INVALID_ARG;
    }
    int topic_tpl = strpbrk(o.topic, "{}") != NULL;
    if ((topic_tpl && kfk__template_check(o.topic, "topic template", errstr, errstr_size)) ||
        (o.partition_key &&
         kfk__template_check(o.partition_key, "partition key template", errstr, errstr_size)))
        return KFK_ERR__INVALID_ARG;
    kfk_event_def_t *d = kfk__calloc(1, sizeof *d);
    if (!d)
        return KFK_ERR__NOMEM;
    d->topic = kfk__strndup(o.topic, strlen(o.topic));
    d->topic_is_template = topic_tpl;
    d->type = o.type ? kfk__strndup(o.type, strlen(o.type)) : NULL;
    d->partition_by = o.partition_by ? kfk__strndup(o.partition_by, strlen(o.partition_by)) : NULL;
    d->partition_key =
        o.partition_key ? kfk__strndup(o.partition_key, strlen(o.partition_key)) : NULL;
    d->envelope = o.envelope;
    if (!d->topic || (o.type && !d->type) || (o.partition_by && !d->partition_by) ||
        (o.partition_key && !d->partition_key)) {
        kfk_event_def_free(d);
        return KFK_ERR__NOMEM;
    }
    *out = d;
    return KFK_ERR_NONE;
}

void kfk_event_def_free(kfk_event_def_t *d) {
    if (!d)
        return;
    kfk__free(d->topic);
    kfk__free(d->type);
    kfk__free(d->partition_by);
    kfk__free(d->partition_key);
    kfk__free(d);
}

/* ---- emitting --------------------------------------------------------------------------------
 */

static void on_emitted(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    emit_ctx_t *ctx = opaque;
    kfk_emitter_t *e = ctx->e;
    /* Still counted during the callback: kfk_emitter_close there must not free e under us. */
    if (ctx->cb) /* also after kfk_emitter_close: every emitted event gets its report */
        ctx->cb(e, d->err, ctx->id, d->partition, d->offset, ctx->opaque);
    e->in_flight--;
    kfk__free(ctx);
    emitter_release(e);
}

/* The key at a dotted path, str() of the scalar there as Python writes it (Dispytch 0.9 hands
 * the value to aiokafka, whose key serializer is str(v).encode()): over the body, or with the
 * 0.9 envelope over the envelope ("body.user.id", "id", "type"). Appended to @p out. */
static kfk_err_t key_from_path(const msgpack_object *body, kfk__event_format_t fmt,
                               const char *path, const char *id, const char *type, kfk_wbuf_t *out,
                               char *errstr, size_t errsize) {
    const char *full = path;
    if (fmt == FORMAT_DISPYTCH_09) {
        const char *s = !strcmp(path, "id") ? id : !strcmp(path, "type") ? type : NULL;
        if (s) {
            kfk_wbuf_put_raw(out, s, strlen(s));
            return out->err;
        }
        if (!strncmp(path, "body.", 5))
            path += 5;
    }
    const msgpack_object *v = *path ? kfk_msgpack_get(body, path) : NULL;
    const char *why = !v ? "missing from the event"
                      : v->type == MSGPACK_OBJECT_NIL || v->type == MSGPACK_OBJECT_ARRAY ||
                              v->type == MSGPACK_OBJECT_MAP || v->type == MSGPACK_OBJECT_EXT
                          ? "not a scalar (a string, number or boolean)"
                          : NULL;
    if (why) {
        if (errstr && errsize)
            snprintf(errstr, errsize, "partition path %s: %s", full, why);
        return KFK_ERR__KEY_PATH;
    }
    kfk__py_str(v, 0, out);
    return out->err;
}

/* The nesting of @p o (a scalar 0, a container 1 + its deepest item), counted up to past @p max. */
static int depth_of(const msgpack_object *o, int depth, int max) {
    int d = 0;
    if (depth > max)
        return 1;
    if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size && d <= max; i++) {
            int x = depth_of(&o->via.array.ptr[i], depth + 1, max);
            d = x > d ? x : d;
        }
        return d + 1;
    }
    if (o->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < o->via.map.size && d <= max; i++) {
            int x = depth_of(&o->via.map.ptr[i].key, depth + 1, max);
            int y = depth_of(&o->via.map.ptr[i].val, depth + 1, max);
            d = x > d ? x : d;
            d = y > d ? y : d;
        }
        return d + 1;
    }
    return 0;
}

kfk_err_t kfk__event_encode(kfk__event_bufs_t *b, const kfk__event_spec_t *sp, const void *body,
                            size_t body_len, const char *body_json, size_t body_json_len,
                            const kfk_emit_opts_t *o, const char *id, int64_t ts, kfk_record_t *r) {
    char *errstr = o->errstr;
    size_t errsize = o->errstr ? o->errstr_size : 0;
    if (errstr && errsize)
        errstr[0] = '\0';
    kfk__event_format_t fmt = kfk__envelope_format(sp->envelope);
    int as_msgpack = kfk__envelope_is_msgpack(sp->envelope);
    if (!sp->topic || (!sp->type && fmt != FORMAT_NONE)) {
        set_err(errstr, errsize, sp->topic ? "no event type" : "no topic");
        return KFK_ERR__INVALID_ARG;
    }
    /* Dispytch's body is a map (the event's fields), and one well-formed value. */
    const uint8_t *bd = body;
    uint8_t m = body_len ? bd[0] : 0;
    size_t used = 0;
    if (!((m & 0xf0) == 0x80 || m == 0xde || m == 0xdf) ||
        !kfk__msgpack_check(body, body_len, &used) || used != body_len) {
        set_err(errstr, errsize, "the event is not a map (a JSON object)");
        return KFK_ERR__VALUE_DECODE;
    }
    /* Unpacked once for templates, paths and JSON written from msgpack (checked above). */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    /* A listener (msgpack-c's unpacker) reads KFK__EVENT_MAX_DEPTH nested containers, the
     * envelope's map included: deeper events are refused here rather than sent unreadable. */
    int limit = KFK__EVENT_MAX_DEPTH - (fmt == FORMAT_NONE ? 0 : 1);
    if (msgpack_unpack_next(&u, body, body_len, &off) != MSGPACK_UNPACK_SUCCESS ||
        depth_of(&u.data, 0, limit) > limit) {
        msgpack_unpacked_destroy(&u);
        if (errstr && errsize)
            snprintf(errstr, errsize,
                     "the event nests deeper than %d levels: a listener could not read it", limit);
        return KFK_ERR__VALUE_DECODE;
    }
    kfk_err_t err = KFK_ERR_NONE;
    kfk_wbuf_t *k = &b->key, *w = &b->value, *t = &b->topic;
    k->len = w->len = t->len = 0;
    k->err = w->err = t->err = KFK_ERR_NONE;
    memset(r, 0, sizeof *r);
    r->topic = sp->topic;
    if (sp->topic_is_template) {
        if ((err = kfk__template_render(sp->topic, &u.data, "topic template", t, errstr,
                                        errsize)) != 0)
            goto out;
        kfk_wbuf_put_raw(t, "", 1);
        if ((err = t->err) != 0)
            goto out;
        r->topic = (const char *)t->data;
    }
    r->partition = o->has_partition ? o->partition : KFK_PARTITION_ANY;
    const char *path = o->partition_by ? o->partition_by : o->key ? NULL : sp->partition_by;
    if (path) {
        if ((err = key_from_path(&u.data, fmt, path, id, sp->type, k, errstr, errsize)) != 0)
            goto out;
        r->key = k->data ? (const void *)k->data : (const void *)"";
        r->key_len = k->len;
    } else if (o->key) {
        r->key = o->key;
        r->key_len = o->key_len;
    } else if (sp->partition_key) {
        if ((err = kfk__template_render(sp->partition_key, &u.data, "partition key template", k,
                                        errstr, errsize)) != 0)
            goto out;
        r->key = k->data ? (const void *)k->data : (const void *)"";
        r->key_len = k->len;
    }
    if (fmt == FORMAT_NONE) {
        if (as_msgpack)
            kfk_wbuf_put_raw(w, body, body_len);
        else if (body_json)
            kfk_wbuf_put_raw(w, body_json, body_json_len);
        else
            kfk__msgpack_object_to_pyjson(&u.data, w);
    } else if (as_msgpack) {
        msgpack_packer pk;
        msgpack_packer_init(&pk, w, wbuf_write);
        msgpack_pack_map(&pk, fmt == FORMAT_DISPYTCH_10 ? 4 : 3);
        msgpack_pack_str_with_body(&pk, "id", 2);
        msgpack_pack_str_with_body(&pk, id, strlen(id));
        msgpack_pack_str_with_body(&pk, "type", 4);
        msgpack_pack_str_with_body(&pk, sp->type, strlen(sp->type));
        msgpack_pack_str_with_body(&pk, "body", 4);
        kfk_wbuf_put_raw(w, body, body_len); /* already msgpack */
        if (fmt == FORMAT_DISPYTCH_10) {
            msgpack_pack_str_with_body(&pk, "timestamp", 9);
            msgpack_pack_int64(&pk, ts);
        }
    } else {
        kfk_wbuf_put_raw(w, "{\"id\": ", 7);
        kfk__json_put_string(w, id, strlen(id));
        kfk_wbuf_put_raw(w, ", \"type\": ", 10);
        kfk__json_put_string(w, sp->type, strlen(sp->type));
        kfk_wbuf_put_raw(w, ", \"body\": ", 10);
        if (body_json)
            kfk_wbuf_put_raw(w, body_json, body_json_len);
        else
            kfk__msgpack_object_to_pyjson(&u.data, w);
        if (fmt == FORMAT_DISPYTCH_10) {
            char tsbuf[40];
            int n = snprintf(tsbuf, sizeof tsbuf, ", \"timestamp\": %lld}", (long long)ts);
            kfk_wbuf_put_raw(w, tsbuf, (size_t)n);
        } else {
            kfk_wbuf_put_raw(w, "}", 1);
        }
    }
    if ((err = w->err) != 0)
        goto out;
    r->value = w->data;
    r->value_len = w->len;
    r->headers = o->headers;
    r->header_cnt = o->header_cnt;
    r->timestamp = ts;
out:
    msgpack_unpacked_destroy(&u);
    return err;
}

void kfk__event_bufs_free(kfk__event_bufs_t *b) {
    kfk_wbuf_free(&b->value);
    kfk_wbuf_free(&b->topic);
    kfk_wbuf_free(&b->key);
}

/* Encodes the event in e->body as @p sp says and sends it. @p body_json: the body's JSON text
 * when the caller gave JSON (written as it is). */
static kfk_err_t emit(kfk_emitter_t *e, const kfk__event_spec_t *sp, const char *body_json,
                      size_t body_json_len, const kfk_emit_opts_t *o, kfk_emit_cb cb,
                      void *opaque) {
    kfk_emit_opts_t ob = KFK_EMIT_OPTS_INIT;
    if (o) {
        char errstr[128];
        if (kfk__opts_read(&ob, sizeof ob, o, "KFK_EMIT_OPTS_INIT", errstr, sizeof errstr)) {
            kfk__log(kfk__producer_log(e->p), KFK_LOG_ERR, KFK_DBG_PRODUCER, "emitter: %s", errstr);
            return KFK_ERR__INVALID_ARG;
        }
    }
    if (e->body.err)
        return e->body.err;
    emit_ctx_t *ctx = kfk__calloc(1, sizeof *ctx);
    if (!ctx)
        return KFK_ERR__NOMEM;
    if (kfk__envelope_format(sp->envelope) != FORMAT_NONE) {
        if (ob.id && strlen(ob.id) < sizeof ctx->id)
            snprintf(ctx->id, sizeof ctx->id, "%s", ob.id);
        else
            uuid4(ctx->id);
    }
    kfk_record_t r;
    kfk_err_t err =
        kfk__event_encode(&e->bufs, sp, e->body.data, e->body.len, body_json, body_json_len, &ob,
                          ctx->id, ob.timestamp > 0 ? ob.timestamp : now_ms(), &r);
    if (!err) {
        ctx->e = e;
        ctx->cb = cb;
        ctx->opaque = opaque;
        err = kfk_producer_send(e->p, &r, on_emitted, ctx);
    }
    if (err) {
        kfk__free(ctx);
        return err;
    }
    e->in_flight++;
    return KFK_ERR_NONE;
}

/* Starts an emit: the body scratch emptied, or the refusal when closing. */
static kfk_err_t body_reset(kfk_emitter_t *e) {
    if (e->closing)
        return KFK_ERR__DESTROYED;
    e->body.len = 0;
    e->body.err = KFK_ERR_NONE;
    return KFK_ERR_NONE;
}

static kfk_err_t body_from_json(kfk_emitter_t *e, const char *body_json, size_t len,
                                const kfk_emit_opts_t *o) {
    char errstr[128];
    kfk_err_t err = kfk__json_to_msgpack(body_json, len, &e->body, errstr, sizeof errstr);
    if (err && o && o->struct_size >= sizeof *o && o->errstr && o->errstr_size)
        snprintf(o->errstr, o->errstr_size, "the event is not JSON: %s", errstr);
    return err;
}

static kfk_err_t body_from_pack(kfk_emitter_t *e, kfk_pack_cb pack, const void *obj,
                                void *pack_opaque) {
    msgpack_packer pk;
    msgpack_packer_init(&pk, &e->body, wbuf_write);
    return pack(&pk, obj, pack_opaque) != 0 ? KFK_ERR__INVALID_ARG : KFK_ERR_NONE;
}

static kfk__event_spec_t spec_plain(const kfk_emitter_t *e, const char *topic, const char *type) {
    kfk__event_spec_t sp = {e->envelope, topic, 0, type, NULL, NULL};
    return sp;
}

static kfk__event_spec_t spec_def(const kfk_emitter_t *e, const kfk_event_def_t *d) {
    kfk__event_spec_t sp = {d->envelope == KFK_ENVELOPE_EMITTER ? e->envelope : d->envelope,
                            d->topic,
                            d->topic_is_template,
                            d->type,
                            d->partition_by,
                            d->partition_key};
    return sp;
}

kfk_err_t kfk_emitter_emit_json(kfk_emitter_t *e, const char *topic, const char *type,
                                const char *body_json, size_t body_len, const kfk_emit_opts_t *opts,
                                kfk_emit_cb cb, void *opaque) {
    kfk_err_t err;
    if (!e || !body_json)
        return KFK_ERR__INVALID_ARG;
    if ((err = body_reset(e)) || (err = body_from_json(e, body_json, body_len, opts)))
        return err;
    kfk__event_spec_t sp = spec_plain(e, topic, type);
    return emit(e, &sp, body_json, body_len, opts, cb, opaque);
}

kfk_err_t kfk_emitter_emit_msgpack(kfk_emitter_t *e, const char *topic, const char *type,
                                   const void *body, size_t body_len, const kfk_emit_opts_t *opts,
                                   kfk_emit_cb cb, void *opaque) {
    kfk_err_t err;
    if (!e || !body)
        return KFK_ERR__INVALID_ARG;
    if ((err = body_reset(e)))
        return err;
    kfk_wbuf_put_raw(&e->body, body, body_len);
    kfk__event_spec_t sp = spec_plain(e, topic, type);
    return emit(e, &sp, NULL, 0, opts, cb, opaque);
}

kfk_err_t kfk_emitter_emit_pack(kfk_emitter_t *e, const char *topic, const char *type,
                                kfk_pack_cb pack, const void *obj, void *pack_opaque,
                                const kfk_emit_opts_t *opts, kfk_emit_cb cb, void *opaque) {
    kfk_err_t err;
    if (!e || !pack)
        return KFK_ERR__INVALID_ARG;
    if ((err = body_reset(e)) || (err = body_from_pack(e, pack, obj, pack_opaque)))
        return err;
    kfk__event_spec_t sp = spec_plain(e, topic, type);
    return emit(e, &sp, NULL, 0, opts, cb, opaque);
}

kfk_err_t kfk_emitter_emit_event_json(kfk_emitter_t *e, const kfk_event_def_t *def,
                                      const char *body_json, size_t body_len,
                                      const kfk_emit_opts_t *opts, kfk_emit_cb cb, void *opaque) {
    kfk_err_t err;
    if (!e || !def || !body_json)
        return KFK_ERR__INVALID_ARG;
    if ((err = body_reset(e)) || (err = body_from_json(e, body_json, body_len, opts)))
        return err;
    kfk__event_spec_t sp = spec_def(e, def);
    return emit(e, &sp, body_json, body_len, opts, cb, opaque);
}

kfk_err_t kfk_emitter_emit_event_msgpack(kfk_emitter_t *e, const kfk_event_def_t *def,
                                         const void *body, size_t body_len,
                                         const kfk_emit_opts_t *opts, kfk_emit_cb cb,
                                         void *opaque) {
    kfk_err_t err;
    if (!e || !def || !body)
        return KFK_ERR__INVALID_ARG;
    if ((err = body_reset(e)))
        return err;
    kfk_wbuf_put_raw(&e->body, body, body_len);
    kfk__event_spec_t sp = spec_def(e, def);
    return emit(e, &sp, NULL, 0, opts, cb, opaque);
}

kfk_err_t kfk_emitter_emit_event_pack(kfk_emitter_t *e, const kfk_event_def_t *def,
                                      kfk_pack_cb pack, const void *obj, void *pack_opaque,
                                      const kfk_emit_opts_t *opts, kfk_emit_cb cb, void *opaque) {
    kfk_err_t err;
    if (!e || !def || !pack)
        return KFK_ERR__INVALID_ARG;
    if ((err = body_reset(e)) || (err = body_from_pack(e, pack, obj, pack_opaque)))
        return err;
    kfk__event_spec_t sp = spec_def(e, def);
    return emit(e, &sp, NULL, 0, opts, cb, opaque);
}
