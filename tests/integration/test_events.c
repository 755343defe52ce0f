/*
 * test_events.c: the Dispytch-compatible emitter and listener (issue 10) against the real
 * broker. Interop with the real Dispytch (every released version, both ways, JSON and msgpack)
 * is tested through the CLI in tests/integration/dispytch/ (integration_dispytch_*).
 *
 * Round trip: events emitted from JSON text, a pack callback and msgpack bytes reach the listener
 * with their id, type, body, timestamp, and the key str() of the body's partition path; a bad
 * path or body is refused for that event only.
 * Semantics: out-of-order finishing never commits past an unfinished event; retries, then the
 * dead-letter topic with error headers; bad envelopes; events with no handler; a handler that
 * never finishes holds only its own partition; stop-on-failure pauses the partition uncommitted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <msgpack.h>
#include <uv.h>

#include "env.h"
#include "events_kit.h"
#include "kfk/kfk.h"

#define MAXEV 256

TestSuite(events, .init = ek_setup, .fini = ek_teardown, .timeout = 240);

/* ---- a recording listener ------------------------------------------------------------------ */

typedef struct {
    char id[64], type[64], topic[256], key[64];
    char *body_json;
    int64_t timestamp, offset;
    int32_t partition;
    uint32_t attempt;
    const kfk_event_t *ev; /* while held */
} seen_t;

typedef struct {
    seen_t ev[MAXEV];
    int n;
    int hold;       /* 1: keep events unfinished (finish them in the test) */
    int hold_part;  /* with hold: only this partition's (-1: all) */
    kfk_err_t fail; /* finish every event with this error */
    int attempts;   /* handler calls */
    int errors;     /* on_error calls */
    char last_error[128];
} rec_t;

static void on_event(kfk_listener_t *l, const kfk_event_t *ev, void *opaque) {
    (void)l;
    rec_t *r = opaque;
    r->attempts++;
    if (r->fail) {
        kfk_event_done(ev, r->fail);
        return;
    }
    cr_assert_lt(r->n, MAXEV);
    seen_t *s = &r->ev[r->n++];
    snprintf(s->id, sizeof s->id, "%s", ev->id);
    snprintf(s->type, sizeof s->type, "%s", ev->type);
    snprintf(s->topic, sizeof s->topic, "%s", ev->topic);
    const kfk_message_t *m = ev->message;
    snprintf(s->key, sizeof s->key, "%.*s", m->key_len > 0 ? (int)m->key_len : 0,
             m->key_len > 0 ? (const char *)m->key : "");
    s->body_json = strdup(ev->body_json);
    s->timestamp = ev->timestamp;
    s->offset = ev->offset;
    s->partition = ev->partition;
    s->attempt = ev->attempt;
    cr_expect(ev->body != NULL && ev->body->type == MSGPACK_OBJECT_MAP, "body is a msgpack map");
    if (r->hold && (r->hold_part < 0 || r->hold_part == ev->partition))
        s->ev = ev;
    else
        kfk_event_done(ev, 0);
}

static void on_listener_error(kfk_listener_t *l, kfk_err_t err, const char *what,
                              const kfk_message_t *m, void *opaque) {
    (void)l;
    (void)err;
    (void)m;
    rec_t *r = opaque;
    r->errors++;
    snprintf(r->last_error, sizeof r->last_error, "%s", what);
}

static void rec_free(rec_t *r) {
    for (int i = 0; i < r->n; i++)
        free(r->ev[i].body_json);
    r->n = 0;
}

static seen_t *find_seen(rec_t *r, const char *id) {
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->ev[i].id, id))
            return &r->ev[i];
    return NULL;
}

typedef struct {
    const kfk_listener_t *l;
    uint64_t handled, unhandled, bad, dead, failed;
} stats_want_t;

static int stats_reached(void *arg) {
    stats_want_t *w = arg;
    kfk_listener_stats_t st;
    kfk_listener_stats(w->l, &st);
    return st.handled >= w->handled && st.unhandled >= w->unhandled && st.bad_envelopes >= w->bad &&
           st.dead_lettered >= w->dead && st.failed >= w->failed;
}

