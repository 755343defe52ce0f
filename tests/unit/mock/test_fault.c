/*
 * test_fault.c: the mock cluster's faults (src/mock/fault.c) without a network: the text form
 * and its errors, adding faults from C (copies, bounds), and matching through the two hooks
 * (order, count, skip, filters). The faults hang off a zeroed kfk_mock_t with three brokers, so
 * no listener is opened.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mock/mock_int.h"

static kfk_mock_t *m;
static char err[256];

static void setup(void) {
    m = calloc(1, sizeof(*m));
    m->o.brokers = 3;
    err[0] = '\0';
}

static void teardown(void) {
    kfk__mock_fault_close(m);
    cr_assert_null(m->fault_state);
    free(m);
}

TestSuite(mock_fault, .init = setup, .fini = teardown);

static kfk_err_t parse(const char *spec) {
    return kfk_mock_fault_parse(m, spec, err, sizeof(err));
}

static void parse_ok(const char *spec) {
    kfk_err_t e = parse(spec);
    cr_assert_eq(e, KFK_ERR_NONE, "%s: %s (%s)", spec, kfk_err_name(e), err);
}

static void parse_fails(const char *spec, const char *msg) {
    size_t before = kfk__mock_fault_count(m);
    cr_assert_eq(parse(spec), KFK_ERR__INVALID_ARG, "%s parsed", spec);
    cr_assert_str_eq(err, msg, "%s", spec);
    cr_assert_eq(kfk__mock_fault_count(m), before, "%s added some faults", spec);
}

static const kfk_mock_fault_t *at(size_t i) {
    const kfk_mock_fault_t *f = kfk__mock_fault_at(m, i);
    cr_assert_not_null(f, "no fault %zu", i);
    return f;
}

static int16_t produce_err(int32_t broker, const char *topic, int32_t partition) {
    return kfk__mock_fault_error(m, KFK_API_PRODUCE, broker, topic, strlen(topic), partition);
}

/* ---- the text form --------------------------------------------------------------------- */

