/*
 * test_event_template.c: Dispytch 0.11's str.format templates (src/client/events/template.c)
 * and Python's str()/repr() of msgpack values: field forms a, a[b], a.b, nested, digits as
 * indexes, {{ }} escapes, conversions, every syntax error Python reports, missing fields with
 * the message naming the field, and values written as Python writes them (True, None, 2.5,
 * 1e+16, repr of containers and strings).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "client/events/events.h"
#include "client/format/json.h"

/* The event @p json as an unpacked msgpack object (the caller destroys @p u). */
static void unpack_json(const char *json, msgpack_unpacked *u, kfk_wbuf_t *mp) {
    char errstr[128];
    kfk_wbuf_init(mp);
    cr_assert_eq(kfk__json_to_msgpack(json, strlen(json), mp, errstr, sizeof errstr), 0, "%s",
                 errstr);
    msgpack_unpacked_init(u);
    size_t off = 0;
    cr_assert_eq(msgpack_unpack_next(u, (const char *)mp->data, mp->len, &off),
                 MSGPACK_UNPACK_SUCCESS);
}

/* Renders @p tpl over @p json, expecting @p want_err and then @p want (output or errstr). */
static void expect_render(const char *json, const char *tpl, kfk_err_t want_err, const char *want) {
    msgpack_unpacked u;
    kfk_wbuf_t mp, out;
    unpack_json(json, &u, &mp);
    kfk_wbuf_init(&out);
    char errstr[256] = "";
    kfk_err_t err =
        kfk__template_render(tpl, &u.data, "partition key template", &out, errstr, sizeof errstr);
    cr_assert_eq(err, want_err, "%s over %s: %s (%s), want %s", tpl, json, kfk_err_name(err),
                 errstr, kfk_err_name(want_err));
    if (!want_err)
        cr_expect(out.len == strlen(want) && (!out.len || !memcmp(out.data, want, out.len)),
                  "%s over %s: got '%.*s', want '%s'", tpl, json, (int)out.len,
                  (const char *)out.data, want);
    else
        cr_expect_str_eq(errstr, want, "%s: message", tpl);
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&mp);
    msgpack_unpacked_destroy(&u);
}

Test(event_template, fills_fields_in_every_form_dispytch_uses) {
    const char *ev = "{\"user\": {\"id\": 42, \"name\": \"Zo\\u00eb\", \"tags\": [\"a\", \"b\"]}, "
                     "\"region\": \"eu\", \"n\": -7}";
    expect_render(ev, "{user[id]}", 0, "42");
    expect_render(ev, "{user.id}", 0, "42");
    expect_render(ev, "{user[name]}", 0, "Zo\xc3\xab");
    expect_render(ev, "users.{region}", 0, "users.eu");
    expect_render(ev, "{region}-{user[id]}-{n}", 0, "eu-42--7");
    expect_render(ev, "{user[tags][1]}", 0, "b");
    expect_render(ev, "{user.tags[0]}", 0, "a");
    expect_render(ev, "plain", 0, "plain");
    expect_render(ev, "", 0, "");
    expect_render(ev, "{{literal}} {region}}}", 0, "{literal} eu}");
    expect_render(ev, "{region!s}", 0, "eu");
    expect_render(ev, "{region!r}", 0, "'eu'");
    expect_render(ev, "{region:}", 0, "eu");
}

Test(event_template, writes_values_as_python_str_does) {
    expect_render("{\"v\": true}", "{v}", 0, "True");
    expect_render("{\"v\": false}", "{v}", 0, "False");
    expect_render("{\"v\": null}", "{v}", 0, "None");
    expect_render("{\"v\": 2.5}", "{v}", 0, "2.5");
    expect_render("{\"v\": 1e16}", "{v}", 0, "1e+16");
    expect_render("{\"v\": 1.5e-5}", "{v}", 0, "1.5e-05");
    expect_render("{\"v\": 100.0}", "{v}", 0, "100.0");
    expect_render("{\"v\": 0.0001}", "{v}", 0, "0.0001");
    expect_render("{\"v\": 0.1}", "{v}", 0, "0.1");
    expect_render("{\"v\": -0.0}", "{v}", 0, "-0.0");
    expect_render("{\"v\": 123456789012345678}", "{v}", 0, "123456789012345678");
    expect_render("{\"v\": 18446744073709551615}", "{v}", 0, "18446744073709551615");
    expect_render("{\"v\": -9223372036854775808}", "{v}", 0, "-9223372036854775808");
    expect_render("{\"v\": {\"id\": 1, \"ok\": [true, null, \"x\"]}}", "{v}", 0,
                  "{'id': 1, 'ok': [True, None, 'x']}");
    expect_render("{\"v\": \"it's\"}", "{v!r}", 0, "\"it's\"");
    expect_render("{\"v\": \"a\\nb\\\\\"}", "{v!r}", 0, "'a\\nb\\\\'");
    expect_render("{\"v\": []}", "{v}", 0, "[]");
}