typedef struct {
    kfk_consumer_t *c;
    const char *topic;
    int32_t partition;
    int64_t want;
} committed_want_t;

static int committed_reached(void *arg) {
    committed_want_t *w = arg;
    return kfk_consumer_committed(w->c, w->topic, w->partition) >= w->want;
}

static int listener_closed;

static void on_listener_closed(kfk_listener_t *l, void *opaque) {
    (void)l;
    (void)opaque;
    listener_closed++;
}

/* Closes @p l (events in flight get 10 s) and waits for its close callback. */
static void listener_free(kfk_listener_t *l) {
    int want = listener_closed + 1;
    kfk_listener_set_close_timeout(l, 10000);
    kfk_listener_close(l, on_listener_closed, NULL);
    cr_assert(ek_wait_int(&listener_closed, want, 20000), "the listener did not close");
}

/* ---- round trip: emitter -> listener ------------------------------------------------------ */

typedef struct {
    char id[64];
    int32_t partition;
    int64_t offset;
    kfk_err_t err;
    int done;
} emitted_t;

static int emitted_count;

static void on_emitted(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                       int64_t offset, void *opaque) {
    (void)e;
    emitted_t *x = opaque;
    snprintf(x->id, sizeof x->id, "%s", id);
    x->partition = partition;
    x->offset = offset;
    x->err = err;
    x->done = 1;
    emitted_count++;
}

typedef struct {
    int64_t user;
    const char *plan;
} user_t;

static int pack_user(struct msgpack_packer *pk, const void *obj, void *opaque) {
    (void)opaque;
    const user_t *u = obj;
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "user", 4);
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "id", 2);
    msgpack_pack_int64(pk, u->user);
    msgpack_pack_str_with_body(pk, "plan", 4);
    msgpack_pack_str_with_body(pk, u->plan, strlen(u->plan));
    return 0;
}