Test(mock_fault, parses_a_produce_error_fault_with_every_key) {
    const kfk_mock_fault_t *f;
    parse_ok("api=Produce,broker=2,topic=orders,partition=0,count=3,skip=1,"
             "error=NOT_LEADER_OR_FOLLOWER");
    cr_assert_eq(kfk__mock_fault_count(m), 1);
    f = at(0);
    cr_assert_eq(f->kind, KFK_MOCK_FAULT_ERROR);
    cr_assert_eq(f->api_key, KFK_API_PRODUCE);
    cr_assert_eq(f->broker, 2);
    cr_assert_str_eq(f->topic, "orders");
    cr_assert_eq(f->partition, 0);
    cr_assert_eq(f->count, 3);
    cr_assert_eq(f->skip, 1);
    cr_assert_eq(f->error, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
}

Test(mock_fault, leaves_unnamed_keys_at_any_and_one_request) {
    const kfk_mock_fault_t *f;
    parse_ok("error=6");
    f = at(0);
    cr_assert_eq(f->api_key, -1);
    cr_assert_eq(f->broker, -1);
    cr_assert_null(f->topic);
    cr_assert_eq(f->partition, -1);
    cr_assert_eq(f->count, 1);
    cr_assert_eq(f->skip, 0);
    cr_assert_eq(f->error, 6);
}

Test(mock_fault, takes_api_and_error_names_in_any_case_or_as_numbers) {
    parse_ok("api=metadata,error=unknown_topic_or_partition");
    parse_ok("api=3,error=KFK_ERR_LEADER_NOT_AVAILABLE");
    parse_ok(" API = FETCH , Error = -1 ");
    parse_ok("api=60,error=999");
    cr_assert_eq(at(0)->api_key, KFK_API_METADATA);
    cr_assert_eq(at(0)->error, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cr_assert_eq(at(1)->api_key, KFK_API_METADATA);
    cr_assert_eq(at(1)->error, KFK_ERR_LEADER_NOT_AVAILABLE);
    cr_assert_eq(at(2)->api_key, KFK_API_FETCH);
    cr_assert_eq(at(2)->error, KFK_ERR_UNKNOWN_SERVER_ERROR);
    cr_assert_eq(at(3)->api_key, 60, "an API kfk does not speak is still matched");
    cr_assert_eq(at(3)->error, 999, "so is an error code kfk does not know");
    parse_fails("api=40000,error=6", "fault 1: unknown API '40000' (a name such as Produce, "
                                     "or a number)");
}

Test(mock_fault, parses_every_action) {
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xf0};
    static const uint8_t patch[] = {0x7f, 0xff};
    parse_ok("api=Fetch,delay=2000;api=JoinGroup,close=after;api=Produce,close=BEFORE;"
             "api=Metadata,truncate=20;api=Heartbeat,silence;api=Metadata,patch=8:7fff;"
             "api=ApiVersions,replace=FFFFFFF0");
    cr_assert_eq(kfk__mock_fault_count(m), 7);
    cr_assert_eq(at(0)->kind, KFK_MOCK_FAULT_DELAY);
    cr_assert_eq(at(0)->delay_ms, 2000);
    cr_assert_eq(at(1)->kind, KFK_MOCK_FAULT_CLOSE_AFTER);
    cr_assert_eq(at(1)->api_key, KFK_API_JOIN_GROUP);
    cr_assert_eq(at(2)->kind, KFK_MOCK_FAULT_CLOSE_BEFORE);
    cr_assert_eq(at(3)->kind, KFK_MOCK_FAULT_TRUNCATE);
    cr_assert_eq(at(3)->at, 20);
    cr_assert_eq(at(4)->kind, KFK_MOCK_FAULT_SILENCE);
    cr_assert_eq(at(5)->kind, KFK_MOCK_FAULT_PATCH);
    cr_assert_eq(at(5)->at, 8);
    cr_assert_eq(at(5)->bytes_len, 2);
    cr_assert_eq(memcmp(at(5)->bytes, patch, 2), 0);
    cr_assert_eq(at(6)->kind, KFK_MOCK_FAULT_REPLACE);
    cr_assert_eq(at(6)->bytes_len, 4);
    cr_assert_eq(memcmp(at(6)->bytes, neg, 4), 0);
}

Test(mock_fault, reads_count_all_as_forever_and_skips_empty_faults) {
    parse_ok("api=Fetch,count=all,delay=5;;  ;api=Fetch,count=-1,delay=6;");
    cr_assert_eq(kfk__mock_fault_count(m), 2);
    cr_assert_eq(at(0)->count, -1);
    cr_assert_eq(at(1)->count, -1);
}

Test(mock_fault, names_the_fault_and_the_bad_token) {
    parse_fails("api=Produce,error=6;api=Fetch,partiton=0,error=6",
                "fault 2: unknown key 'partiton'");
    parse_fails("api=Prodce,error=6", "fault 1: unknown API 'Prodce' (a name such as Produce, "
                                      "or a number)");
    parse_fails("error=NOT_A_LEADER", "fault 1: unknown error 'NOT_A_LEADER' (a Kafka error "
                                      "name such as NOT_LEADER_OR_FOLLOWER, or a non-zero "
                                      "number)");
    parse_fails("error=0", "fault 1: unknown error '0' (a Kafka error name such as "
                           "NOT_LEADER_OR_FOLLOWER, or a non-zero number)");
    parse_fails("partition=x1,error=6", "fault 1: bad partition 'x1' (a number 0 or more)");
    parse_fails("partition=-1,error=6", "fault 1: bad partition '-1' (a number 0 or more)");
    parse_fails("broker=0,error=6", "fault 1: bad broker '0' (a number 1 or more)");
    parse_fails("skip=99999999999,error=6", "fault 1: bad skip '99999999999' (a number 0 or more)");
    parse_fails("count=0,error=6", "fault 1: bad count '0' (1 or more, or all)");
    parse_fails("delay=soon", "fault 1: bad delay 'soon' (milliseconds, 0..86400000)");
    parse_fails("delay=86400001", "fault 1: bad delay '86400001' (milliseconds, 0..86400000)");
    parse_fails("close=sideways", "fault 1: bad close 'sideways' (before or after)");
    parse_fails("truncate=-3", "fault 1: bad truncate '-3' (bytes kept, 0 or more)");
    parse_fails("patch=12", "fault 1: bad patch '12' (OFFSET:HEX, the offset counted from the "
                            "frame's size field)");
    parse_fails("patch=4:abc", "fault 1: bad bytes 'abc' in patch (an even number of hex digits)");
    parse_fails("replace=zz", "fault 1: bad bytes 'zz' in replace (hex digits only)");
    parse_fails("replace=", "fault 1: 'replace' needs a value (key=value)");
    parse_fails("api", "fault 1: 'api' needs a value (key=value)");
    parse_fails("silence=1", "fault 1: 'silence' takes no value");
}

Test(mock_fault, refuses_two_actions_none_or_a_key_twice) {
    parse_fails("api=Fetch,delay=10,error=6", "fault 1: more than one action ('delay' and "
                                              "'error')");
    parse_fails("api=Fetch,silence,close=after", "fault 1: more than one action ('silence' and "
                                                 "'close')");
    parse_fails("api=Fetch", "fault 1: no action (one of error=, delay=, close=, truncate=, "
                             "silence, patch=, replace=)");
    parse_fails("api=Fetch,api=Produce,error=6", "fault 1: 'api' given twice");
    parse_fails("api=Fetch,,error=6", "fault 1: empty item (items are key=value, separated by "
                                      "',')");
    parse_fails("", "no fault in the spec");
    parse_fails(" ; ", "no fault in the spec");
}

Test(mock_fault, refuses_topic_or_partition_on_a_wire_fault) {
    parse_fails("api=Produce,partition=0,delay=100",
                "fault 1: topic and partition match error faults only (a wire fault applies "
                "to a whole request)");
    parse_fails("topic=t,silence", "fault 1: topic and partition match error faults only (a "
                                   "wire fault applies to a whole request)");
}

Test(mock_fault, refuses_a_broker_the_mock_does_not_have) {
    parse_fails("broker=4,error=6", "fault 1: no broker 4 (the mock has brokers 1..3)");
}

Test(mock_fault, adds_a_spec_whole_or_not_at_all) {
    parse_ok("api=Fetch,delay=1");
    parse_fails("api=Produce,error=6;api=Fetch,delay=1;api=Metadata,truncate=x",
                "fault 3: bad truncate 'x' (bytes kept, 0 or more)");
    cr_assert_eq(kfk__mock_fault_count(m), 1);
}

Test(mock_fault, cuts_a_long_token_in_its_message) {
    parse_fails("api=ThisIsAVeryLongApiNameThatNobodyWouldEverType,error=6",
                "fault 1: unknown API 'ThisIsAVeryLongApiNameThatNobodyWouldEve...' (a name "
                "such as Produce, or a number)");
}

Test(mock_fault, refuses_calls_once_the_mock_is_closing) {
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.error = KFK_ERR_NOT_CONTROLLER;
    m->closing = 1;
    cr_assert_eq(parse("error=6"), KFK_ERR__DESTROYED);
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__DESTROYED);
    m->closing = 0;
}

