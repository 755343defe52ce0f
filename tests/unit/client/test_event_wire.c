/*
 * test_event_wire.c: the events layer's wire forms without a broker (kfk__event_encode and
 * kfk__event_decode, src/client/events/): the exact bytes of every envelope (Dispytch 0.10, 0.9,
 * none as 0.11) in both serializers for a fixed id and timestamp, checked against the bytes the
 * real Dispytch releases write (/tmp/dispytch-wire.md, captured from the packages); keys from
 * paths (0.9's envelope paths too) and templates, with their errors; topics from templates;
 * kfk_envelope_parse; the decoder on every format and on hostile values (truncated msgpack,
 * wrong types, huge nesting, counts past the input); kfk_msgpack_get; topic patterns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "client/events/events.h"
#include "client/format/json.h"

#define ID "3f0c4f5e-2a3b-4c1d-9e8f-0a1b2c3d4e5f"
#define TS 1796563705362LL

/* The event Dispytch's captures use: {"user": {"id": 42, "name": "Zoë"}, "plan": "pro"}. */
static const char body_json[] =
    "{\"user\": {\"id\": 42, \"name\": \"Zo\\u00eb\"}, \"plan\": \"pro\"}";

static size_t from_hex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2) {
        unsigned v;
        cr_assert_eq(sscanf(p, "%2x", &v), 1);
        cr_assert_lt(n, cap);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* The body as msgpack (what Dispytch's msgpack serializer writes for it). */
static const char body_hex[] = "82a47573657282a269642aa46e616d65a45a6fc3aba4706c616ea370726f";

typedef struct {
    kfk__event_bufs_t b;
    kfk_record_t r;
    char errstr[256];
    kfk_err_t err;
} enc_t;

/* Encodes the body (msgpack, or @p json when not NULL) with @p sp. */
static void encode(enc_t *x, const kfk__event_spec_t *sp, const char *json, const char *id) {
    uint8_t body[256];
    size_t n = from_hex(body_hex, body, sizeof body);
    kfk_wbuf_t mp;
    kfk_wbuf_init(&mp);
    if (json) {
        char errstr[128];
        cr_assert_eq(kfk__json_to_msgpack(json, strlen(json), &mp, errstr, sizeof errstr), 0);
    }
    memset(x, 0, sizeof *x);
    kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
    o.errstr = x->errstr;
    o.errstr_size = sizeof x->errstr;
    x->err = kfk__event_encode(&x->b, sp, json ? mp.data : body, json ? mp.len : n, json,
                               json ? strlen(json) : 0, &o, id, TS, &x->r);
    kfk_wbuf_free(&mp);
}

static void expect_value_hex(const enc_t *x, const char *hex) {
    uint8_t want[512];
    size_t n = from_hex(hex, want, sizeof want);
    cr_assert_eq(x->err, 0, "%s: %s", kfk_err_name(x->err), x->errstr);
    cr_expect(x->r.value_len == n && !memcmp(x->r.value, want, n), "value of %zu bytes differs",
              x->r.value_len);
}

static void expect_value_text(const enc_t *x, const char *want) {
    cr_assert_eq(x->err, 0, "%s: %s", kfk_err_name(x->err), x->errstr);
    cr_expect(x->r.value_len == strlen(want) && !memcmp(x->r.value, want, x->r.value_len),
              "got  %.*s\nwant %s", (int)x->r.value_len, (const char *)x->r.value, want);
}

static void expect_key(const enc_t *x, const char *want) {
    cr_assert_eq(x->err, 0, "%s: %s", kfk_err_name(x->err), x->errstr);
    if (!want) {
        cr_expect_null(x->r.key);
        return;
    }
    cr_expect(x->r.key && x->r.key_len == strlen(want) && !memcmp(x->r.key, want, x->r.key_len),
              "key %.*s, want %s", (int)x->r.key_len, x->r.key ? (const char *)x->r.key : "", want);
}

Test(event_wire, dispytch_10_envelopes_match_dispytch_byte_for_byte) {
    kfk__event_spec_t sp = {KFK_ENVELOPE_MSGPACK, "users", 0, "UserRegistered", NULL, NULL};
    enc_t x;
    encode(&x, &sp, NULL, ID);
    expect_value_hex(&x, "84a26964d92433663063346635652d326133622d346331642d396538662d30613162"
                         "3263336434653566a474797065ae5573657252656769737465726564a4626f647982"
                         "a47573657282a269642aa46e616d65a45a6fc3aba4706c616ea370726fa974696d65"
                         "7374616d70cf000001a24b8a9e12");
    cr_expect_str_eq(x.r.topic, "users");
    cr_expect_eq(x.r.timestamp, TS);
    expect_key(&x, NULL);
    kfk__event_bufs_free(&x.b);
    /* JSON from msgpack: json.dumps' separators and ensure_ascii. */
    sp.envelope = KFK_ENVELOPE_JSON;
    encode(&x, &sp, NULL, ID);
    expect_value_text(&x, "{\"id\": \"" ID "\", \"type\": \"UserRegistered\", \"body\": {\"user\": "
                          "{\"id\": 42, \"name\": \"Zo\\u00eb\"}, \"plan\": \"pro\"}, "
                          "\"timestamp\": 1796563705362}");
    kfk__event_bufs_free(&x.b);
    /* JSON given: written as given. */
    encode(&x, &sp, "{\"a\":1}", ID);
    expect_value_text(&x, "{\"id\": \"" ID "\", \"type\": \"UserRegistered\", \"body\": {\"a\":1}, "
                          "\"timestamp\": 1796563705362}");
    kfk__event_bufs_free(&x.b);
}

Test(event_wire, dispytch_09_envelopes_have_no_timestamp) {
    kfk__event_spec_t sp = {
        KFK_ENVELOPE_DISPYTCH09_MSGPACK, "users", 0, "UserRegistered", NULL, NULL};
    enc_t x;
    encode(&x, &sp, NULL, ID);
    expect_value_hex(&x, "83a26964d92433663063346635652d326133622d346331642d396538662d30613162"
                         "3263336434653566a474797065ae5573657252656769737465726564a4626f647982"
                         "a47573657282a269642aa46e616d65a45a6fc3aba4706c616ea370726f");
    kfk__event_bufs_free(&x.b);
    sp.envelope = KFK_ENVELOPE_DISPYTCH09_JSON;
    encode(&x, &sp, body_json, ID);
    expect_value_text(&x, "{\"id\": \"" ID "\", \"type\": \"UserRegistered\", \"body\": {\"user\": "
                          "{\"id\": 42, \"name\": \"Zo\\u00eb\"}, \"plan\": \"pro\"}}");
    kfk__event_bufs_free(&x.b);
}

Test(event_wire, envelope_none_is_the_event_itself) {
    kfk__event_spec_t sp = {KFK_ENVELOPE_NONE_MSGPACK, "users.{plan}", 1, NULL, NULL, "{user[id]}"};
    enc_t x;
    encode(&x, &sp, NULL, "");
    expect_value_hex(&x, body_hex);
    cr_expect_str_eq(x.r.topic, "users.pro");
    expect_key(&x, "42");
    kfk__event_bufs_free(&x.b);
    sp.envelope = KFK_ENVELOPE_NONE_JSON;
    encode(&x, &sp, NULL, "");
    expect_value_text(&x, body_json);
    expect_key(&x, "42");
    kfk__event_bufs_free(&x.b);
    encode(&x, &sp, body_json, "");
    expect_value_text(&x, body_json);
    kfk__event_bufs_free(&x.b);
    /* A type is not needed, and not written when given. */
    sp.type = "UserRegistered";
    encode(&x, &sp, NULL, "");
    expect_value_text(&x, body_json);
    kfk__event_bufs_free(&x.b);
}

Test(event_wire, keys_from_paths_are_python_str_of_scalars) {
    static const struct {
        kfk_envelope_t env;
        const char *path, *body, *want; /* want NULL: refused */
    } cases[] = {
        {KFK_ENVELOPE_JSON, "user.id", "{\"user\": {\"id\": 42}}", "42"},
        {KFK_ENVELOPE_JSON, "user.id", "{\"user\": {\"id\": \"u-1\"}}", "u-1"},
        {KFK_ENVELOPE_JSON, "user.id", "{\"user\": {\"id\": true}}", "True"},
        {KFK_ENVELOPE_JSON, "user.id", "{\"user\": {\"id\": 2.5}}", "2.5"},
        {KFK_ENVELOPE_JSON, "user.id", "{\"user\": {\"id\": -3}}", "-3"},
        {KFK_ENVELOPE_JSON, "user.id", "{\"user\": {\"id\": null}}", NULL},
        {KFK_ENVELOPE_JSON, "user", "{\"user\": {\"id\": 1}}", NULL},
        {KFK_ENVELOPE_JSON, "user.ids", "{\"user\": {\"id\": 1}}", NULL},
        {KFK_ENVELOPE_JSON, "body.user.id", "{\"user\": {\"id\": 1}}", NULL},
        /* 0.9 walks the envelope: body.x is the body's x; id and type are the envelope's; a
         * path that starts with neither walks the body. */
        {KFK_ENVELOPE_DISPYTCH09_JSON, "body.user.id", "{\"user\": {\"id\": 7}}", "7"},
        {KFK_ENVELOPE_DISPYTCH09_MSGPACK, "user.id", "{\"user\": {\"id\": 7}}", "7"},
        {KFK_ENVELOPE_DISPYTCH09_JSON, "id", "{\"user\": {\"id\": 7}}", ID},
        {KFK_ENVELOPE_DISPYTCH09_JSON, "type", "{}", "T"},
        {KFK_ENVELOPE_DISPYTCH09_JSON, "body.user.name", "{\"user\": {\"id\": 7}}", NULL},
        {KFK_ENVELOPE_NONE_JSON, "items.1", "{\"items\": [5, 6]}", "6"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kfk__event_spec_t sp = {cases[i].env, "t", 0, "T", cases[i].path, NULL};
        enc_t x;
        encode(&x, &sp, cases[i].body, ID);
        if (cases[i].want) {
            expect_key(&x, cases[i].want);
        } else {
            cr_expect_eq(x.err, KFK_ERR__KEY_PATH, "%s over %s: %s", cases[i].path, cases[i].body,
                         kfk_err_name(x.err));
            cr_expect(strstr(x.errstr, "partition path"), "%s", x.errstr);
        }
        kfk__event_bufs_free(&x.b);
    }
}

Test(event_wire, template_errors_name_the_field_and_send_nothing) {
    kfk__event_spec_t sp = {KFK_ENVELOPE_NONE_JSON, "t", 0, NULL, NULL, "{user[id]}"};
    enc_t x;
    encode(&x, &sp, "{\"user\": {}}", "");
    cr_expect_eq(x.err, KFK_ERR__KEY_PATH);
    cr_expect_str_eq(x.errstr,
                     "partition key template {user[id]}: field user.id missing from the event");
    kfk__event_bufs_free(&x.b);
    kfk__event_spec_t tp = {KFK_ENVELOPE_JSON, "orders.{region}", 1, "T", NULL, NULL};
    encode(&x, &tp, "{\"user\": {}}", ID);
    cr_expect_eq(x.err, KFK_ERR__KEY_PATH);
    cr_expect_str_eq(x.errstr,
                     "topic template orders.{region}: field region missing from the event");
    kfk__event_bufs_free(&x.b);
    /* A literal template (no fields) is a literal key, as 0.10's partition_key. */
    kfk__event_spec_t lp = {KFK_ENVELOPE_JSON, "t", 0, "T", NULL, "fixed-key"};
    encode(&x, &lp, "{}", ID);
    expect_key(&x, "fixed-key");
    kfk__event_bufs_free(&x.b);
}

Test(event_wire, bodies_that_are_not_maps_and_missing_types_are_refused) {
    kfk__event_spec_t sp = {KFK_ENVELOPE_JSON, "t", 0, "T", NULL, NULL};
    enc_t x;
    encode(&x, &sp, "[1, 2]", ID);
    cr_expect_eq(x.err, KFK_ERR__VALUE_DECODE);
    kfk__event_bufs_free(&x.b);
    sp.type = NULL;
    encode(&x, &sp, "{}", ID);
    cr_expect_eq(x.err, KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(x.errstr, "no event type");
    kfk__event_bufs_free(&x.b);
}

Test(event_wire, envelope_names_parse_as_the_cli_takes_them) {
    static const struct {
        const char *format, *serializer;
        int ok;
        kfk_envelope_t want;
    } cases[] = {
        {NULL, NULL, 1, KFK_ENVELOPE_JSON},
        {"dispytch", NULL, 1, KFK_ENVELOPE_JSON},
        {"dispytch", "msgpack", 1, KFK_ENVELOPE_MSGPACK},
        {"dispytch-0.10", "json", 1, KFK_ENVELOPE_DISPYTCH_JSON},
        {"dispytch-0.9", NULL, 1, KFK_ENVELOPE_DISPYTCH09_JSON},
        {"dispytch-0.9", "msgpack", 1, KFK_ENVELOPE_DISPYTCH09_MSGPACK},
        {"none", "json", 1, KFK_ENVELOPE_NONE_JSON},
        {"none", "msgpack", 1, KFK_ENVELOPE_NONE_MSGPACK},
        {NULL, "msgpack", 1, KFK_ENVELOPE_MSGPACK},
        {"json", NULL, 1, KFK_ENVELOPE_JSON},
        {"msgpack", NULL, 1, KFK_ENVELOPE_MSGPACK},
        {"msgpack", "msgpack", 1, KFK_ENVELOPE_MSGPACK},
        {"msgpack", "json", 0, 0},
        {"json", "msgpack", 0, 0},
        {"dispytch-0.11", NULL, 0, 0},
        {"none", "yaml", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kfk_envelope_t env = KFK_ENVELOPE_EMITTER;
        kfk_err_t err = kfk_envelope_parse(cases[i].format, cases[i].serializer, &env);
        cr_expect_eq(err == 0, cases[i].ok, "%s/%s: %s", cases[i].format, cases[i].serializer,
                     kfk_err_name(err));
        if (cases[i].ok)
            cr_expect_eq(env, cases[i].want, "%s/%s", cases[i].format, cases[i].serializer);
    }
}

Test(event_wire, declared_events_check_what_they_are_given) {
    kfk_event_def_opts_t o = KFK_EVENT_DEF_OPTS_INIT;
    kfk_event_def_t *d = NULL;
    char errstr[256];
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(errstr, "a declared event needs a topic");
    o.topic = "users.{plan";
    o.type = "T";
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(errstr, "topic template users.{plan: expected '}' before end of string");
    o.topic = "users";
    o.partition_by = "user.id";
    o.partition_key = "{user[id]}";
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
    o.partition_by = NULL;
    o.partition_key = "{user[id}";
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(errstr, "partition key template {user[id}: missing ']' in format string");
    o.partition_key = "{user[id]}";
    o.type = NULL;
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), KFK_ERR__INVALID_ARG,
                 "the emitter's envelope may have types");
    o.envelope = KFK_ENVELOPE_NONE_MSGPACK;
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_event_def_free(d);
    o.envelope = (kfk_envelope_t)9;
    cr_expect_eq(kfk_event_def_new(&o, &d, errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
    o.struct_size = 0;
    o.envelope = KFK_ENVELOPE_JSON;
    cr_expect_eq(kfk_event_def_new(&o, &d, NULL, 0), KFK_ERR__INVALID_ARG);
    kfk_event_def_free(NULL);
}

/* ---- decoding --------------------------------------------------------------------------- */

typedef struct {
    kfk__event_decoded_t d;
    kfk_event_t ev;
    const char *bad;
} dec_t;

static void decode(dec_t *x, kfk_envelope_t env, const void *value, size_t len) {
    memset(x, 0, sizeof *x);
    x->bad = kfk__event_decode(env, value, (int32_t)len, &x->d, &x->ev);
}

static void decode_hex(dec_t *x, kfk_envelope_t env, const char *hex) {
    static uint8_t v[512];
    size_t n = from_hex(hex, v, sizeof v);
    decode(x, env, v, n);
}

Test(event_wire, reads_every_format) {
    dec_t x;
    /* What Dispytch 0.10 writes. */
    decode_hex(&x, KFK_ENVELOPE_MSGPACK,
               "84a26964d92433663063346635652d326133622d346331642d396538662d306131623263336434"
               "653566a474797065ae5573657252656769737465726564a4626f647982a47573657282a26964"
               "2aa46e616d65a45a6fc3aba4706c616ea370726fa974696d657374616d70cf000001a24b8a9e12");
    cr_assert_null(x.bad, "%s", x.bad);
    cr_expect_str_eq(x.ev.id, ID);
    cr_expect_str_eq(x.ev.type, "UserRegistered");
    cr_expect_eq(x.ev.timestamp, TS);
    cr_expect_str_eq(x.ev.body_json,
                     "{\"user\":{\"id\":42,\"name\":\"Zo\xc3\xab\"},\"plan\":\"pro\"}");
    cr_expect_eq(kfk_msgpack_get(x.ev.body, "user.id")->via.u64, 42);
    kfk__event_decoded_free(&x.d);
    /* What 0.9 writes (no timestamp), read with either Dispytch envelope. */
    const char *v09 = "{\"id\": \"" ID "\", \"type\": \"UserRegistered\", \"body\": "
                      "{\"user\": {\"id\": 42, \"name\": \"Zo\\u00eb\"}, \"plan\": \"pro\"}}";
    kfk_envelope_t envs[] = {KFK_ENVELOPE_DISPYTCH09_JSON, KFK_ENVELOPE_JSON};
    for (int i = 0; i < 2; i++) {
        decode(&x, envs[i], v09, strlen(v09));
        cr_assert_null(x.bad, "%s", x.bad);
        cr_expect_str_eq(x.ev.type, "UserRegistered");
        cr_expect_eq(x.ev.timestamp, -1);
        kfk__event_decoded_free(&x.d);
    }
    /* What 0.11 writes: no envelope; type and id NULL, the whole value is the body (here the
     * event has its own "type" field, which is just a field). */
    decode_hex(&x, KFK_ENVELOPE_NONE_MSGPACK,
               "83a474797065ae5573657252656769737465726564a47573657282a269642aa46e616d65a45a6fc3"
               "aba4706c616ea370726f");
    cr_assert_null(x.bad, "%s", x.bad);
    cr_expect_null(x.ev.type);
    cr_expect_null(x.ev.id);
    cr_expect_eq(x.ev.timestamp, -1);
    cr_expect_str_eq(x.ev.body_json, "{\"type\":\"UserRegistered\",\"user\":{\"id\":42,\"name\":"
                                     "\"Zo\xc3\xab\"},\"plan\":\"pro\"}");
    kfk__event_decoded_free(&x.d);
    decode(&x, KFK_ENVELOPE_NONE_JSON, "[1, \"a\"]", 8);
    cr_assert_null(x.bad, "%s", x.bad);
    cr_expect_str_eq(x.ev.body_json, "[1,\"a\"]");
    kfk__event_decoded_free(&x.d);
}

Test(event_wire, refuses_hostile_values_with_a_reason) {
    static const struct {
        kfk_envelope_t env;
        const char *hex, *want;
    } cases[] = {
        {KFK_ENVELOPE_MSGPACK, "", "empty value"},
        {KFK_ENVELOPE_NONE_MSGPACK, "", "empty value"},
        /* truncated: a map of 4 with one pair, a str8 cut short, a uint64 cut short */
        {KFK_ENVELOPE_MSGPACK, "84a26964a131", "not msgpack"},
        {KFK_ENVELOPE_NONE_MSGPACK, "81a16bd9ff6162", "not msgpack"},
        {KFK_ENVELOPE_NONE_MSGPACK, "cf0000", "not msgpack"},
        /* counts far past the input (msgpack-c would allocate them first) */
        {KFK_ENVELOPE_MSGPACK, "dfffffffff", "not msgpack"},
        {KFK_ENVELOPE_NONE_MSGPACK, "ddffffffff01", "not msgpack"},
        /* trailing bytes, the never-used byte */
        {KFK_ENVELOPE_NONE_MSGPACK, "8000", "not msgpack"},
        {KFK_ENVELOPE_NONE_MSGPACK, "c1", "not msgpack"},
        /* wrong types */
        {KFK_ENVELOPE_MSGPACK, "93010203", "not a map"},
        {KFK_ENVELOPE_MSGPACK, "81a4626f647980", "no type"},
        {KFK_ENVELOPE_MSGPACK, "82a47479706501a4626f647980", "type is not a string"},
        {KFK_ENVELOPE_MSGPACK, "83a474797065a154a26964c3a4626f647980", "id is not a string"},
        {KFK_ENVELOPE_MSGPACK, "81a474797065a154", "no body"},
        {KFK_ENVELOPE_MSGPACK, "83a474797065a154a4626f647980a974696d657374616d70a13f",
         "timestamp is not an integer"},
        {KFK_ENVELOPE_DISPYTCH09_MSGPACK, "82a474797065c0a4626f647980", "type is not a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec_t x;
        decode_hex(&x, cases[i].env, cases[i].hex);
        cr_expect(x.bad && !strcmp(x.bad, cases[i].want), "%s: %s, want %s", cases[i].hex,
                  x.bad ? x.bad : "accepted", cases[i].want);
        kfk__event_decoded_free(&x.d);
    }
    /* JSON: not JSON, truncated, and nesting far past the limit in both serializers. */
    static const char *const bad_json[] = {"{\"id\": ", "nope", "{\"type\": \"T\", \"body\": {}",
                                           "\xff"};
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        dec_t x;
        decode(&x, KFK_ENVELOPE_JSON, bad_json[i], strlen(bad_json[i]));
        cr_expect(x.bad && !strcmp(x.bad, "not JSON"), "%s: %s", bad_json[i], x.bad);
        kfk__event_decoded_free(&x.d);
    }
    static char deep_json[200001];
    for (int i = 0; i < 100000; i++)
        deep_json[i] = '[';
    for (int i = 0; i < 100000; i++)
        deep_json[100000 + i] = ']';
    dec_t x;
    decode(&x, KFK_ENVELOPE_NONE_JSON, deep_json, 200000);
    cr_expect(x.bad && !strcmp(x.bad, "not JSON"), "%s", x.bad ? x.bad : "accepted");
    kfk__event_decoded_free(&x.d);
    static uint8_t deep_mp[100001];
    memset(deep_mp, 0x91, 100000);
    deep_mp[100000] = 0x01;
    decode(&x, KFK_ENVELOPE_NONE_MSGPACK, deep_mp, sizeof deep_mp);
    cr_expect(x.bad && !strcmp(x.bad, "not msgpack"), "%s", x.bad ? x.bad : "accepted");
    kfk__event_decoded_free(&x.d);
}

/* Every prefix of a good envelope is refused, never read past its end (ASan watches). */
Test(event_wire, every_truncation_is_refused) {
    uint8_t v[256];
    size_t n = from_hex("84a26964d92433663063346635652d326133622d346331642d396538662d3061316232"
                        "63336434653566a474797065ae5573657252656769737465726564a4626f647982a475"
                        "73657282a269642aa46e616d65a45a6fc3aba4706c616ea370726fa974696d65737461"
                        "6d70cf000001a24b8a9e12",
                        v, sizeof v);
    for (size_t len = 0; len < n; len++) {
        uint8_t *cut = malloc(len ? len : 1); /* exactly len bytes: overreads are caught */
        memcpy(cut, v, len);
        dec_t x;
        decode(&x, KFK_ENVELOPE_MSGPACK, len ? cut : NULL, len);
        cr_expect_not_null(x.bad, "prefix of %zu bytes accepted", len);
        kfk__event_decoded_free(&x.d);
        decode(&x, KFK_ENVELOPE_NONE_MSGPACK, len ? cut : NULL, len);
        cr_expect_not_null(x.bad, "prefix of %zu bytes accepted", len);
        kfk__event_decoded_free(&x.d);
        free(cut);
    }
}

/* ---- kfk_msgpack_get and topic patterns ---------------------------------------------------- */

Test(event_wire, msgpack_get_walks_maps_and_arrays) {
    msgpack_unpacked u;
    kfk_wbuf_t mp;
    char errstr[128];
    kfk_wbuf_init(&mp);
    const char *j = "{\"user\": {\"id\": 42, \"tags\": [\"a\", {\"k\": true}]}, \"1\": \"one\"}";
    cr_assert_eq(kfk__json_to_msgpack(j, strlen(j), &mp, errstr, sizeof errstr), 0);
    msgpack_unpacked_init(&u);
    size_t off = 0;
    cr_assert_eq(msgpack_unpack_next(&u, (const char *)mp.data, mp.len, &off),
                 MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *o = &u.data;
    cr_expect_eq(kfk_msgpack_get(o, ""), o);
    cr_expect_eq(kfk_msgpack_get(o, "user.id")->via.u64, 42);
    cr_expect_eq(kfk_msgpack_get(o, "user.tags.1.k")->via.boolean, true);
    const msgpack_object *a = kfk_msgpack_get(o, "user.tags.0");
    cr_assert_not_null(a);
    cr_expect(a->type == MSGPACK_OBJECT_STR && a->via.str.size == 1 && a->via.str.ptr[0] == 'a');
    cr_expect_eq(kfk_msgpack_get(o, "1")->type, MSGPACK_OBJECT_STR, "a map key of digits");
    /* The pointer is into the object. */
    cr_expect_eq(kfk_msgpack_get(o, "user"), &o->via.map.ptr[0].val);
    cr_expect_null(kfk_msgpack_get(o, "user.tags.2"));
    cr_expect_null(kfk_msgpack_get(o, "user.tags.x"));
    cr_expect_null(kfk_msgpack_get(o, "user.id.x"));
    cr_expect_null(kfk_msgpack_get(o, "user..id"));
    cr_expect_null(kfk_msgpack_get(o, "user."));
    cr_expect_null(kfk_msgpack_get(o, ".user"));
    cr_expect_null(kfk_msgpack_get(o, "nope"));
    cr_expect_null(kfk_msgpack_get(NULL, "user"));
    cr_expect_null(kfk_msgpack_get(o, NULL));
    msgpack_unpacked_destroy(&u);
    kfk_wbuf_free(&mp);
}

Test(event_wire, topic_patterns_glob_with_stars) {
    cr_expect(kfk__topic_match("*", "anything"));
    cr_expect(kfk__topic_match("*", ""));
    cr_expect(kfk__topic_match("orders.*", "orders.eu"));
    cr_expect(kfk__topic_match("orders.*", "orders."));
    cr_expect(!kfk__topic_match("orders.*", "orders"));
    cr_expect(kfk__topic_match("*.created", "user.created"));
    cr_expect(!kfk__topic_match("*.created", "user.created.v2"));
    cr_expect(kfk__topic_match("a*b*c", "aXXbYYc"));
    cr_expect(kfk__topic_match("a*b*c", "abc"));
    cr_expect(!kfk__topic_match("a*b*c", "acb"));
    cr_expect(kfk__topic_match("**x", "yx"));
    cr_expect(!kfk__topic_match("users", "users2"));
    /* Dispytch's {name} segments are wildcards too; a '{' without '}' is a character. */
    cr_expect(kfk__topic_match("users.{region}", "users.eu"));
    cr_expect(kfk__topic_match("{service}.{kind}.v1", "billing.created.v1"));
    cr_expect(!kfk__topic_match("users.{region}.x", "users.eu"));
    cr_expect(kfk__topic_match("{x}", "anything"));
    cr_expect(kfk__topic_match("a{b", "a{b"));
    cr_expect(!kfk__topic_match("a{b", "axb"));
}

/* What msgpack-c's unpacker reads (32 nested containers) bounds what kfk emits: an event that
 * would nest deeper inside its envelope is refused, not sent unreadable (found by fuzz_event). */
Test(event_wire, events_nest_no_deeper_than_a_listener_reads) {
    static uint8_t body[64];
    size_t n = 0;
    body[n++] = 0x81; /* {"a": [[[...1...]]]}: the map and 31 arrays, 32 containers */
    body[n++] = 0xa1;
    body[n++] = 'a';
    for (int i = 0; i < 31; i++)
        body[n++] = 0x91;
    body[n++] = 0x01;
    kfk_envelope_t envs[] = {KFK_ENVELOPE_JSON,
                             KFK_ENVELOPE_MSGPACK,
                             KFK_ENVELOPE_DISPYTCH09_JSON,
                             KFK_ENVELOPE_DISPYTCH09_MSGPACK,
                             KFK_ENVELOPE_NONE_JSON,
                             KFK_ENVELOPE_NONE_MSGPACK};
    for (int i = 0; i < 6; i++) {
        int none = i >= 4;
        kfk__event_spec_t sp = {envs[i], "t", 0, none ? NULL : "T", NULL, NULL};
        kfk__event_bufs_t b;
        memset(&b, 0, sizeof b);
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        char errstr[256] = "";
        o.errstr = errstr;
        o.errstr_size = sizeof errstr;
        kfk_record_t r;
        kfk_err_t err = kfk__event_encode(&b, &sp, body, n, NULL, 0, &o, none ? "" : ID, TS, &r);
        if (none) {
            cr_expect_eq(err, 0, "envelope %d: %s", envs[i], errstr);
            dec_t x;
            decode(&x, envs[i], r.value, r.value_len);
            cr_expect_null(x.bad, "envelope %d: %s", envs[i], x.bad);
            kfk__event_decoded_free(&x.d);
        } else {
            cr_expect_eq(err, KFK_ERR__VALUE_DECODE, "envelope %d", envs[i]);
            cr_expect_str_eq(errstr,
                             "the event nests deeper than 31 levels: a listener could not read it");
        }
        kfk__event_bufs_free(&b);
    }
    /* 40 levels: well-formed msgpack, past what msgpack-c reads. */
    uint8_t deep[48];
    memset(deep, 0x91, 40);
    deep[40] = 0x01;
    dec_t x;
    decode(&x, KFK_ENVELOPE_NONE_MSGPACK, deep, 41);
    cr_expect(x.bad && !strcmp(x.bad, "nested deeper than msgpack-c reads (32 levels)"), "%s",
              x.bad ? x.bad : "accepted");
    kfk__event_decoded_free(&x.d);
}
