/*
 * test_conf.c: configuration parsing and validation (src/client/core/conf.c, the property table
 * in conf_props.h) through the public kfk_conf_* API and the typed fields of struct kfk_conf
 * (conf.h): defaults, unknown names, integers and their ranges, booleans, enums, aliases, the
 * assignor and debug lists, get, dup, dump with secrets redacted, properties files, and every
 * allocation failure of new and dup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "client/core/conf.h"
#include "protocol/mem.h"

static kfk_conf_t *conf;

static void setup(void) {
    conf = kfk_conf_new();
    cr_assert_not_null(conf);
}

static void teardown(void) {
    kfk_conf_free(conf);
}

TestSuite(conf, .init = setup, .fini = teardown);

/* Property @p name as kfk_conf_get gives it (a static buffer). */
static const char *get(const kfk_conf_t *c, const char *name) {
    static char buf[512];
    size_t size = sizeof buf;
    kfk_err_t err = kfk_conf_get(c, name, buf, &size);
    cr_assert_eq(err, KFK_ERR_NONE, "get %s: %s", name, kfk_err_name(err));
    cr_assert_eq(size, strlen(buf) + 1);
    return buf;
}

/* Sets @p name to @p value expecting @p want and, for an error, exactly @p msg. */
static void expect_set(const char *name, const char *value, kfk_err_t want, const char *msg) {
    char errstr[256];
    kfk_err_t err = kfk_conf_set(conf, name, value, errstr, sizeof errstr);
    cr_assert_eq(err, want, "%s=%s: %s (%s), want %s", name, value, kfk_err_name(err), errstr,
                 kfk_err_name(want));
    cr_assert_str_eq(errstr, msg, "%s=%s", name, value);
}

/* ---- defaults -------------------------------------------------------------------------------- */

Test(conf, starts_with_the_documented_defaults) {
    cr_expect_str_eq(get(conf, "bootstrap.servers"), "");
    cr_expect_str_eq(get(conf, "client.id"), "kfk");
    cr_expect_str_eq(get(conf, "request.timeout.ms"), "30000");
    cr_expect_str_eq(get(conf, "security.protocol"), "plaintext");
    cr_expect_str_eq(get(conf, "sasl.mechanism"), "PLAIN");
    cr_expect_str_eq(get(conf, "enable.ssl.certificate.verification"), "true");
    cr_expect_str_eq(get(conf, "acks"), "all");
    cr_expect_str_eq(get(conf, "enable.idempotence"), "true");
    cr_expect_str_eq(get(conf, "compression.level"), "-1");
    cr_expect_str_eq(get(conf, "retries"), "2147483647");
    cr_expect_str_eq(get(conf, "enable.auto.commit"), "false");
    cr_expect_str_eq(get(conf, "auto.offset.reset"), "latest");
    cr_expect_str_eq(get(conf, "partition.assignment.strategy"), "range,cooperative-sticky");
    cr_expect_str_eq(get(conf, "batch.size"), "1000000");
    cr_expect_str_eq(get(conf, "max.poll.records"), "100");
    cr_expect_str_eq(get(conf, "allow.auto.create.topics"), "true");
}

Test(conf, stores_defaults_in_typed_fields_marked_as_not_set) {
    cr_expect_eq(conf->request_timeout_ms, 30000);
    cr_expect_eq(conf->linger_ms, 5);
    cr_expect_eq(conf->batch_size, 1000000);
    cr_expect_eq(conf->max_poll_records, 100);
    cr_expect_eq(conf->allow_auto_create_topics, 1);
    cr_expect_eq(conf->security_protocol, KFK_SEC_PLAINTEXT);
    cr_expect_eq(conf->acks, KFK_ACKS_ALL);
    cr_expect_eq(kfk__conf_acks(conf), -1);
    cr_expect_eq(conf->enable_idempotence, 1);
    cr_expect_eq(conf->isolation_level, KFK_ISOLATION_READ_UNCOMMITTED);
    cr_expect_str_eq(conf->client_id, "kfk");
    for (size_t i = 0; i < KFK_CONF_COUNT; i++)
        cr_expect_eq(conf->is_set[i], 0, "property %zu marked as set", i);
}