static void emitter_round_trip(const char *kind, kfk_envelope_t env) {
    char topic[128], group[160];
    ek_unique_name(topic, sizeof topic, kind);
    snprintf(group, sizeof group, "%s-g", topic);
    ek_make_topic(topic, 4);
    kfk_producer_t *p = ek_producer();
    kfk_emitter_t *e;
    cr_assert_eq(kfk_emitter_new(p, env, &e), 0);
    enum { N = 48 };
    static emitted_t out[N];
    memset(out, 0, sizeof out);
    emitted_count = 0;
    char bodies[N][256], keys[N][32];
    int64_t t0 = 1764000000000LL;
    for (int i = 0; i < N; i++) {
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        o.partition_by = "user.id";
        o.timestamp = t0 + i;
        if (i % 3 == 0) {
            /* string ids, JSON body */
            snprintf(bodies[i], sizeof bodies[i],
                     "{\"user\": {\"id\": \"u-%d\", \"name\": \"n\\u00e9 %d\"}, \"n\": [1, 2.5, "
                     "null, true]}",
                     i, i);
            snprintf(keys[i], sizeof keys[i], "u-%d", i);
            cr_assert_eq(kfk_emitter_emit_json(e, topic, "UserRegistered", bodies[i],
                                               strlen(bodies[i]), &o, on_emitted, &out[i]),
                         0);
        } else if (i % 3 == 1) {
            /* integer ids, packed by a callback */
            user_t u = {100000 + i, "pro"};
            snprintf(bodies[i], sizeof bodies[i], "{\"user\": {\"id\": %d}, \"plan\": \"pro\"}",
                     100000 + i);
            snprintf(keys[i], sizeof keys[i], "%d", 100000 + i);
            cr_assert_eq(kfk_emitter_emit_pack(e, topic, "UserRegistered", pack_user, &u, NULL, &o,
                                               on_emitted, &out[i]),
                         0);
        } else {
            /* msgpack bytes with a negative id */
            msgpack_sbuffer sb;
            msgpack_sbuffer_init(&sb);
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            msgpack_pack_map(&pk, 1);
            msgpack_pack_str_with_body(&pk, "user", 4);
            msgpack_pack_map(&pk, 1);
            msgpack_pack_str_with_body(&pk, "id", 2);
            msgpack_pack_int64(&pk, -i);
            snprintf(bodies[i], sizeof bodies[i], "{\"user\": {\"id\": %d}}", -i);
            snprintf(keys[i], sizeof keys[i], "%d", -i);
            cr_assert_eq(kfk_emitter_emit_msgpack(e, topic, "UserUpdated", sb.data, sb.size, &o,
                                                  on_emitted, &out[i]),
                         0);
            msgpack_sbuffer_destroy(&sb);
        }
    }
    /* A missing path and a non-scalar are refused for that event only. */
    kfk_emit_opts_t bad = KFK_EMIT_OPTS_INIT;
    bad.partition_by = "user.missing";
    cr_expect_eq(kfk_emitter_emit_json(e, topic, "X", "{\"user\": {}}", 12, &bad, NULL, NULL),
                 KFK_ERR__KEY_PATH);
    bad.partition_by = "user";
    cr_expect_eq(kfk_emitter_emit_json(e, topic, "X", "{\"user\": {}}", 12, &bad, NULL, NULL),
                 KFK_ERR__KEY_PATH);
    cr_expect_eq(kfk_emitter_emit_json(e, topic, "X", "{\"user\": ", 9, NULL, NULL, NULL),
                 KFK_ERR__VALUE_DECODE);
    cr_assert(ek_wait_int(&emitted_count, N, 30000));
    for (int i = 0; i < N; i++)
        cr_assert_eq(out[i].err, 0, "event %d: %s", i, kfk_err_name(out[i].err));
    kfk_emitter_close(e, NULL, NULL);
    ek_producer_close(p);

    kfk_consumer_t *c = ek_group_consumer(topic, group);
    kfk_listener_t *l;
    static rec_t got;
    memset(&got, 0, sizeof got);
    cr_assert_eq(kfk_listener_new(c, env, NULL, &l), 0);
    cr_assert_eq(kfk_listener_on(l, topic, "UserRegistered", on_event, NULL, &got), 0);
    cr_assert_eq(kfk_listener_on(l, topic, "UserUpdated", on_event, NULL, &got), 0);
    cr_assert_eq(kfk_listener_start(l), 0);
    stats_want_t w = {l, N, 0, 0, 0, 0};
    cr_assert(ek_run_until(stats_reached, &w, 60000), "handled %d of %d", got.n, N);
    cr_expect_eq(got.n, N, "every event once");
    int parts_used[4] = {0};
    for (int i = 0; i < N; i++) {
        seen_t *s = find_seen(&got, out[i].id);
        cr_assert_not_null(s, "event %d (%s) not handled", i, out[i].id);
        cr_expect_str_eq(s->type, i % 3 == 2 ? "UserUpdated" : "UserRegistered");
        cr_expect_eq(s->timestamp, t0 + i);
        cr_expect_eq(s->partition, out[i].partition);
        cr_expect_eq(s->offset, out[i].offset);
        /* The key is str(user.id), as a Python emitter keys it. */
        cr_expect_str_eq(s->key, keys[i]);
        json_error_t je;
        json_t *want = json_loads(bodies[i], 0, &je);
        json_t *have = json_loads(s->body_json, 0, &je);
        cr_assert_not_null(want);
        cr_assert_not_null(have, "body_json is not JSON: %s", s->body_json);
        cr_expect(json_equal(have, want), "body of %d: %s", i, s->body_json);
        json_decref(want);
        json_decref(have);
        cr_assert(s->partition >= 0 && s->partition < 4);
        parts_used[s->partition]++;
    }
    for (int k = 0; k < 4; k++)
        cr_expect_gt(parts_used[k], 0, "48 keys spread over all 4 partitions");
    listener_free(l);
    ek_consumer_close(c);
    rec_free(&got);
}

Test(events, emitted_json_envelopes_reach_the_listener_keyed_by_path) {
    emitter_round_trip("json", KFK_ENVELOPE_JSON);
}

