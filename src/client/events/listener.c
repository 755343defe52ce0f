/*
 * listener.c: Dispytch-compatible events in: a listener over a consumer that decodes each record
 * in its envelope (Dispytch 0.10 or 0.9: {id, type, body[, timestamp]}; none, Dispytch 0.11: the
 * value is the event, with no type) as JSON or msgpack, and routes it to a handler by type and
 * topic (names or '*' patterns, the most specific registration first).
 *
 * Where kfk does better than Dispytch's listener: events of a partition are bounded in flight
 * (the consumer delivers at most max_in_flight records of a partition at a time, not one task
 * per message); offsets are committed only up to the contiguous run of finished events of each
 * partition (a partition's batch is done only when all its events are); an event whose retries
 * are exhausted goes to a dead-letter topic with the original record and error headers, or
 * stops its partition, instead of being acknowledged and forgotten; a handler that never
 * finishes holds only its own partition.
 *
 * Lifecycle: the listener has an embedded uv_timer_t (on the consumer's loop) that is closed
 * last, so its close callback always runs from the loop. Its close stops delivery, waits up to
 * its close timeout for events in flight, then fails the rest (their partitions done with
 * KFK_ERR__DESTROYED, on_error told) and keeps their memory until its close callback returned,
 * so a late kfk_event_done is harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "client/consumer/consumer.h"
#include "client/core/opts.h"
#include "client/events/events.h"
#include "client/format/json.h"
#include "protocol/mem.h"

/* ---- listener ---------------------------------------------------------------------------------
 */

typedef struct handler {
    struct handler *next;
    char *topic;          /* NULL: any */
    int topic_is_pattern; /* holds '*' or "{name}" */
    char *type;           /* NULL: any, events without a type included */
    kfk_handler_cb cb;
    kfk_retry_policy_t policy;
    void *opaque;
} handler_t;

struct lbatch;

typedef struct levent {
    kfk_event_t ev; /* first: kfk_event_done casts back */
    struct lbatch *lb;
    size_t part; /* index into lb->parts */
    handler_t *h;
    kfk__event_decoded_t dec; /* what ev points into */
    uv_timer_t *retry;        /* allocated for retries only */
    int finished;
    int dead_lettering; /* its record is with the DLQ producer: finished by its report */
} levent_t;

typedef struct lbatch {
    struct lbatch *next; /* the listener's live batches */
    kfk_listener_t *l;
    kfk_batch_t *b;
    levent_t *events;
    size_t n;
    struct lpart {
        const char *topic;
        int32_t partition;
        size_t pending;
        kfk_err_t stopped; /* the error that stopped the partition */
    } * parts;
    size_t nparts;
    size_t unfinished;
    size_t timers; /* retry timers not yet closed */
} lbatch_t;

struct kfk_listener {
    kfk_consumer_t *c;
    kfk_envelope_t envelope;
    kfk_listener_opts_t o;
    handler_t *handlers;
    kfk_listener_stats_t st;
    lbatch_t *batches; /* batches with events in flight or retry timers open */
    int closing;
    int close_expired; /* the close timeout passed: what is left was failed */
    int64_t close_timeout_ms;
    kfk_listener_close_cb close_cb;
    void *close_opaque;
    void *data;
    uv_timer_t timer; /* the close timeout; closed last */
};