/* ---- names ----------------------------------------------------------------------------------- */

Test(conf, rejects_unknown_property_with_its_name) {
    expect_set("linger.msec", "5", KFK_ERR__UNKNOWN_CONF,
               "unknown configuration property \"linger.msec\"");
}

Test(conf, matches_property_names_exactly) {
    expect_set("Linger.ms", "5", KFK_ERR__UNKNOWN_CONF,
               "unknown configuration property \"Linger.ms\"");
    expect_set(" linger.ms", "5", KFK_ERR__UNKNOWN_CONF,
               "unknown configuration property \" linger.ms\"");
}

Test(conf, rejects_null_arguments) {
    char errstr[64];
    cr_expect_eq(kfk_conf_set(conf, NULL, "1", errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(errstr, "kfk_conf_set: NULL argument");
    cr_expect_eq(kfk_conf_set(conf, "linger.ms", NULL, errstr, sizeof errstr),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_conf_set(NULL, "linger.ms", "1", errstr, sizeof errstr), KFK_ERR__INVALID_ARG);
}

Test(conf, clears_errstr_on_success_and_accepts_no_errstr) {
    char errstr[32] = "left over";
    cr_assert_eq(kfk_conf_set(conf, "linger.ms", "7", errstr, sizeof errstr), KFK_ERR_NONE);
    cr_expect_str_eq(errstr, "");
    cr_expect_eq(kfk_conf_set(conf, "linger.ms", "x", NULL, 0), KFK_ERR__INVALID_CONF);
    cr_expect_eq(kfk_conf_set(conf, "nope", "x", NULL, 0), KFK_ERR__UNKNOWN_CONF);
}

Test(conf, truncates_a_long_error_to_the_callers_buffer) {
    char errstr[12];
    cr_assert_eq(kfk_conf_set(conf, "linger.ms", "x", errstr, sizeof errstr),
                 KFK_ERR__INVALID_CONF);
    cr_expect_str_eq(errstr, "linger.ms: ");
}

Test(conf, accepts_librdkafka_aliases_for_the_same_property) {
    expect_set("sasl.mechanisms", "SCRAM-SHA-512", KFK_ERR_NONE, "");
    cr_expect_eq(conf->sasl_mechanism, KFK_SASL_SCRAM_SHA_512);
    cr_expect_str_eq(get(conf, "sasl.mechanism"), "SCRAM-SHA-512");
    cr_expect(KFK_CONF_IS_SET(conf, sasl_mechanism));
    expect_set("metadata.broker.list", "h1:9092,h2:9092", KFK_ERR_NONE, "");
    cr_expect_str_eq(get(conf, "bootstrap.servers"), "h1:9092,h2:9092");
    expect_set("queue.buffering.max.ms", "20", KFK_ERR_NONE, "");
    cr_expect_eq(conf->linger_ms, 20);
    cr_expect_str_eq(get(conf, "queue.buffering.max.ms"), "20");
}

Test(conf, names_the_canonical_property_in_an_aliased_error) {
    expect_set("message.timeout.ms", "0", KFK_ERR__INVALID_CONF,
               "delivery.timeout.ms: 0 is out of range [1, 2147483647]");
}

/* ---- integers -------------------------------------------------------------------------------- */

Test(conf, parses_integers_into_their_field_and_marks_them_set) {
    expect_set("linger.ms", "250", KFK_ERR_NONE, "");
    cr_expect_eq(conf->linger_ms, 250);
    cr_expect(KFK_CONF_IS_SET(conf, linger_ms));
    cr_expect_not(KFK_CONF_IS_SET(conf, batch_size));
    cr_expect_str_eq(get(conf, "linger.ms"), "250");
}

Test(conf, rejects_text_that_is_not_an_integer) {
    expect_set("linger.ms", "abc", KFK_ERR__INVALID_CONF, "linger.ms: \"abc\" is not an integer");
    expect_set("linger.ms", "12ms", KFK_ERR__INVALID_CONF, "linger.ms: \"12ms\" is not an integer");
    expect_set("linger.ms", "", KFK_ERR__INVALID_CONF, "linger.ms: \"\" is not an integer");
    expect_set("linger.ms", "1.5", KFK_ERR__INVALID_CONF, "linger.ms: \"1.5\" is not an integer");
    expect_set("retries", "99999999999999999999", KFK_ERR__INVALID_CONF,
               "retries: \"99999999999999999999\" is not an integer");
}

Test(conf, rejects_integers_outside_the_range_naming_it) {
    expect_set("linger.ms", "900001", KFK_ERR__INVALID_CONF,
               "linger.ms: 900001 is out of range [0, 900000]");
    expect_set("linger.ms", "-1", KFK_ERR__INVALID_CONF,
               "linger.ms: -1 is out of range [0, 900000]");
    expect_set("log_level", "8", KFK_ERR__INVALID_CONF, "log_level: 8 is out of range [0, 7]");
    expect_set("compression.level", "-2", KFK_ERR__INVALID_CONF,
               "compression.level: -2 is out of range [-1, 22]");
    expect_set("receive.message.max.bytes", "999", KFK_ERR__INVALID_CONF,
               "receive.message.max.bytes: 999 is out of range [1000, 2147483647]");
}

Test(conf, accepts_both_ends_of_a_range) {
    expect_set("linger.ms", "0", KFK_ERR_NONE, "");
    cr_expect_eq(conf->linger_ms, 0);
    expect_set("linger.ms", "900000", KFK_ERR_NONE, "");
    cr_expect_eq(conf->linger_ms, 900000);
    expect_set("compression.level", "-1", KFK_ERR_NONE, "");
    cr_expect_eq(conf->compression_level, -1);
    expect_set("fetch.max.bytes", "2147483135", KFK_ERR_NONE, "");
    cr_expect_eq(conf->fetch_max_bytes, 2147483135);
}

Test(conf, keeps_the_old_value_after_a_rejected_one) {
    expect_set("linger.ms", "42", KFK_ERR_NONE, "");
    expect_set("linger.ms", "1000000", KFK_ERR__INVALID_CONF,
               "linger.ms: 1000000 is out of range [0, 900000]");
    cr_expect_eq(conf->linger_ms, 42);
    expect_set("client.id", "mine", KFK_ERR_NONE, "");
    expect_set("debug", "nope", KFK_ERR__INVALID_CONF, "debug: unknown context \"nope\"");
    cr_expect_str_eq(conf->client_id, "mine");
    cr_expect_str_eq(conf->debug, "");
}

Test(conf, does_not_mark_a_property_set_when_its_value_is_rejected) {
    expect_set("batch.size", "0", KFK_ERR__INVALID_CONF,
               "batch.size: 0 is out of range [1, 2147483647]");
    cr_expect_not(KFK_CONF_IS_SET(conf, batch_size));
}

/* ---- the producer's batch bytes and the consumer's batch records ----------------------------- */

/* The row of @p name in the public table. */
static const kfk_conf_property_t *row(const char *name) {
    for (size_t i = 0; i < kfk_conf_property_count(); i++)
        if (!strcmp(kfk_conf_property(i)->name, name))
            return kfk_conf_property(i);
    cr_assert_fail("no row %s", name);
    return NULL;
}

Test(conf, batch_size_is_read_by_the_producer_only_and_max_poll_records_by_the_consumer) {
    cr_expect_str_eq(row("batch.size")->objects, "producer");
    cr_expect_str_eq(row("max.poll.records")->objects, "consumer, worker");
    cr_expect_str_eq(row("allow.auto.create.topics")->objects, "producer, consumer, worker");
    cr_expect(strstr(row("batch.size")->description, "at least 68"), "%s",
              row("batch.size")->description);
    cr_expect(strstr(row("batch.size")->description, "max.poll.records"), "%s",
              row("batch.size")->description);
}

Test(conf, batch_size_and_max_poll_records_are_separate_settings) {
    expect_set("batch.size", "100", KFK_ERR_NONE, "");
    cr_expect_eq(conf->batch_size, 100);
    cr_expect_eq(conf->max_poll_records, 100);
    cr_expect(KFK_CONF_IS_SET(conf, batch_size));
    cr_expect_not(KFK_CONF_IS_SET(conf, max_poll_records));
    expect_set("max.poll.records", "10", KFK_ERR_NONE, "");
    cr_expect_eq(conf->max_poll_records, 10);
    cr_expect_eq(conf->batch_size, 100);
    cr_expect(KFK_CONF_IS_SET(conf, max_poll_records));
    expect_set("max.poll.records", "0", KFK_ERR__INVALID_CONF,
               "max.poll.records: 0 is out of range [1, 2147483647]");
}

Test(conf, allow_auto_create_topics_is_a_boolean) {
    expect_set("allow.auto.create.topics", "false", KFK_ERR_NONE, "");
    cr_expect_eq(conf->allow_auto_create_topics, 0);
    cr_expect(KFK_CONF_IS_SET(conf, allow_auto_create_topics));
    expect_set("allow.auto.create.topics", "maybe", KFK_ERR__INVALID_CONF,
               "allow.auto.create.topics: \"maybe\" is not true or false");
}

/* ---- booleans -------------------------------------------------------------------------------- */

Test(conf, reads_booleans_as_true_false_1_or_0_in_any_case) {
    static const struct {
        const char *text;
        int value;
    } cases[] = {{"true", 1},  {"TRUE", 1},  {"True", 1}, {"1", 1},
                 {"false", 0}, {"FALSE", 0}, {"0", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        conf->enable_auto_commit = !cases[i].value;
        expect_set("enable.auto.commit", cases[i].text, KFK_ERR_NONE, "");
        cr_expect_eq(conf->enable_auto_commit, cases[i].value, "%s", cases[i].text);
        cr_expect_str_eq(get(conf, "enable.auto.commit"), cases[i].value ? "true" : "false");
    }
}

Test(conf, rejects_other_boolean_spellings) {
    expect_set("enable.idempotence", "yes", KFK_ERR__INVALID_CONF,
               "enable.idempotence: \"yes\" is not true or false");
    expect_set("enable.idempotence", "2", KFK_ERR__INVALID_CONF,
               "enable.idempotence: \"2\" is not true or false");
    expect_set("enable.idempotence", "", KFK_ERR__INVALID_CONF,
               "enable.idempotence: \"\" is not true or false");
    cr_expect_eq(conf->enable_idempotence, 1);
}

/* ---- enums ----------------------------------------------------------------------------------- */

Test(conf, stores_an_enum_choice_as_its_index_and_reads_back_its_canonical_name) {
    expect_set("security.protocol", "SASL_SSL", KFK_ERR_NONE, "");
    cr_expect_eq(conf->security_protocol, KFK_SEC_SASL_SSL);
    cr_expect_str_eq(get(conf, "security.protocol"), "sasl_ssl");
    expect_set("auto.offset.reset", "Earliest", KFK_ERR_NONE, "");
    cr_expect_eq(conf->auto_offset_reset, KFK_RESET_EARLIEST);
    expect_set("isolation.level", "read_committed", KFK_ERR_NONE, "");
    cr_expect_eq(conf->isolation_level, KFK_ISOLATION_READ_COMMITTED);
    expect_set("compression.type", "zstd", KFK_ERR_NONE, "");
    cr_expect_str_eq(get(conf, "compression.type"), "zstd");
}

Test(conf, rejects_an_unknown_enum_choice_listing_the_choices) {
    expect_set("security.protocol", "tls", KFK_ERR__INVALID_CONF,
               "security.protocol: \"tls\" is not one of plaintext|ssl|sasl_plaintext|sasl_ssl");
    expect_set("sasl.mechanism", "GSSAPI", KFK_ERR__INVALID_CONF,
               "sasl.mechanism: \"GSSAPI\" is not one of PLAIN|SCRAM-SHA-256|SCRAM-SHA-512");
    cr_expect_eq(conf->security_protocol, KFK_SEC_PLAINTEXT);
}

Test(conf, does_not_accept_a_prefix_or_extension_of_an_enum_choice) {
    expect_set("security.protocol", "plain", KFK_ERR__INVALID_CONF,
               "security.protocol: \"plain\" is not one of plaintext|ssl|sasl_plaintext|sasl_ssl");
    expect_set("security.protocol", "ssl2", KFK_ERR__INVALID_CONF,
               "security.protocol: \"ssl2\" is not one of plaintext|ssl|sasl_plaintext|sasl_ssl");
    expect_set("security.protocol", "", KFK_ERR__INVALID_CONF,
               "security.protocol: \"\" is not one of plaintext|ssl|sasl_plaintext|sasl_ssl");
}

Test(conf, maps_every_acks_spelling_to_the_wire_value) {
    static const struct {
        const char *text;
        int16_t wire;
    } cases[] = {{"all", -1}, {"-1", -1}, {"0", 0}, {"1", 1}, {"ALL", -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_set("acks", cases[i].text, KFK_ERR_NONE, "");
        cr_expect_eq(kfk__conf_acks(conf), cases[i].wire, "acks=%s", cases[i].text);
    }
    expect_set("request.required.acks", "2", KFK_ERR__INVALID_CONF,
               "acks: \"2\" is not one of all|-1|0|1");
}

/* ---- checked strings ------------------------------------------------------------------------- */

Test(conf, accepts_a_list_of_known_assignors_with_spaces) {
    expect_set("partition.assignment.strategy", " roundrobin , range,cooperative-sticky",
               KFK_ERR_NONE, "");
    cr_expect_str_eq(get(conf, "partition.assignment.strategy"),
                     " roundrobin , range,cooperative-sticky");
}

Test(conf, rejects_an_unknown_assignor_naming_it) {
    expect_set("partition.assignment.strategy", "range,sticky", KFK_ERR__INVALID_CONF,
               "partition.assignment.strategy: unknown assignor \"sticky\" (range, roundrobin, "
               "cooperative-sticky)");
    expect_set("partition.assignment.strategy", "range,,roundrobin", KFK_ERR__INVALID_CONF,
               "partition.assignment.strategy: unknown assignor \"\" (range, roundrobin, "
               "cooperative-sticky)");
    expect_set("partition.assignment.strategy", "", KFK_ERR__INVALID_CONF,
               "partition.assignment.strategy: unknown assignor \"(empty)\" (range, roundrobin, "
               "cooperative-sticky)");
    cr_expect_str_eq(conf->partition_assignment_strategy, "range,cooperative-sticky");
}

Test(conf, accepts_known_debug_contexts_and_rejects_others) {
    expect_set("debug", "broker, fetch,cgrp", KFK_ERR_NONE, "");
    cr_expect_str_eq(conf->debug, "broker, fetch,cgrp");
    expect_set("debug", "all", KFK_ERR_NONE, "");
    expect_set("debug", "", KFK_ERR_NONE, "");
    expect_set("debug", "broker,brokers", KFK_ERR__INVALID_CONF,
               "debug: unknown context \"brokers\"");
}

Test(conf, keeps_free_text_strings_as_given) {
    expect_set("client.id", "a b=c,d", KFK_ERR_NONE, "");
    cr_expect_str_eq(conf->client_id, "a b=c,d");
    cr_expect(KFK_CONF_IS_SET(conf, client_id));
    expect_set("client.id", "", KFK_ERR_NONE, "");
    cr_expect_str_eq(get(conf, "client.id"), "");
}

/* ---- get ------------------------------------------------------------------------------------- */

Test(conf, get_reports_the_size_needed_for_a_small_or_missing_buffer) {
    char buf[4] = "xyz";
    size_t size = sizeof buf;
    cr_expect_eq(kfk_conf_get(conf, "request.timeout.ms", buf, &size), KFK_ERR__INVALID_ARG);
    cr_expect_eq(size, 6);
    cr_expect_str_eq(buf, "xyz");
    size = 0;
    cr_expect_eq(kfk_conf_get(conf, "request.timeout.ms", NULL, &size), KFK_ERR_NONE);
    cr_expect_eq(size, 6);
    char exact[6];
    size = sizeof exact;
    cr_expect_eq(kfk_conf_get(conf, "request.timeout.ms", exact, &size), KFK_ERR_NONE);
    cr_expect_str_eq(exact, "30000");
}

Test(conf, get_refuses_a_zero_sized_buffer_and_says_what_it_needs) {
    char buf[1] = {'x'};
    size_t size = 0;
    cr_expect_eq(kfk_conf_get(conf, "request.timeout.ms", buf, &size), KFK_ERR__INVALID_ARG);
    cr_expect_eq(size, 6);
    cr_expect_eq(buf[0], 'x');
    cr_expect_eq(kfk_conf_get(conf, "request.timeout.ms", buf, NULL), KFK_ERR__INVALID_ARG);
}

Test(conf, get_and_dump_return_a_long_string_whole) {
    size_t n = 10000;
    char *big = malloc(n + 1);
    cr_assert_not_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    expect_set("client.id", big, KFK_ERR_NONE, "");
    size_t size = 0;
    cr_expect_eq(kfk_conf_get(conf, "client.id", NULL, &size), KFK_ERR_NONE);
    cr_expect_eq(size, n + 1);
    char *back = malloc(size);
    cr_assert_not_null(back);
    cr_expect_eq(kfk_conf_get(conf, "client.id", back, &size), KFK_ERR_NONE);
    cr_expect_str_eq(back, big);
    char *dump = kfk_conf_dump(conf);
    cr_assert_not_null(dump);
    char *line = strstr(dump, "\nclient.id=");
    cr_assert_not_null(line);
    cr_expect_eq(strncmp(line + strlen("\nclient.id="), big, n), 0);
    cr_expect_eq(line[strlen("\nclient.id=") + n], '\n');
    kfk_mem_free(dump);
    free(back);
    free(big);
}

Test(conf, get_rejects_an_unknown_name) {
    char buf[16];
    size_t size = sizeof buf;
    cr_expect_eq(kfk_conf_get(conf, "no.such", buf, &size), KFK_ERR__UNKNOWN_CONF);
    cr_expect_eq(kfk_conf_get(conf, NULL, buf, &size), KFK_ERR__UNKNOWN_CONF);
    cr_expect_eq(kfk_conf_get(NULL, "client.id", buf, &size), KFK_ERR__UNKNOWN_CONF);
}

Test(conf, get_returns_secrets_as_set) {
    expect_set("sasl.password", "s3cret", KFK_ERR_NONE, "");
    cr_expect_str_eq(get(conf, "sasl.password"), "s3cret");
}

/* ---- dup and dump ---------------------------------------------------------------------------- */

Test(conf, dup_is_a_deep_copy_with_the_set_marks) {
    expect_set("client.id", "original", KFK_ERR_NONE, "");
    expect_set("linger.ms", "9", KFK_ERR_NONE, "");
    kfk_conf_t *d = kfk_conf_dup(conf);
    cr_assert_not_null(d);
    cr_expect_neq(d->client_id, conf->client_id);
    expect_set("client.id", "changed", KFK_ERR_NONE, "");
    expect_set("linger.ms", "10", KFK_ERR_NONE, "");
    cr_expect_str_eq(get(d, "client.id"), "original");
    cr_expect_eq(d->linger_ms, 9);
    cr_expect(KFK_CONF_IS_SET(d, linger_ms));
    cr_expect_not(KFK_CONF_IS_SET(d, batch_size));
    kfk_conf_free(d);
    cr_expect_str_eq(get(conf, "client.id"), "changed");
}

Test(conf, dump_lists_every_property_once_in_table_order) {
    char *dump = kfk_conf_dump(conf);
    cr_assert_not_null(dump);
    size_t lines = 0;
    for (const char *p = dump; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, KFK_CONF_COUNT);
    static const char head[] = "bootstrap.servers=\nclient.id=kfk\nrequest.timeout.ms=30000\n";
    cr_expect_eq(strncmp(dump, head, strlen(head)), 0, "%s", dump);
    cr_expect_not_null(strstr(dump, "\nsecurity.protocol=plaintext\n"));
    cr_expect_not_null(strstr(dump, "\npartition.assignment.strategy=range,cooperative-sticky\n"));
    kfk_mem_free(dump);
}

Test(conf, dump_redacts_secrets_that_are_set_and_shows_empty_ones_empty) {
    expect_set("sasl.username", "alice", KFK_ERR_NONE, "");
    expect_set("sasl.password", "pencil", KFK_ERR_NONE, "");
    char *dump = kfk_conf_dump(conf);
    cr_assert_not_null(dump);
    cr_expect_not_null(strstr(dump, "\nsasl.username=[redacted]\n"));
    cr_expect_not_null(strstr(dump, "\nsasl.password=[redacted]\n"));
    cr_expect_not_null(strstr(dump, "\nssl.key.password=\n"));
    cr_expect_null(strstr(dump, "alice"));
    cr_expect_null(strstr(dump, "pencil"));
    kfk_mem_free(dump);
}

Test(conf, sets_the_log_and_stats_callbacks_with_their_opaques) {
    int tag;
    kfk_conf_set_log_cb(conf, (kfk_log_cb)1, &tag);
    kfk_conf_set_stats_cb(conf, (kfk_stats_cb)2, &tag + 1);
    cr_expect_eq(conf->log_cb, (kfk_log_cb)1);
    cr_expect_eq(conf->log_opaque, &tag);
    cr_expect_eq(conf->stats_cb, (kfk_stats_cb)2);
    cr_expect_eq(conf->stats_opaque, &tag + 1);
}

Test(conf, free_accepts_null) {
    kfk_conf_free(NULL);
}

/* ---- allocation failures --------------------------------------------------------------------- */

Test(conf, new_and_dup_fail_cleanly_at_every_allocation_failure) {
    expect_set("sasl.password", "pw", KFK_ERR_NONE, "");
    for (long n = 0;; n++) {
        kfk__mem_fail_after(n);
        kfk_conf_t *c = kfk_conf_new();
        kfk__mem_fail_after(-1);
        if (c) {
            cr_expect_gt(n, 0);
            kfk_conf_free(c);
            break;
        }
        cr_assert_lt(n, 200);
    }
    for (long n = 0;; n++) {
        kfk__mem_fail_after(n);
        kfk_conf_t *c = kfk_conf_dup(conf);
        kfk__mem_fail_after(-1);
        if (c) {
            cr_expect_gt(n, 0);
            cr_expect_str_eq(c->sasl_password, "pw");
            kfk_conf_free(c);
            break;
        }
        cr_assert_lt(n, 200);
    }
}

Test(conf, set_reports_out_of_memory_and_keeps_the_old_string) {
    kfk__mem_fail_after(0);
    kfk_err_t err = kfk_conf_set(conf, "client.id", "new", NULL, 0);
    kfk__mem_fail_after(-1);
    cr_expect_eq(err, KFK_ERR__NOMEM);
    cr_expect_str_eq(conf->client_id, "kfk");
}

/* ---- properties files ------------------------------------------------------------------------ */

/* Writes @p text to a new temporary file; its path goes to @p path (64 bytes). */
static void write_file(char *path, const char *text) {
    snprintf(path, 64, "/tmp/kfk-test-conf-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    size_t n = strlen(text);
    cr_assert_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
}

Test(conf, reads_a_properties_file_with_comments_blank_lines_and_spaces) {
    char path[64], errstr[256];
    write_file(path, "# a comment\n"
                     "! another\n"
                     "\n"
                     "   \n"
                     "bootstrap.servers = h1:9092\n"
                     "\tclient.id=\tme \r\n"
                     "sasl.password=a=b\n"
                     "linger.ms=7");
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_assert_eq(err, KFK_ERR_NONE, "%s", errstr);
    cr_expect_str_eq(get(conf, "bootstrap.servers"), "h1:9092");
    cr_expect_str_eq(get(conf, "client.id"), "me");
    cr_expect_str_eq(get(conf, "sasl.password"), "a=b");
    cr_expect_eq(conf->linger_ms, 7);
}

Test(conf, stops_a_file_at_the_first_bad_value_naming_file_and_line) {
    char path[64], errstr[256], want[256];
    write_file(path, "linger.ms=3\nlinger.ms=soon\nclient.id=after\n");
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_expect_eq(err, KFK_ERR__INVALID_CONF);
    snprintf(want, sizeof want, "%s:2: linger.ms: \"soon\" is not an integer", path);
    cr_expect_str_eq(errstr, want);
    cr_expect_eq(conf->linger_ms, 3);
    cr_expect_str_eq(conf->client_id, "kfk");
}

Test(conf, rejects_a_file_line_without_an_equals_sign) {
    char path[64], errstr[256], want[256];
    write_file(path, "# ok\nclient.id\n");
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_expect_eq(err, KFK_ERR__INVALID_CONF);
    snprintf(want, sizeof want, "%s:2: expected key=value", path);
    cr_expect_str_eq(errstr, want);
}

Test(conf, returns_the_unknown_name_error_of_a_file_line) {
    char path[64], errstr[256], want[256];
    write_file(path, "colour=blue\n");
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_expect_eq(err, KFK_ERR__UNKNOWN_CONF);
    snprintf(want, sizeof want, "%s:1: unknown configuration property \"colour\"", path);
    cr_expect_str_eq(errstr, want);
}

Test(conf, rejects_a_file_line_too_long_to_read) {
    char path[64], errstr[256], want[256];
    size_t n = 9000;
    char *text = malloc(n + 2);
    cr_assert_not_null(text);
    memcpy(text, "client.id=", 10);
    memset(text + 10, 'x', n - 10);
    text[n] = '\n';
    text[n + 1] = '\0';
    write_file(path, text);
    free(text);
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_expect_eq(err, KFK_ERR__INVALID_CONF);
    snprintf(want, sizeof want, "%s:1: line too long", path);
    cr_expect_str_eq(errstr, want);
    cr_expect_str_eq(conf->client_id, "kfk");
}

Test(conf, rejects_a_file_with_a_nul_byte_and_applies_nothing_after_it) {
    /* A file of NULs (-F /dev/zero) read as empty lines for ever. */
    char errstr[256];
    cr_expect_eq(kfk_conf_set_file(conf, "/dev/zero", errstr, sizeof errstr),
                 KFK_ERR__INVALID_CONF);
    cr_expect_str_eq(errstr, "/dev/zero:1: a NUL byte: not a properties file");

    char path[64], want[256];
    write_file(path, "linger.ms=9\nclient.id=a\n"); /* then a NUL and a third line */
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    fputs("client.id=b", f);
    fputc('\0', f);
    fputs("\nclient.id=c\n", f);
    fclose(f);
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_expect_eq(err, KFK_ERR__INVALID_CONF);
    snprintf(want, sizeof want, "%s:3: a NUL byte: not a properties file", path);
    cr_expect_str_eq(errstr, want);
    cr_expect_eq(conf->linger_ms, 9);
    cr_expect_str_eq(conf->client_id, "a");
}

Test(conf, rejects_a_directory_as_a_properties_file) {
    /* It read as an empty file: nothing set, no error. */
    char errstr[256];
    cr_expect_eq(kfk_conf_set_file(conf, "/tmp", errstr, sizeof errstr), KFK_ERR__INVALID_CONF);
    cr_expect_str_eq(errstr, "/tmp: Is a directory");
}

Test(conf, rejects_a_file_past_4_mib) {
    char path[64], errstr[256], want[256];
    snprintf(path, sizeof path, "/tmp/kfk-test-conf-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 300000; i++) /* 300,000 lines of 16 bytes: 4.6 MiB */
        fputs("linger.ms=12345\n", f);
    fclose(f);
    kfk_err_t err = kfk_conf_set_file(conf, path, errstr, sizeof errstr);
    unlink(path);
    cr_expect_eq(err, KFK_ERR__INVALID_CONF);
    snprintf(want, sizeof want, "%s: larger than 4194304 bytes", path);
    cr_expect_str_eq(errstr, want);
}

Test(conf, reports_a_missing_file_with_the_system_error) {
    char errstr[256];
    cr_expect_eq(kfk_conf_set_file(conf, "/nonexistent/kfk.properties", errstr, sizeof errstr),
                 KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(errstr, "/nonexistent/kfk.properties: No such file or directory");
}