Test(events, emitted_msgpack_envelopes_reach_the_listener_keyed_by_path) {
    emitter_round_trip("msgpack", KFK_ENVELOPE_MSGPACK);
}

/* ---- listener semantics -------------------------------------------------------------------- */

/* Emits @p n events of @p type on partition @p part (JSON envelopes) and waits for them. */
static void emit_n(const char *topic, int32_t part, const char *type, int n) {
    kfk_producer_t *p = ek_producer();
    kfk_emitter_t *e;
    cr_assert_eq(kfk_emitter_new(p, KFK_ENVELOPE_JSON, &e), 0);
    emitted_count = 0;
    static emitted_t out[MAXEV];
    cr_assert_leq(n, MAXEV);
    for (int i = 0; i < n; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"i\": %d}", i);
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        o.partition = part;
        o.has_partition = 1;
        cr_assert_eq(
            kfk_emitter_emit_json(e, topic, type, body, strlen(body), &o, on_emitted, &out[i]), 0);
    }
    /* Closed at once: every event emitted before still gets its callback, then the close. */
    kfk_emitter_close(e, NULL, NULL);
    cr_assert(ek_wait_int(&emitted_count, n, 30000), "%d of %d callbacks after kfk_emitter_close",
              emitted_count, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(out[i].err, 0);
    ek_producer_close(p);
}

Test(events, out_of_order_finishing_never_commits_past_an_unfinished_event) {
    char topic[128], group[160];
    ek_unique_name(topic, sizeof topic, "order");
    snprintf(group, sizeof group, "%s-g", topic);
    ek_make_topic(topic, 1);
    emit_n(topic, 0, "Tick", 10);

    kfk_consumer_t *c = ek_group_consumer(topic, group);
    kfk_listener_t *l;
    kfk_listener_opts_t o = KFK_LISTENER_OPTS_INIT;
    o.max_in_flight = 10;
    cr_assert_eq(kfk_listener_new(c, KFK_ENVELOPE_JSON, &o, &l), 0);
    static rec_t r;
    memset(&r, 0, sizeof r);
    r.hold = 1;
    r.hold_part = -1;
    cr_assert_eq(kfk_listener_on(l, topic, "Tick", on_event, NULL, &r), 0);
    cr_assert_eq(kfk_listener_start(l), 0);
    cr_assert(ek_wait_int(&r.n, 10, 30000), "got %d of 10 events", r.n);
    cr_assert_eq(r.ev[0].offset, 0);
    /* Finish 9..1 (backwards), leave offset 0 unfinished: nothing may be committed. */
    for (int i = 9; i >= 1; i--) {
        kfk_event_done(r.ev[i].ev, 0);
        ek_run_for(30);
    }
    ek_run_for(1500);
    kfk_listener_stats_t st;
    kfk_listener_stats(l, &st);
    cr_expect_eq(st.handled, 9);
    cr_expect_eq(st.in_flight, 1);
    cr_expect_leq(kfk_consumer_committed(c, topic, 0), 0, "committed %lld with offset 0 unfinished",
                  (long long)kfk_consumer_committed(c, topic, 0));
    kfk_event_done(r.ev[0].ev, 0);
    committed_want_t cw = {c, topic, 0, 10};
    cr_expect(ek_run_until(committed_reached, &cw, 15000), "committed %lld, want 10",
              (long long)kfk_consumer_committed(c, topic, 0));
    listener_free(l);
    ek_consumer_close(c);
    rec_free(&r);
}

/* Reads @p n records of @p topic partition 0 from the start (no group). */
typedef struct {
    int n;
    char values[16][512];
    char headers[16][1024]; /* "k=v;k=v;" */
} dlq_t;