/* ---- adding from C --------------------------------------------------------------------- */

Test(mock_fault, copies_the_topic_and_bytes_it_is_given) {
    char topic[] = "orders";
    uint8_t bytes[] = {1, 2, 3};
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    kfk_mock_fault_t r = KFK_MOCK_FAULT_INIT;
    kfk__mock_wire_t w;
    f.error = KFK_ERR_NOT_LEADER_OR_FOLLOWER;
    f.topic = topic;
    r.kind = KFK_MOCK_FAULT_REPLACE;
    r.bytes = bytes;
    r.bytes_len = sizeof(bytes);
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_add(m, &r), KFK_ERR_NONE);
    memset(topic, 'x', 6);
    memset(bytes, 9, sizeof(bytes));
    cr_assert_eq(produce_err(1, "xxxxxx", 0), 0);
    cr_assert_eq(produce_err(1, "orders", 0), KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_FETCH, 1, &w), 1);
    cr_assert_eq(w.kind, KFK_MOCK_FAULT_REPLACE);
    cr_assert_eq(w.bytes_len, 3);
    cr_assert_eq(w.bytes[0], 1);
    cr_assert_eq(w.bytes[2], 3);
}

Test(mock_fault, refuses_faults_that_make_no_sense) {
    uint8_t b = 0;
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "error 0");
    f.error = 6;
    f.struct_size = 0;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "struct_size 0");
    f.struct_size = sizeof(f);
    f.kind = (kfk_mock_fault_kind_t)42;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "kind 42");
    f.kind = KFK_MOCK_FAULT_ERROR;
    f.count = 0;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "count 0");
    f.count = 1;
    f.skip = -2;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "skip -2");
    f.skip = 0;
    f.error = 40000;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "error 40000");
    f.kind = KFK_MOCK_FAULT_PATCH;
    f.bytes = NULL;
    f.bytes_len = 0;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "patch without bytes");
    f.bytes = &b;
    f.bytes_len = ((size_t)16 << 20) + 1;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "patch of 16 MiB + 1");
    f.kind = KFK_MOCK_FAULT_DELAY;
    f.delay_ms = -1;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG, "delay -1");
    cr_assert_eq(kfk__mock_fault_count(m), 0);
}

