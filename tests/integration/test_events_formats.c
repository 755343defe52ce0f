/*
 * test_events_formats.c: declared events in every released Dispytch format against the real
 * broker (issue 21): for each envelope (Dispytch 0.10, 0.9, none as 0.11) and serializer, a
 * declared event whose topic is a template ("BASE.{kind}") and whose key is a template
 * ({user[id]}) or a path reaches a listener in the same format, on the topic the template named,
 * with the key str() of the user id (the same key on the same partition), its body, and its type,
 * id and timestamp where the format has them (NULL / -1 where not). Listener routing by topic: a
 * handler for an exact topic beats a pattern ("BASE.*"), which beats any topic; a handler naming
 * a type beats one for any type; events without a type (none) reach only handlers for any type.
 * A record that is not in the listener's format is a bad envelope, reported and skipped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <msgpack.h>
#include <uv.h>

#include "env.h"
#include "events_kit.h"
#include "kfk/kfk.h"

#define MAXEV 256

TestSuite(event_formats, .init = ek_setup, .fini = ek_teardown, .timeout = 300);

/* ---- a recording handler --------------------------------------------------------------- */

typedef struct {
    char topic[256], key[64], type[64], id[64];
    int has_type, has_id;
    char body[512];
    int64_t timestamp;
    int32_t partition;
    int64_t user;
} got_t;

typedef struct {
    const char *name;
    got_t ev[MAXEV];
    int n;
    int errors;
    char last_error[128];
} rec_t;

static void on_event(kfk_listener_t *l, const kfk_event_t *ev, void *opaque) {
    (void)l;
    rec_t *r = opaque;
    cr_assert_lt(r->n, MAXEV);
    got_t *g = &r->ev[r->n++];
    snprintf(g->topic, sizeof g->topic, "%s", ev->topic);
    const kfk_message_t *m = ev->message;
    snprintf(g->key, sizeof g->key, "%.*s", m->key_len > 0 ? (int)m->key_len : 0,
             m->key_len > 0 ? (const char *)m->key : "");
    g->has_type = ev->type != NULL;
    g->has_id = ev->id != NULL;
    snprintf(g->type, sizeof g->type, "%s", ev->type ? ev->type : "");
    snprintf(g->id, sizeof g->id, "%s", ev->id ? ev->id : "");
    snprintf(g->body, sizeof g->body, "%s", ev->body_json);
    g->timestamp = ev->timestamp;
    g->partition = ev->partition;
    const msgpack_object *u = kfk_msgpack_get(ev->body, "user.id");
    g->user = u && u->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)u->via.u64 : -1;
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

static int emitted, emit_failed;

static void on_emitted(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                       int64_t offset, void *opaque) {
    (void)e;
    (void)partition;
    (void)offset;
    (void)opaque;
    cr_expect_not_null(id);
    if (err)
        emit_failed++;
    emitted++;
}

static int listener_closed;

static void on_listener_closed(kfk_listener_t *l, void *opaque) {
    (void)l;
    (void)opaque;
    listener_closed++;
}

typedef struct {
    rec_t *recs[4];
    int nrecs;
    int want;
    rec_t *errs;
    int want_errors;
} all_t;

static int all_seen(void *arg) {
    all_t *a = arg;
    int n = 0;
    for (int i = 0; i < a->nrecs; i++)
        n += a->recs[i]->n;
    return n >= a->want && (!a->errs || a->errs->errors >= a->want_errors);
}

#define N 24

/* One envelope end to end: a declared event to BASE.a and BASE.b by the body's kind, keyed by
 * @p key_template or @p path; a listener in the same envelope. */