static void on_dlq_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    dlq_t *d = opaque;
    for (size_t i = 0; i < kfk_batch_count(b) && d->n < 16; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        snprintf(d->values[d->n], sizeof d->values[d->n], "%.*s",
                 m->value_len > 0 ? m->value_len : 0,
                 m->value_len > 0 ? (const char *)m->value : "");
        kfk_record_header_iter_t it;
        kfk_record_header_t h;
        kfk_message_header_iter(m, &it);
        size_t off = 0;
        while (kfk_record_header_iter_next(&it, &h) && off < sizeof d->headers[0] - 1)
            off +=
                (size_t)snprintf(d->headers[d->n] + off, sizeof d->headers[0] - off, "%.*s=%.*s;",
                                 (int)h.key.len, h.key.ptr, h.value.len > 0 ? (int)h.value.len : 0,
                                 h.value.len > 0 ? (const char *)h.value.ptr : "");
        d->n++;
    }
    kfk_batch_done(b, 0);
}

static void read_dlq(const char *topic, dlq_t *d, int n) {
    kfk_conf_t *cf = ek_conf_base();
    ek_conf_put(cf, "batch.timeout.ms", "50");
    kfk_consumer_t *c;
    char err[256];
    cr_assert_eq(kfk_consumer_new(&ek_loop, cf, &c, err, sizeof err), 0, "%s", err);
    kfk_conf_free(cf);
    kfk_topic_partition_t tp = {topic, 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(c, &tp, 1), 0);
    memset(d, 0, sizeof *d);
    cr_assert_eq(kfk_consumer_start(c, on_dlq_batch, d), 0);
    cr_assert(ek_wait_int(&d->n, n, 30000), "dead-letter topic has %d of %d records", d->n, n);
    ek_consumer_close(c);
}

static int retry_on_transport_only(kfk_err_t err, void *opaque) {
    (void)opaque;
    return err == KFK_ERR__TRANSPORT;
}