Test(mock_fault, holds_at_most_ten_thousand_faults) {
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.error = KFK_ERR_REQUEST_TIMED_OUT;
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR_NONE, "fault %d", i);
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG);
    parse_fails("error=6", "too many faults (at most 10000 at a time)");
    kfk_mock_fault_clear(m);
    cr_assert_eq(kfk__mock_fault_count(m), 0);
    parse_ok("error=6");
}

Test(mock_fault, reads_an_older_smaller_struct_with_defaults_for_the_rest) {
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = KFK_API_FETCH;
    f.error = 0; /* past the struct_size below: the default (0) stays, so it is refused */
    f.struct_size = offsetof(kfk_mock_fault_t, error);
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR__INVALID_ARG);
    f.kind = KFK_MOCK_FAULT_SILENCE;
    cr_assert_eq(kfk_mock_fault_add(m, &f), KFK_ERR_NONE);
    cr_assert_eq(at(0)->api_key, KFK_API_FETCH);
}

/* ---- matching -------------------------------------------------------------------------- */

Test(mock_fault, applies_the_first_matching_fault_in_the_order_added) {
    parse_ok("api=Produce,error=NOT_LEADER_OR_FOLLOWER;api=Produce,error=REQUEST_TIMED_OUT;"
             "error=UNKNOWN_SERVER_ERROR");
    cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_REQUEST_TIMED_OUT);
    cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_UNKNOWN_SERVER_ERROR);
    cr_assert_eq(produce_err(1, "t", 0), 0);
    cr_assert_eq(kfk__mock_fault_count(m), 0, "used-up faults are removed");
}

Test(mock_fault, counts_uses_and_removes_a_fault_used_up) {
    parse_ok("api=Produce,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(produce_err(1, "t", 1), 0, "partition 1 does not match");
        cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_NOT_LEADER_OR_FOLLOWER, "use %d", i);
        if (i < 2)
            cr_assert_eq(at(0)->count, 2 - i);
    }
    cr_assert_eq(produce_err(1, "t", 0), 0);
    cr_assert_eq(kfk__mock_fault_count(m), 0);
}

Test(mock_fault, keeps_a_forever_fault) {
    parse_ok("api=Fetch,count=all,error=OFFSET_OUT_OF_RANGE");
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(kfk__mock_fault_error(m, KFK_API_FETCH, 1, "t", 1, i % 4),
                     KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(kfk__mock_fault_count(m), 1);
    kfk_mock_fault_clear(m);
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_FETCH, 1, "t", 1, 0), 0);
}

Test(mock_fault, lets_skip_matching_requests_through_first) {
    parse_ok("api=Produce,skip=2,count=1,error=NOT_LEADER_OR_FOLLOWER");
    cr_assert_eq(produce_err(1, "t", 0), 0);
    cr_assert_eq(at(0)->skip, 1);
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_FETCH, 1, "t", 1, 0), 0, "not counted");
    cr_assert_eq(produce_err(1, "t", 0), 0);
    cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(produce_err(1, "t", 0), 0);
}

Test(mock_fault, lets_a_later_fault_apply_while_an_earlier_one_skips) {
    parse_ok("api=Produce,skip=1,error=REQUEST_TIMED_OUT;api=Produce,error=NOT_ENOUGH_REPLICAS");
    cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_NOT_ENOUGH_REPLICAS);
    cr_assert_eq(produce_err(1, "t", 0), KFK_ERR_REQUEST_TIMED_OUT);
    cr_assert_eq(produce_err(1, "t", 0), 0);
}