kfk_err_t kfk_listener_new(kfk_consumer_t *c, kfk_envelope_t envelope,
                           const kfk_listener_opts_t *opts, kfk_listener_t **out) {
    if (!c || !out || !kfk__envelope_valid(envelope))
        return KFK_ERR__INVALID_ARG;
    kfk_listener_t *l = kfk__calloc(1, sizeof *l);
    if (!l)
        return KFK_ERR__NOMEM;
    l->c = c;
    l->envelope = envelope;
    l->o = (kfk_listener_opts_t)KFK_LISTENER_OPTS_INIT;
    if (opts) {
        char errstr[128];
        if (kfk__opts_read(&l->o, sizeof l->o, opts, "KFK_LISTENER_OPTS_INIT", errstr,
                           sizeof errstr)) {
            kfk__log(kfk__consumer_log(c), KFK_LOG_ERR, KFK_DBG_CONSUMER, "listener: %s", errstr);
            kfk__free(l);
            return KFK_ERR__INVALID_ARG;
        }
    }
    if (!l->o.max_in_flight)
        l->o.max_in_flight = 16;
    if (l->o.dlq_topic && !l->o.dlq) {
        kfk__free(l);
        return KFK_ERR__INVALID_ARG;
    }
    l->close_timeout_ms = -1;
    uv_timer_init(kfk__consumer_loop(c), &l->timer);
    l->timer.data = l;
    /* At most max_in_flight events of a partition at a time: the consumer's batch size. */
    kfk__consumer_set_batch_limit(c, (int)l->o.max_in_flight);
    *out = l;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_listener_on(kfk_listener_t *l, const char *topic, const char *type,
                          kfk_handler_cb handler, const kfk_retry_policy_t *policy, void *opaque) {
    if (!l || !handler)
        return KFK_ERR__INVALID_ARG;
    if (l->closing)
        return KFK_ERR__DESTROYED;
    kfk_retry_policy_t pol = KFK_RETRY_POLICY_INIT;
    if (policy) {
        char errstr[128];
        if (kfk__opts_read(&pol, sizeof pol, policy, "KFK_RETRY_POLICY_INIT", errstr,
                           sizeof errstr)) {
            kfk__log(kfk__consumer_log(l->c), KFK_LOG_ERR, KFK_DBG_CONSUMER, "listener: %s",
                     errstr);
            return KFK_ERR__INVALID_ARG;
        }
    }
    handler_t *h = kfk__calloc(1, sizeof *h);
    if (!h)
        return KFK_ERR__NOMEM;
    h->type = type ? kfk__strndup(type, strlen(type)) : NULL;
    h->topic = topic ? kfk__strndup(topic, strlen(topic)) : NULL;
    if ((type && !h->type) || (topic && !h->topic)) {
        kfk__free(h->type);
        kfk__free(h->topic);
        kfk__free(h);
        return KFK_ERR__NOMEM;
    }
    h->topic_is_pattern = topic && strpbrk(topic, "*{");
    h->cb = handler;
    h->opaque = opaque;
    h->policy = pol;
    if (!h->policy.interval_ms)
        h->policy.interval_ms = 1250;
    if (!h->policy.max_interval_ms)
        h->policy.max_interval_ms = 30000;
    /* Appended: the first registration wins among equally specific ones. */
    handler_t **pp = &l->handlers;
    while (*pp)
        pp = &(*pp)->next;
    *pp = h;
    return KFK_ERR_NONE;
}

/* The length of the wildcard at @p p: 1 for '*', the whole "{name}" for a Dispytch field
 * segment, 0 for none. */
static size_t wildcard_at(const char *p) {
    if (*p == '*')
        return 1;
    if (*p == '{') {
        const char *end = strchr(p, '}');
        return end ? (size_t)(end - p) + 1 : 0;
    }
    return 0;
}

/* 1 when @p s matches @p pat, where each '*' or "{name}" matches any run of characters (none
 * included); a Kafka topic name holds neither. */
int kfk__topic_match(const char *pat, const char *s) {
    const char *after = NULL, *resume = NULL; /* past the last wildcard; where it stopped */
    size_t w;
    while (*s) {
        if ((w = wildcard_at(pat)) != 0) {
            pat += w;
            after = pat;
            resume = s;
        } else if (*pat == *s) {
            pat++;
            s++;
        } else if (after) {
            pat = after;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while ((w = wildcard_at(pat)) != 0)
        pat += w;
    return *pat == '\0';
}

/* The most specific handler for an event (kfk.h, kfk_listener_on): a named type first, then an
 * exact topic, a pattern, any topic; the first registered among equals. @p type NULL: the event
 * has none (envelope none), only handlers for any type match. */
static handler_t *route(kfk_listener_t *l, const char *topic, const char *type) {
    handler_t *best = NULL;
    int best_score = -1;
    for (handler_t *h = l->handlers; h; h = h->next) {
        if (h->type && (!type || strcmp(h->type, type)))
            continue;
        int t;
        if (!h->topic)
            t = 0;
        else if (h->topic_is_pattern)
            t = kfk__topic_match(h->topic, topic) ? 1 : -1;
        else
            t = strcmp(h->topic, topic) ? -1 : 2;
        if (t < 0)
            continue;
        int score = (h->type ? 4 : 0) + t;
        if (score > best_score) {
            best = h;
            best_score = score;
        }
    }
    return best;
}

static void lbatch_free(lbatch_t *lb) {
    for (lbatch_t **pp = &lb->l->batches; *pp; pp = &(*pp)->next)
        if (*pp == lb) {
            *pp = lb->next;
            break;
        }
    for (size_t i = 0; i < lb->n; i++) {
        levent_t *e = &lb->events[i];
        kfk__event_decoded_free(&e->dec);
    }
    kfk__free(lb->events);
    kfk__free(lb->parts);
    kfk__free(lb);
}

static void listener_maybe_closed(kfk_listener_t *l);

static void maybe_release(lbatch_t *lb) {
    kfk_listener_t *l = lb->l;
    /* Once the close timeout failed events, their memory stays until the close callback
     * returned (a late kfk_event_done reads it). */
    if (lb->unfinished == 0 && lb->timers == 0 && !l->close_expired)
        lbatch_free(lb);
    listener_maybe_closed(l);
}

/* One event is finished (handled, skipped, dead-lettered, failed): once every event of its
 * partition in this batch is, the partition is done, or (stopped) comes again when resumed. */
static void finish(levent_t *e) {
    lbatch_t *lb = e->lb;
    if (e->finished)
        return;
    e->finished = 1;
    lb->l->st.in_flight--;
    struct lpart *lp = &lb->parts[e->part];
    if (--lp->pending == 0)
        kfk_batch_done_partition(lb->b, lp->topic, lp->partition, lp->stopped);
    lb->unfinished--;
    maybe_release(lb);
}

/* The event failed for good and there is no dead-letter topic: pause its partition; its
 * offset is not committed, so the event comes again on kfk_consumer_resume or a restart. */
static void stop_partition(levent_t *e, kfk_err_t err) {
    lbatch_t *lb = e->lb;
    struct lpart *lp = &lb->parts[e->part];
    kfk_listener_t *l = lb->l;
    if (!lp->stopped) {
        lp->stopped = err ? err : KFK_ERR__HANDLER_FAILED;
        kfk_consumer_pause(l->c, lp->topic, lp->partition);
        kfk__log(kfk__consumer_log(l->c), KFK_LOG_ERR, KFK_DBG_CONSUMER,
                 "%s [%d]: event at offset %lld failed (%s): partition stopped", lp->topic,
                 lp->partition, (long long)e->ev.offset, kfk_err_name(err));
        if (l->o.on_error)
            l->o.on_error(l, err, "event failed: partition stopped", e->ev.message,
                          l->o.on_error_opaque);
    }
    finish(e);
}

static void on_dead_lettered(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    levent_t *e = opaque;
    e->dead_lettering = 0;
    if (d->err) {
        stop_partition(e, d->err); /* never acknowledge an event that went nowhere */
        return;
    }
    e->lb->l->st.dead_lettered++;
    finish(e);
}

/* Gives up on an event: to the dead-letter topic with error headers, else stop or skip. */
static void give_up(levent_t *e, kfk_err_t err, const char *reason) {
    kfk_listener_t *l = e->lb->l;
    const kfk_message_t *m = e->ev.message;
    if (l->o.dlq_topic) {
        kfk_header_t hs[72];
        size_t nh = 0;
        kfk_record_header_iter_t it;
        kfk_record_header_t h;
        char names[64][128];
        kfk_message_header_iter(m, &it);
        while (nh < 64 && kfk_record_header_iter_next(&it, &h)) {
            snprintf(names[nh], sizeof names[nh], "%.*s", h.key.len, h.key.ptr);
            hs[nh] = (kfk_header_t){names[nh], h.value.len >= 0 ? h.value.ptr : NULL,
                                    h.value.len >= 0 ? (size_t)h.value.len : 0};
            nh++;
        }
        char part[16], off[32], attempts[16];
        snprintf(part, sizeof part, "%d", m->partition);
        snprintf(off, sizeof off, "%lld", (long long)m->offset);
        snprintf(attempts, sizeof attempts, "%u", e->ev.attempt + 1);
        const char *ename = kfk_err_name(err);
        hs[nh++] = (kfk_header_t){"kfk.error", ename, strlen(ename)};
        hs[nh++] = (kfk_header_t){"kfk.error.reason", reason, strlen(reason)};
        hs[nh++] = (kfk_header_t){"kfk.original.topic", m->topic, strlen(m->topic)};
        hs[nh++] = (kfk_header_t){"kfk.original.partition", part, strlen(part)};
        hs[nh++] = (kfk_header_t){"kfk.original.offset", off, strlen(off)};
        hs[nh++] = (kfk_header_t){"kfk.attempts", attempts, strlen(attempts)};
        kfk_record_t r;
        memset(&r, 0, sizeof r);
        r.topic = l->o.dlq_topic;
        r.partition = KFK_PARTITION_ANY;
        r.key = m->key;
        r.key_len = m->key_len > 0 ? (size_t)m->key_len : 0;
        r.value = m->value;
        r.value_len = m->value_len > 0 ? (size_t)m->value_len : 0;
        r.headers = hs;
        r.header_cnt = nh;
        r.timestamp = m->timestamp > 0 ? m->timestamp : 0; /* -1 (none): now */
        if (kfk_producer_send(l->o.dlq, &r, on_dead_lettered, e) == KFK_ERR_NONE) {
            e->dead_lettering = 1;
            return;
        }
        stop_partition(e, err);
        return;
    }
    if (!l->o.skip_failed) {
        stop_partition(e, err);
        return;
    }
    finish(e); /* counted in failed, and the partition moves on */
}

static void on_retry_closed(uv_handle_t *h) {
    lbatch_t *lb = h->data;
    kfk__free(h);
    lb->timers--;
    maybe_release(lb);
}

static void on_retry_timer(uv_timer_t *t) {
    levent_t *e = t->data;
    e->retry = NULL; /* the handler may fail again at once and need a new timer */
    t->data = e->lb;
    uv_close((uv_handle_t *)t, on_retry_closed);
    e->lb->l->st.retried++;
    e->ev.attempt++;
    e->h->cb(e->lb->l, &e->ev, e->h->opaque);
}

void kfk_event_done(const kfk_event_t *ev, kfk_err_t err) {
    levent_t *e = (levent_t *)ev;
    if (!e || e->finished)
        return;
    kfk_listener_t *l = e->lb->l;
    if (!err) {
        l->st.handled++;
        finish(e);
        return;
    }
    const kfk_retry_policy_t *pol = &e->h->policy;
    int retry = !l->closing && e->ev.attempt < pol->retries &&
                (!pol->retry_on || pol->retry_on(err, pol->retry_on_opaque));
    if (retry && !e->retry) {
        int64_t wait = pol->interval_ms;
        for (uint32_t i = 0; pol->exponential && i < e->ev.attempt && wait < pol->max_interval_ms;
             i++)
            wait *= 2;
        if (wait > pol->max_interval_ms)
            wait = pol->max_interval_ms;
        e->retry = kfk__calloc(1, sizeof *e->retry);
        if (e->retry) {
            uv_timer_init(kfk__consumer_loop(l->c), e->retry);
            e->lb->timers++;
            e->retry->data = e;
            uv_timer_start(e->retry, on_retry_timer, (uint64_t)wait, 0);
            return;
        }
    }
    l->st.failed++;
    give_up(e, err, "handler failed after its retries");
}

void kfk__event_decoded_free(kfk__event_decoded_t *d) {
    if (d->unpacked)
        msgpack_unpacked_destroy(&d->u);
    d->unpacked = 0;
    kfk_wbuf_free(&d->mp);
    kfk_wbuf_free(&d->json);
}

const char *kfk__event_decode(kfk_envelope_t envelope, const void *value, int32_t value_len,
                              kfk__event_decoded_t *e, kfk_event_t *ev) {
    if (!value || value_len <= 0)
        return "empty value";
    const char *data = value;
    size_t len = (size_t)value_len;
    if (!kfk__envelope_is_msgpack(envelope)) {
        char errstr[128];
        if (kfk__json_to_msgpack(value, len, &e->mp, errstr, sizeof errstr) != 0)
            return "not JSON";
        data = (const char *)e->mp.data;
        len = e->mp.len;
    }
    size_t off = 0, used = 0;
    if (!kfk__msgpack_check(data, len, &used) || used != len)
        return "not msgpack"; /* (or counts past its bytes: msgpack-c would allocate them) */
    msgpack_unpacked_init(&e->u);
    e->unpacked = 1;
    /* Well-formed (checked above), so a refusal here is msgpack-c's unpacker, which reads at
     * most KFK__EVENT_MAX_DEPTH nested containers. */
    if (msgpack_unpack_next(&e->u, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        return "nested deeper than msgpack-c reads (32 levels)";
    const msgpack_object *o = &e->u.data;
    if (kfk__envelope_format(envelope) == FORMAT_NONE) {
        /* Dispytch 0.11: the value is the event; no id, no type, no timestamp. */
        ev->type = NULL;
        ev->id = NULL;
        ev->timestamp = -1;
        ev->body = o;
        goto body;
    }
    if (o->type != MSGPACK_OBJECT_MAP)
        return "not a map";
    const msgpack_object *id = NULL, *type = NULL, *body = NULL, *ts = NULL;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        const msgpack_object *v = &o->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR)
            continue;
#define KEYIS(s) (k->via.str.size == sizeof(s) - 1 && !memcmp(k->via.str.ptr, s, sizeof(s) - 1))
        if (KEYIS("id"))
            id = v;
        else if (KEYIS("type"))
            type = v;
        else if (KEYIS("body"))
            body = v;
        else if (KEYIS("timestamp"))
            ts = v;
#undef KEYIS
    }
    if (!type)
        return "no type";
    if (type->type != MSGPACK_OBJECT_STR || type->via.str.size >= sizeof e->type)
        return "type is not a string";
    if (id && (id->type != MSGPACK_OBJECT_STR || id->via.str.size >= sizeof e->id))
        return "id is not a string";
    if (!body)
        return "no body";
    if (ts && ts->type != MSGPACK_OBJECT_POSITIVE_INTEGER && ts->type != MSGPACK_OBJECT_NIL)
        return "timestamp is not an integer";
    memcpy(e->type, type->via.str.ptr, type->via.str.size);
    e->type[type->via.str.size] = '\0';
    if (id) {
        memcpy(e->id, id->via.str.ptr, id->via.str.size);
        e->id[id->via.str.size] = '\0';
    }
    ev->type = e->type;
    ev->id = e->id;
    ev->timestamp = ts && ts->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)ts->via.u64 : -1;
    ev->body = body;
body:
    kfk__msgpack_object_to_json(ev->body, &e->json);
    kfk_wbuf_put_raw(&e->json, "", 1);
    if (e->json.err)
        return "out of memory";
    ev->body_json = (const char *)e->json.data;
    return NULL;
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    kfk_listener_t *l = opaque;
    if (l->closing) {
        kfk_batch_done(b, KFK_ERR__DESTROYED); /* not handled: comes again */
        return;
    }
    size_t n = kfk_batch_count(b);
    lbatch_t *lb = kfk__calloc(1, sizeof *lb);
    if (lb) {
        lb->events = kfk__calloc(n ? n : 1, sizeof *lb->events);
        lb->parts = kfk__calloc(n ? n : 1, sizeof *lb->parts);
    }
    if (!lb || !lb->events || !lb->parts) {
        if (lb) {
            kfk__free(lb->events);
            kfk__free(lb->parts);
            kfk__free(lb);
        }
        kfk_batch_done(b, KFK_ERR__NOMEM); /* comes again */
        return;
    }
    lb->l = l;
    lb->next = l->batches;
    l->batches = lb;
    lb->b = b;
    lb->n = n;
    lb->unfinished = n;
    /* Partitions first: counts of pending events per partition. */
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        size_t k;
        for (k = 0; k < lb->nparts; k++)
            if (lb->parts[k].partition == m->partition && lb->parts[k].topic == m->topic)
                break;
        if (k == lb->nparts)
            lb->parts[lb->nparts++] = (struct lpart){m->topic, m->partition, 0, 0};
        lb->parts[k].pending++;
        levent_t *e = &lb->events[i];
        e->lb = lb;
        e->part = k;
        e->ev.message = m;
        e->ev.topic = m->topic;
        e->ev.partition = m->partition;
        e->ev.offset = m->offset;
        e->ev.timestamp = -1;
    }
    l->st.in_flight += n;
    /* Events dispatch after every partition was counted: a handler that finishes at once
     * must not complete a partition early. Keep the batch alive over the loop. */
    lb->unfinished++;
    for (size_t i = 0; i < n; i++) {
        levent_t *e = &lb->events[i];
        const kfk_message_t *m = e->ev.message;
        const char *bad = kfk__event_decode(l->envelope, m->value, m->value_len, &e->dec, &e->ev);
        if (bad) {
            l->st.bad_envelopes++;
            if (l->o.on_error)
                l->o.on_error(l, KFK_ERR__VALUE_DECODE, bad, e->ev.message, l->o.on_error_opaque);
            if (l->o.dlq_topic) {
                give_up(e, KFK_ERR__VALUE_DECODE, bad);
            } else {
                finish(e);
            }
            continue;
        }
        e->h = route(l, e->ev.topic, e->ev.type);
        if (!e->h) {
            l->st.unhandled++;
            if (l->o.unhandled_is_error) {
                if (l->o.on_error)
                    l->o.on_error(l, KFK_ERR__NO_HANDLER, "no handler for the event type",
                                  e->ev.message, l->o.on_error_opaque);
                give_up(e, KFK_ERR__NO_HANDLER, "no handler for the event type");
            } else {
                finish(e);
            }
            continue;
        }
        e->h->cb(l, &e->ev, e->h->opaque);
    }
    lb->unfinished--;
    maybe_release(lb);
}

kfk_err_t kfk_listener_start(kfk_listener_t *l) {
    if (!l)
        return KFK_ERR__INVALID_ARG;
    if (l->closing)
        return KFK_ERR__DESTROYED;
    return kfk_consumer_start(l->c, on_batch, l);
}

void kfk_listener_stats(const kfk_listener_t *l, kfk_listener_stats_t *st) {
    if (!st)
        return;
    if (!l) {
        memset(st, 0, sizeof *st);
        return;
    }
    *st = l->st;
}

/* ---- listener close ------------------------------------------------------------------------
 */

static void on_listener_closed(uv_handle_t *h) {
    kfk_listener_t *l = h->data;
    if (l->close_cb)
        l->close_cb(l, l->close_opaque); /* kfk.h: memory valid until it returns */
    l->close_expired = 0;
    while (l->batches) /* failed at the close timeout, kept for late kfk_event_done calls */
        lbatch_free(l->batches);
    while (l->handlers) {
        handler_t *hd = l->handlers;
        l->handlers = hd->next;
        kfk__free(hd->topic);
        kfk__free(hd->type);
        kfk__free(hd);
    }
    kfk__free(l);
}

/* Closing, and nothing in flight or open any more (events finished, retry timers closed):
 * the timer closes last and the close callback follows from its close callback. */
static void listener_maybe_closed(kfk_listener_t *l) {
    if (!l->closing || l->st.in_flight > 0 || uv_is_closing((uv_handle_t *)&l->timer))
        return;
    for (lbatch_t *lb = l->batches; lb; lb = lb->next)
        if (lb->timers > 0 || lb->unfinished > 0)
            return;
    uv_timer_stop(&l->timer);
    uv_close((uv_handle_t *)&l->timer, on_listener_closed);
}

/* The close timeout passed: every event still in flight fails (its partition done with
 * KFK_ERR__DESTROYED, so nothing is committed and it comes again), except records with the
 * dead-letter producer, whose reports finish them. */
static void on_close_timeout(uv_timer_t *t) {
    kfk_listener_t *l = t->data;
    l->close_expired = 1;
    for (lbatch_t *lb = l->batches; lb; lb = lb->next)
        lb->unfinished++; /* held: finish() below must not free batches under this loop */
    for (lbatch_t *lb = l->batches; lb; lb = lb->next) {
        for (size_t i = 0; i < lb->n; i++) {
            levent_t *e = &lb->events[i];
            if (e->finished || e->dead_lettering)
                continue;
            if (e->retry) {
                uv_timer_stop(e->retry);
                e->retry->data = lb;
                uv_close((uv_handle_t *)e->retry, on_retry_closed);
                e->retry = NULL;
            }
            struct lpart *lp = &lb->parts[e->part];
            if (!lp->stopped)
                lp->stopped = KFK_ERR__DESTROYED;
            l->st.failed++;
            if (l->o.on_error)
                l->o.on_error(l, KFK_ERR__DESTROYED, "listener closed before the event was done",
                              e->ev.message, l->o.on_error_opaque);
            finish(e);
        }
    }
    for (lbatch_t *lb = l->batches; lb; lb = lb->next)
        lb->unfinished--;
    listener_maybe_closed(l);
}

void kfk_listener_close(kfk_listener_t *l, kfk_listener_close_cb cb, void *opaque) {
    if (!l || l->closing)
        return;
    l->closing = 1;
    l->close_cb = cb;
    l->close_opaque = opaque;
    /* The consumer stays the caller's; it only stops handing batches to this listener. */
    kfk__consumer_detach(l->c, on_batch, l);
    int64_t t =
        l->close_timeout_ms >= 0 ? l->close_timeout_ms : kfk__consumer_max_poll_interval_ms(l->c);
    uv_timer_start(&l->timer, on_close_timeout, (uint64_t)t, 0);
    listener_maybe_closed(l);
}

void kfk_listener_set_close_timeout(kfk_listener_t *l, int64_t timeout_ms) {
    if (l)
        l->close_timeout_ms = timeout_ms;
}

void *kfk_listener_get_data(const kfk_listener_t *l) {
    return l ? l->data : NULL;
}

void kfk_listener_set_data(kfk_listener_t *l, void *data) {
    if (l)
        l->data = data;
}