Test(events, retries_then_dead_letter_topic_and_bad_envelopes) {
    char topic[128], dlq[160], group[160];
    ek_unique_name(topic, sizeof topic, "dlq");
    snprintf(dlq, sizeof dlq, "%s-dead", topic);
    snprintf(group, sizeof group, "%s-g", topic);
    ek_make_topic(topic, 1);
    ek_make_topic(dlq, 1);
    emit_n(topic, 0, "Flaky", 2);     /* offsets 0, 1: fail 3 times, then dead-lettered */
    emit_n(topic, 0, "Permanent", 1); /* offset 2: an error retry_on refuses: no retry */
    kfk_producer_t *p = ek_producer();
    ek_send_raw(p, topic, 0, "not json at all", 15);                      /* offset 3 */
    ek_send_raw(p, topic, 0, "{\"id\": \"x\", \"body\": {}}", 23);        /* offset 4: no type */
    ek_send_raw(p, topic, 0, "{\"type\": 7, \"body\": {}}", 23);          /* offset 5: bad type */
    ek_send_raw(p, topic, 0, "{\"type\": \"Nobody\", \"body\": {}}", 30); /* offset 6: no handler */

    kfk_consumer_t *c = ek_group_consumer(topic, group);
    kfk_listener_t *l;
    kfk_listener_opts_t o = KFK_LISTENER_OPTS_INIT;
    o.dlq = p;
    o.dlq_topic = dlq;
    static rec_t flaky, perm, errs;
    memset(&flaky, 0, sizeof flaky);
    memset(&perm, 0, sizeof perm);
    memset(&errs, 0, sizeof errs);
    flaky.fail = KFK_ERR__TRANSPORT;
    perm.fail = KFK_ERR__INVALID_ARG;
    o.on_error = on_listener_error;
    o.on_error_opaque = &errs;
    cr_assert_eq(kfk_listener_new(c, KFK_ENVELOPE_JSON, &o, &l), 0);
    kfk_retry_policy_t pol = KFK_RETRY_POLICY_INIT;
    pol.retries = 3;
    pol.interval_ms = 40;
    pol.exponential = 1;
    pol.max_interval_ms = 200;
    pol.retry_on = retry_on_transport_only;
    cr_assert_eq(kfk_listener_on(l, topic, "Flaky", on_event, &pol, &flaky), 0);
    cr_assert_eq(kfk_listener_on(l, topic, "Permanent", on_event, &pol, &perm), 0);
    uint64_t t0 = ek_now_ms();
    cr_assert_eq(kfk_listener_start(l), 0);
    stats_want_t w = {l, 0, 1, 3, 6, 3};
    cr_assert(ek_run_until(stats_reached, &w, 60000));
    kfk_listener_stats_t st;
    kfk_listener_stats(l, &st);
    cr_expect_eq(flaky.attempts, 8, "2 events x (1 + 3 retries)");
    cr_expect_eq(perm.attempts, 1, "retry_on refused the error: no retry");
    cr_expect_eq(st.retried, 6);
    cr_expect_eq(st.failed, 3);
    cr_expect_eq(st.bad_envelopes, 3);
    cr_expect_eq(st.unhandled, 1);
    cr_expect_eq(st.dead_lettered, 6, "3 failed events + 3 bad envelopes");
    cr_expect_eq(errs.errors, 3, "on_error for each bad envelope");
    /* Exponential waits 40 + 80 + 160 ms before the last attempt. */
    cr_expect_geq(ek_now_ms() - t0, 280);
    committed_want_t cw = {c, topic, 0, 7};
    cr_expect(ek_run_until(committed_reached, &cw, 15000), "committed %lld, want 7",
              (long long)kfk_consumer_committed(c, topic, 0));
    listener_free(l);
    ek_consumer_close(c);

    dlq_t d;
    read_dlq(dlq, &d, 6);
    int found_bad = 0, found_flaky = 0;
    for (int i = 0; i < d.n; i++) {
        cr_expect_not_null(strstr(d.headers[i], "kfk.original.topic="), "%s", d.headers[i]);
        cr_expect_not_null(strstr(d.headers[i], "kfk.original.partition=0;"));
        if (strstr(d.headers[i], "kfk.original.offset=3;")) {
            cr_expect_str_eq(d.values[i], "not json at all");
            cr_expect_not_null(strstr(d.headers[i], "kfk.error=_VALUE_DECODE;"), "%s",
                               d.headers[i]);
            found_bad++;
        }
        if (strstr(d.headers[i], "kfk.original.offset=0;")) {
            cr_expect_not_null(strstr(d.values[i], "\"type\": \"Flaky\""));
            cr_expect_not_null(strstr(d.headers[i], "kfk.error=_TRANSPORT;"), "%s", d.headers[i]);
            cr_expect_not_null(strstr(d.headers[i], "kfk.attempts=4;"), "%s", d.headers[i]);
            found_flaky++;
        }
    }
    cr_expect_eq(found_bad, 1);
    cr_expect_eq(found_flaky, 1);
    ek_producer_close(p);
}

Test(events, unhandled_is_error_pauses_the_partition_and_keeps_its_offset) {
    char topic[128], group[160];
    ek_unique_name(topic, sizeof topic, "stop");
    snprintf(group, sizeof group, "%s-g", topic);
    ek_make_topic(topic, 2);
    emit_n(topic, 0, "Good", 3);   /* partition 0: offsets 0..2 handled */
    emit_n(topic, 1, "Good", 1);   /* partition 1: offset 0 handled */
    emit_n(topic, 1, "Nobody", 1); /* partition 1: offset 1 unhandled: an error here */
    emit_n(topic, 1, "Good", 1);   /* partition 1: offset 2 must not be committed */

    kfk_consumer_t *c = ek_group_consumer(topic, group);
    kfk_listener_t *l;
    kfk_listener_opts_t o = KFK_LISTENER_OPTS_INIT;
    o.unhandled_is_error = 1;
    o.max_in_flight = 1; /* one event of a partition at a time */
    static rec_t good, errs;
    memset(&good, 0, sizeof good);
    memset(&errs, 0, sizeof errs);
    o.on_error = on_listener_error;
    o.on_error_opaque = &errs;
    cr_assert_eq(kfk_listener_new(c, KFK_ENVELOPE_JSON, &o, &l), 0);
    cr_assert_eq(kfk_listener_on(l, topic, "Good", on_event, NULL, &good), 0);
    cr_assert_eq(kfk_listener_start(l), 0);
    committed_want_t cw = {c, topic, 0, 3};
    cr_assert(ek_run_until(committed_reached, &cw, 30000));
    ek_run_for(1500);
    cr_expect_eq(good.n, 4, "partition 0's three and partition 1's first");
    cr_expect_eq(kfk_consumer_committed(c, topic, 1), 1, "stopped at the unhandled event");
    cr_expect_geq(errs.errors, 1);
    kfk_listener_stats_t st;
    kfk_listener_stats(l, &st);
    cr_expect_eq(st.unhandled, 1);
    cr_expect_eq(st.in_flight, 0);
    listener_free(l);
    ek_consumer_close(c);
    rec_free(&good);
}