Test(mock_fault, matches_api_broker_topic_and_partition) {
    parse_ok("api=Produce,broker=2,topic=orders,partition=1,count=all,error=CORRUPT_MESSAGE");
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_FETCH, 2, "orders", 6, 1), 0, "api");
    cr_assert_eq(produce_err(1, "orders", 1), 0, "broker");
    cr_assert_eq(produce_err(2, "order", 1), 0, "topic prefix");
    cr_assert_eq(produce_err(2, "orders2", 1), 0, "longer topic");
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_PRODUCE, 2, "orders+junk", 6, 1),
                 KFK_ERR_CORRUPT_MESSAGE, "the topic is taken by its length");
    cr_assert_eq(produce_err(2, "orders", 0), 0, "partition");
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_PRODUCE, 2, NULL, 0, 1), 0, "no topic");
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_PRODUCE, 2, "orders", 6, -1), 0, "no partition");
    cr_assert_eq(produce_err(2, "orders", 1), KFK_ERR_CORRUPT_MESSAGE);
}

Test(mock_fault, matches_group_requests_without_topic_or_partition) {
    parse_ok("api=Heartbeat,error=REBALANCE_IN_PROGRESS");
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_HEARTBEAT, 1, NULL, 0, -1),
                 KFK_ERR_REBALANCE_IN_PROGRESS);
}

Test(mock_fault, keeps_error_and_wire_faults_apart) {
    kfk__mock_wire_t w;
    parse_ok("api=Metadata,truncate=20;api=Metadata,error=LEADER_NOT_AVAILABLE");
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_METADATA, 1, "t", 1, 0),
                 KFK_ERR_LEADER_NOT_AVAILABLE);
    cr_assert_eq(kfk__mock_fault_count(m), 1);
    cr_assert_eq(kfk__mock_fault_error(m, KFK_API_METADATA, 1, "t", 1, 0), 0);
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_METADATA, 1, &w), 1);
    cr_assert_eq(w.kind, KFK_MOCK_FAULT_TRUNCATE);
    cr_assert_eq(w.at, 20);
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_METADATA, 1, &w), 0);
    cr_assert_eq(w.kind, KFK_MOCK_FAULT_ERROR, "send as is");
}

Test(mock_fault, matches_wire_faults_by_api_and_broker_with_skip) {
    kfk__mock_wire_t w;
    parse_ok("api=Fetch,broker=3,skip=1,count=2,delay=2000");
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_FETCH, 1, &w), 0, "broker 1");
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_PRODUCE, 3, &w), 0, "Produce");
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_FETCH, 3, &w), 0, "skipped");
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_FETCH, 3, &w), 1);
    cr_assert_eq(w.kind, KFK_MOCK_FAULT_DELAY);
    cr_assert_eq(w.delay_ms, 2000);
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_FETCH, 3, &w), 1);
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_FETCH, 3, &w), 0);
}

Test(mock_fault, keeps_the_bytes_of_a_used_up_fault_until_the_next_call) {
    kfk__mock_wire_t w;
    parse_ok("api=Metadata,patch=4:deadbeef");
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_METADATA, 1, &w), 1);
    cr_assert_eq(kfk__mock_fault_count(m), 0);
    cr_assert_eq(w.kind, KFK_MOCK_FAULT_PATCH);
    cr_assert_eq(w.at, 4);
    cr_assert_eq(w.bytes_len, 4);
    /* Still readable (ASan would say otherwise) after the fault was used up. */
    cr_assert_eq(w.bytes[0], 0xde);
    cr_assert_eq(w.bytes[3], 0xef);
}

Test(mock_fault, finds_nothing_with_no_fault_ever_added) {
    kfk__mock_wire_t w;
    cr_assert_eq(produce_err(1, "t", 0), 0);
    cr_assert_eq(kfk__mock_fault_wire(m, KFK_API_PRODUCE, 1, &w), 0);
    cr_assert_eq(kfk__mock_fault_count(m), 0);
    cr_assert_null(kfk__mock_fault_at(m, 0));
    kfk_mock_fault_clear(m);
}