Test(event_template, names_the_missing_field) {
    const char *ev = "{\"user\": {\"id\": 42, \"tags\": [1]}, \"region\": \"eu\"}";
    expect_render(ev, "{user[name]}", KFK_ERR__KEY_PATH,
                  "partition key template {user[name]}: field user.name missing from the event");
    expect_render(ev, "{account[id]}", KFK_ERR__KEY_PATH,
                  "partition key template {account[id]}: field account missing from the event");
    expect_render(ev, "{user[tags][3]}", KFK_ERR__KEY_PATH,
                  "partition key template {user[tags][3]}: field user.tags.3 missing from the "
                  "event");
    expect_render(ev, "{region[x]}", KFK_ERR__KEY_PATH,
                  "partition key template {region[x]}: field region.x missing from the event");
    /* Python: a key of digits is an int, which a JSON object (string keys) never holds. */
    expect_render("{\"m\": {\"0\": 1}}", "{m[0]}", KFK_ERR__KEY_PATH,
                  "partition key template {m[0]}: field m.0 missing from the event");
}

/* Each malformed template: refused with Python's reason. */
Test(event_template, refuses_what_python_refuses) {
    static const char *const bad[][2] = {
        {"{", "single '{' encountered in format string"},
        {"}", "single '}' encountered in format string"},
        {"a}b", "single '}' encountered in format string"},
        {"{user", "expected '}' before end of string"},
        {"{}", "a field needs a name (Dispytch fills templates by field name)"},
        {"{0}", "positional fields are not supported (Dispytch fills templates by field name)"},
        {"{[x]}", "a field needs a name (Dispytch fills templates by field name)"},
        {"{a[x}", "missing ']' in format string"},
        {"{a[]}", "empty attribute in format string"},
        {"{a.}", "empty attribute in format string"},
        {"{a..b}", "empty attribute in format string"},
        {"{a[x]y}", "only '.' or '[' may follow ']' in format field specifier"},
        {"{a!x}", "unknown conversion specifier (expected !s, !r or !a)"},
        {"{a!}", "unknown conversion specifier (expected !s, !r or !a)"},
        {"{a!ss}", "expected ':' after conversion specifier"},
        {"{a:>5}", "format specs are not supported"},
        {"{a{b}}", "unexpected '{' in field name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char errstr[256] = "", want[256];
        cr_expect_eq(kfk__template_check(bad[i][0], "topic template", errstr, sizeof errstr),
                     KFK_ERR__INVALID_ARG, "%s accepted", bad[i][0]);
        snprintf(want, sizeof want, "topic template %s: %s", bad[i][0], bad[i][1]);
        cr_expect_str_eq(errstr, want);
    }
    cr_expect_eq(kfk__template_check("a.{b[c d]}.{e.f}", "t", NULL, 0), 0);
    cr_expect_eq(kfk__template_check("{a[x:y]}", "t", NULL, 0), 0, "brackets may hold ':'");
}

Test(event_template, refuses_values_python_cannot_hold) {
    /* A msgpack ext, and a nesting past 64 levels inside a field's value. */
    uint8_t ext[] = {0x81, 0xa1, 'v', 0xd4, 0x01, 0x02};
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    cr_assert_eq(msgpack_unpack_next(&u, (const char *)ext, sizeof ext, &off),
                 MSGPACK_UNPACK_SUCCESS);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    char errstr[256];
    cr_expect_eq(
        kfk__template_render("{v}", &u.data, "partition key template", &out, errstr, sizeof errstr),
        KFK_ERR__INVALID_ARG);
    cr_expect(strstr(errstr, "msgpack ext"), "%s", errstr);
    msgpack_unpacked_destroy(&u);
    /* msgpack-c's unpacker stops at 32 levels: the chain is built by hand. */
    static msgpack_object chain[80];
    static msgpack_object_kv root_kv;
    for (int i = 0; i < 79; i++) {
        chain[i].type = MSGPACK_OBJECT_ARRAY;
        chain[i].via.array.size = 1;
        chain[i].via.array.ptr = &chain[i + 1];
    }
    chain[79].type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    chain[79].via.u64 = 1;
    root_kv.key.type = MSGPACK_OBJECT_STR;
    root_kv.key.via.str.ptr = "v";
    root_kv.key.via.str.size = 1;
    root_kv.val = chain[0];
    msgpack_object root = {.type = MSGPACK_OBJECT_MAP};
    root.via.map.size = 1;
    root.via.map.ptr = &root_kv;
    out.len = 0;
    cr_expect_eq(
        kfk__template_render("{v}", &root, "partition key template", &out, errstr, sizeof errstr),
        KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&out);
}

Test(event_template, repr_of_floats_reads_back) {
    static const double vals[] = {1.0,
                                  0.5,
                                  1.0 / 3,
                                  2.0 / 3,
                                  1e22,
                                  1e-7,
                                  123.456,
                                  5e-324,
                                  1.7976931348623157e308,
                                  9007199254740993.0,
                                  1e15,
                                  1e16};
    static const char *const want[] = {"1.0",
                                       "0.5",
                                       "0.3333333333333333",
                                       "0.6666666666666666",
                                       "1e+22",
                                       "1e-07",
                                       "123.456",
                                       "5e-324",
                                       "1.7976931348623157e+308",
                                       "9007199254740992.0",
                                       "1000000000000000.0",
                                       "1e+16"};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        kfk__py_float(&w, vals[i]);
        cr_expect(w.len == strlen(want[i]) && !memcmp(w.data, want[i], w.len),
                  "%.17g: got %.*s, want %s", vals[i], (int)w.len, (const char *)w.data, want[i]);
        kfk_wbuf_free(&w);
    }
}