/* Partition 1 committed to its end and partition 0's first batch delivered (and held): the two
 * partitions are fetched independently, so either may come first. Partition 0's 4 events may
 * come in one batch or more (the producer may send them in two requests), and a partition's
 * next batch comes only after its batch before is done: at least one is held. */
typedef struct {
    committed_want_t p1;
    rec_t *r;
} hold_want_t;

static int held_count(const rec_t *r) {
    int held = 0;
    for (int i = 0; i < r->n; i++)
        held += r->ev[i].ev != NULL;
    return held;
}

static int hold_reached(void *arg) {
    hold_want_t *w = arg;
    return committed_reached(&w->p1) && held_count(w->r) >= 1;
}

Test(events, a_handler_that_never_finishes_holds_only_its_partition) {
    char topic[128], group[160];
    ek_unique_name(topic, sizeof topic, "hold");
    snprintf(group, sizeof group, "%s-g", topic);
    ek_make_topic(topic, 2);
    emit_n(topic, 0, "Slow", 4);
    emit_n(topic, 1, "Slow", 30);

    kfk_consumer_t *c = ek_group_consumer(topic, group);
    kfk_listener_t *l;
    kfk_listener_opts_t o = KFK_LISTENER_OPTS_INIT;
    o.max_in_flight = 8;
    cr_assert_eq(kfk_listener_new(c, KFK_ENVELOPE_JSON, &o, &l), 0);
    static rec_t r;
    memset(&r, 0, sizeof r);
    r.hold = 1;
    r.hold_part = 0; /* partition 0's events never finish (until the end of the test) */
    cr_assert_eq(kfk_listener_on(l, topic, "Slow", on_event, NULL, &r), 0);
    cr_assert_eq(kfk_listener_start(l), 0);
    /* Both states are waited for, not assumed in order: partition 1 can be read and committed
     * whole before partition 0's first Fetch is answered (seen against a 3-broker mock, where
     * the two partitions have different leaders). */
    hold_want_t hw = {{c, topic, 1, 30}, &r};
    cr_expect(ek_run_until(hold_reached, &hw, 30000),
              "partition 1 committed %lld of 30, partition 0's events held %d (want >= 1)",
              (long long)kfk_consumer_committed(c, topic, 1), held_count(&r));
    cr_expect_leq(kfk_consumer_committed(c, topic, 0), 0);
    int held = 0;
    for (int i = 0; i < r.n; i++)
        if (r.ev[i].ev) {
            held++;
            cr_expect_eq(r.ev[i].partition, 0);
        }
    cr_expect_geq(held, 1, "partition 0's events delivered and held");
    cr_expect_eq(r.n, held + 30, "%d events handled: partition 0's held %d and partition 1's 30",
                 r.n, held);
    /* Let partition 0 go: the held events are done, the rest of it is done as it comes. */
    r.hold = 0;
    for (int i = 0; i < r.n; i++)
        if (r.ev[i].ev)
            kfk_event_done(r.ev[i].ev, 0);
    committed_want_t cw0 = {c, topic, 0, 4};
    cr_expect(ek_run_until(committed_reached, &cw0, 15000));
    int p0 = 0;
    for (int i = 0; i < r.n; i++)
        p0 += r.ev[i].partition == 0;
    cr_expect_eq(p0, 4, "partition 0's events handled: %d of 4", p0);
    listener_free(l);
    ek_consumer_close(c);
    rec_free(&r);
}