static void round_trip(kfk_envelope_t env, const char *key_template, const char *path) {
    char base[160], ta[200], tb[200], group[200], tpl[220];
    ek_unique_name(base, sizeof base, "fmt");
    snprintf(ta, sizeof ta, "%s.a", base);
    snprintf(tb, sizeof tb, "%s.b", base);
    snprintf(group, sizeof group, "%s-g", base);
    snprintf(tpl, sizeof tpl, "%s.{kind}", base);
    ek_make_topic(ta, 3);
    ek_make_topic(tb, 3);
    int none = env == KFK_ENVELOPE_NONE_JSON || env == KFK_ENVELOPE_NONE_MSGPACK;

    kfk_event_def_opts_t o = KFK_EVENT_DEF_OPTS_INIT;
    o.topic = tpl;
    o.type = none ? NULL : "UserRegistered";
    o.partition_key = key_template;
    o.partition_by = path;
    o.envelope = env;
    kfk_event_def_t *def;
    char err[256];
    cr_assert_eq(kfk_event_def_new(&o, &def, err, sizeof err), 0, "%s", err);
    kfk_producer_t *p = ek_producer();
    kfk_emitter_t *e;
    /* The emitter's own envelope is another one: the definition's wins. */
    cr_assert_eq(kfk_emitter_new(p, none ? KFK_ENVELOPE_JSON : KFK_ENVELOPE_NONE_MSGPACK, &e), 0);
    int64_t ts = 1796563705000;
    emitted = emit_failed = 0;
    for (int i = 0; i < N; i++) {
        char body[256];
        int n = snprintf(body, sizeof body,
                         "{\"user\": {\"id\": %d, \"name\": \"Zo\\u00eb\"}, \"kind\": \"%s\", "
                         "\"seq\": %d}",
                         i % 6, i % 2 ? "b" : "a", i);
        kfk_emit_opts_t eo = KFK_EMIT_OPTS_INIT;
        eo.timestamp = ts + i;
        eo.errstr = err;
        eo.errstr_size = sizeof err;
        if (i % 3 == 0) {
            cr_assert_eq(
                kfk_emitter_emit_event_json(e, def, body, (size_t)n, &eo, on_emitted, NULL), 0,
                "%s", err);
        } else {
            /* The same body as msgpack bytes. */
            msgpack_sbuffer sb;
            msgpack_sbuffer_init(&sb);
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            msgpack_pack_map(&pk, 3);
            msgpack_pack_str_with_body(&pk, "user", 4);
            msgpack_pack_map(&pk, 2);
            msgpack_pack_str_with_body(&pk, "id", 2);
            msgpack_pack_int(&pk, i % 6);
            msgpack_pack_str_with_body(&pk, "name", 4);
            msgpack_pack_str_with_body(&pk, "Zo\xc3\xab", 4);
            msgpack_pack_str_with_body(&pk, "kind", 4);
            msgpack_pack_str_with_body(&pk, i % 2 ? "b" : "a", 1);
            msgpack_pack_str_with_body(&pk, "seq", 3);
            msgpack_pack_int(&pk, i);
            cr_assert_eq(
                kfk_emitter_emit_event_msgpack(e, def, sb.data, sb.size, &eo, on_emitted, NULL), 0,
                "%s", err);
            msgpack_sbuffer_destroy(&sb);
        }
    }
    /* A field the template needs is missing: refused for that event, with the reason. */
    kfk_emit_opts_t bad = KFK_EMIT_OPTS_INIT;
    bad.errstr = err;
    bad.errstr_size = sizeof err;
    cr_expect_eq(kfk_emitter_emit_event_json(e, def, "{\"user\": {}}", 12, &bad, NULL, NULL),
                 KFK_ERR__KEY_PATH);
    cr_expect(strstr(err, "missing from the event"), "%s", err);
    cr_assert(ek_wait_int(&emitted, N, 30000), "%d of %d emitted", emitted, N);
    cr_assert_eq(emit_failed, 0);
    kfk_emitter_close(e, NULL, NULL);
    kfk_event_def_free(def); /* events already emitted do not need it */

    /* A record in another format on BASE.a: a bad envelope for this listener (a JSON array is
     * fine as a none event, so that one gets msgpack garbage). */
    ek_send_raw(p, ta, 0, none ? "\xc1" : "[1]", none ? 1 : 3);
    ek_producer_close(p);

    kfk_consumer_t *k = ek_group_consumer(ta, group);
    const char *topics[] = {ta, tb};
    cr_assert_eq(kfk_consumer_subscribe(k, topics, 2), 0);
    static rec_t exact, pattern, any, typed;
    memset(&exact, 0, sizeof exact);
    memset(&pattern, 0, sizeof pattern);
    memset(&any, 0, sizeof any);
    memset(&typed, 0, sizeof typed);
    kfk_listener_opts_t lo = KFK_LISTENER_OPTS_INIT;
    lo.on_error = on_listener_error;
    lo.on_error_opaque = &any;
    kfk_listener_t *l;
    cr_assert_eq(kfk_listener_new(k, env, &lo, &l), 0);
    char pat[200];
    snprintf(pat, sizeof pat, "%s.*", base);
    /* Registered least specific first: precedence is by specificity, not order. */
    cr_assert_eq(kfk_listener_on(l, NULL, NULL, on_event, NULL, &any), 0);
    cr_assert_eq(kfk_listener_on(l, pat, NULL, on_event, NULL, &pattern), 0);
    cr_assert_eq(kfk_listener_on(l, ta, NULL, on_event, NULL, &exact), 0);
    cr_assert_eq(kfk_listener_on(l, NULL, "UserRegistered", on_event, NULL, &typed), 0);
    cr_assert_eq(kfk_listener_start(l), 0);
    all_t a = {{&exact, &pattern, &any, &typed}, 4, N, &any, 1};
    cr_assert(ek_run_until(all_seen, &a, 60000), "exact %d pattern %d any %d typed %d errors %d",
              exact.n, pattern.n, any.n, typed.n, any.errors);
    ek_run_for(300); /* nothing more comes */
    cr_expect_eq(any.n, 0, "no event goes to the least specific handler");
    cr_expect_eq(any.errors, 1, "the record in another format is a bad envelope");
    if (none) {
        /* No type: the exact topic's handler gets BASE.a, the pattern's BASE.b. */
        cr_expect_eq(typed.n, 0);
        cr_expect_eq(exact.n, N / 2);
        cr_expect_eq(pattern.n, N / 2);
    } else {
        cr_expect_eq(typed.n, N, "the handler naming the type wins");
    }
    /* Every event: its topic from the template, key str(user.id), one partition per key. */
    int32_t part_of[6] = {-1, -1, -1, -1, -1, -1};
    rec_t *recs[] = {&exact, &pattern, &typed};
    int seen_seq[N] = {0};
    for (int ri = 0; ri < 3; ri++) {
        for (int i = 0; i < recs[ri]->n; i++) {
            got_t *g = &recs[ri]->ev[i];
            cr_assert(g->user >= 0 && g->user < 6, "%s", g->body);
            const char *sq = strstr(g->body, "\"seq\":");
            cr_assert_not_null(sq, "%s", g->body);
            int seq = atoi(sq + 6);
            cr_assert(seq >= 0 && seq < N);
            seen_seq[seq]++;
            cr_expect_str_eq(g->topic, seq % 2 ? tb : ta);
            char want_key[16];
            snprintf(want_key, sizeof want_key, "%d", (int)g->user);
            cr_expect_str_eq(g->key, want_key);
            if (!strcmp(g->topic, ta)) { /* one partition per key (within a topic) */
                if (part_of[g->user] < 0)
                    part_of[g->user] = g->partition;
                cr_expect_eq(g->partition, part_of[g->user], "user %d", (int)g->user);
            }
            char want_body[256];
            snprintf(want_body, sizeof want_body,
                     "{\"user\":{\"id\":%d,\"name\":\"Zo\xc3\xab\"},\"kind\":\"%s\",\"seq\":%d}",
                     (int)g->user, seq % 2 ? "b" : "a", seq);
            cr_expect_str_eq(g->body, want_body);
            cr_expect_eq(g->has_type, !none);
            cr_expect_eq(g->has_id, !none);
            if (!none) {
                cr_expect_str_eq(g->type, "UserRegistered");
                cr_expect_eq(strlen(g->id), 36, "a UUID4: %s", g->id);
            }
            int has_ts = env == KFK_ENVELOPE_JSON || env == KFK_ENVELOPE_MSGPACK;
            cr_expect_eq(g->timestamp, has_ts ? ts + seq : -1, "seq %d", seq);
        }
    }
    for (int i = 0; i < N; i++)
        cr_expect_eq(seen_seq[i], 1, "event %d seen %d times", i, seen_seq[i]);
    listener_closed = 0;
    kfk_listener_close(l, on_listener_closed, NULL);
    cr_assert(ek_wait_int(&listener_closed, 1, 20000));
    ek_consumer_close(k);
}

Test(event_formats, dispytch_10_json_keyed_by_template) {
    round_trip(KFK_ENVELOPE_JSON, "{user[id]}", NULL);
}

Test(event_formats, dispytch_10_msgpack_keyed_by_path) {
    round_trip(KFK_ENVELOPE_MSGPACK, NULL, "user.id");
}

Test(event_formats, dispytch_09_json_keyed_by_envelope_path) {
    round_trip(KFK_ENVELOPE_DISPYTCH09_JSON, NULL, "body.user.id");
}

Test(event_formats, dispytch_09_msgpack_keyed_by_attribute_template) {
    round_trip(KFK_ENVELOPE_DISPYTCH09_MSGPACK, "{user.id}", NULL);
}

Test(event_formats, none_json_routed_by_topic) {
    round_trip(KFK_ENVELOPE_NONE_JSON, "{user[id]}", NULL);
}

Test(event_formats, none_msgpack_routed_by_topic) {
    round_trip(KFK_ENVELOPE_NONE_MSGPACK, "{user[id]}", NULL);
}
