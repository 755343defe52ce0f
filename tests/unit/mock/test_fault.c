/*
 * test_fault.c: the mock cluster's faults (src/mock/fault.c) without a network: the text form
 * and its errors, adding faults from C (copies, bounds), and matching through the two hooks
 * (order, count, skip, filters), on a zeroed kfk_mock_t with three brokers and no listener;
 * then each action as a raw client receives it from a running one-broker mock (ApiVersions v0
 * sent by hand), each of those tests ending with uv_loop_close == 0.
 */
#include <criterion/criterion.h>
#include <uv.h>
#include <stdlib.h>
#include <string.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"

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

Test(mock_fault, parses_every_example_of_docs_mock_md) {
    static const char *const examples[] = {
        "api=Metadata,truncate=20",
        "api=Produce,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER",
        "api=Fetch,count=all,delay=2000",
        "api=JoinGroup,close=after",
        "api=ApiVersions,replace=FFFFFFFF",
        "api=ApiVersions,patch=10:7f",
        "api=ApiVersions,patch=8:0023",
        "broker=2,api=Fetch,count=all,close=before",
        "api=Produce,topic=orders,skip=5,count=2,error=REQUEST_TIMED_OUT",
        "api=Heartbeat,count=all,error=REBALANCE_IN_PROGRESS",
        "api=OffsetCommit,silence",
        "api=FindCoordinator,count=2,error=COORDINATOR_NOT_AVAILABLE;api=JoinGroup,"
        "error=NOT_COORDINATOR",
        "api=Metadata,error=999",
        "api=Metadata,topic=foo,error=LEADER_NOT_AVAILABLE",
        "api=Metadata,topic=foo,partition=1,error=LEADER_NOT_AVAILABLE",
        "api=Produce,topic=orders,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER",
    };
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
        parse_ok(examples[i]);
    cr_assert_eq(kfk__mock_fault_count(m), 17);
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
                             "silence, patch=, replace=, records=, bomb=)");
    parse_fails("api=Fetch,api=Produce,error=6", "fault 1: 'api' given twice");
    parse_fails("api=Fetch,,error=6", "fault 1: empty item (items are key=value, separated by "
                                      "',')");
    parse_fails("", "no fault in the spec");
    parse_fails(" ; ", "no fault in the spec");
}

Test(mock_fault, refuses_topic_or_partition_on_a_wire_fault) {
    parse_fails("api=Produce,partition=0,delay=100",
                "fault 1: topic and partition match error, records and bomb faults only (a "
                "wire fault applies to a whole request)");
    parse_fails("topic=t,silence", "fault 1: topic and partition match error, records and bomb "
                                   "faults only (a wire fault applies to a whole request)");
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

Test(mock_fault, adds_all_or_nothing_when_memory_runs_out) {
    const char *spec = "api=Produce,topic=orders,error=6;api=Metadata,patch=4:0102;"
                       "api=Fetch,replace=ffffffff;api=Heartbeat,silence";
    int ok = 0;
    for (long n = 0; n < 40 && !ok; n++) {
        kfk_err_t e;
        kfk_mock_fault_clear(m);
        kfk__mem_fail_after(n);
        e = parse(spec);
        kfk__mem_fail_after(-1);
        cr_assert(e == KFK_ERR_NONE || e == KFK_ERR__NOMEM, "after %ld: %s", n, kfk_err_name(e));
        cr_assert_eq(kfk__mock_fault_count(m), e == KFK_ERR_NONE ? 4u : 0u, "after %ld", n);
        ok = e == KFK_ERR_NONE;
    }
    cr_assert(ok, "never parsed with 40 allocations");
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

/* ---- through a running mock: what a client receives ------------------------------------ */

/* A raw client of a one-broker mock on its own loop, sending ApiVersions v0 by hand. */
typedef struct wire_client {
    uv_loop_t loop;
    kfk_mock_t *mock;
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_timer_t timer;
    int connected, eof, timed_out, closed;
    uint8_t buf[4096];
    size_t len;
} wire_client_t;

static void wc_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    wire_client_t *c = h->data;
    (void)suggested;
    *buf = uv_buf_init((char *)c->buf + c->len, (unsigned)(sizeof(c->buf) - c->len));
}

static void wc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
    wire_client_t *c = s->data;
    (void)buf;
    if (n < 0) {
        c->eof = 1;
        uv_read_stop(s);
    } else {
        c->len += (size_t)n;
        if (c->len == sizeof(c->buf))
            uv_read_stop(s);
    }
}

static void wc_connected(uv_connect_t *r, int status) {
    wire_client_t *c = r->data;
    c->connected = status == 0 ? 1 : -1;
    if (status == 0)
        uv_read_start((uv_stream_t *)&c->tcp, wc_alloc, wc_read);
}

static void wc_timeout(uv_timer_t *t) {
    wire_client_t *c = t->data;
    c->timed_out = 1;
}

/* Runs the loop until @p done says so or @p ms passed; returns done's last answer. */
static int wc_run(wire_client_t *c, int (*done)(const wire_client_t *c, size_t n), size_t n,
                  uint64_t ms) {
    c->timed_out = 0;
    uv_timer_start(&c->timer, wc_timeout, ms, 0);
    while (!done(c, n) && !c->timed_out)
        uv_run(&c->loop, UV_RUN_ONCE);
    uv_timer_stop(&c->timer);
    return done(c, n);
}

static int wc_has(const wire_client_t *c, size_t n) {
    return c->len >= n || c->eof;
}

static int wc_at_eof(const wire_client_t *c, size_t n) {
    (void)n;
    return c->eof;
}

static int wc_is_connected(const wire_client_t *c, size_t n) {
    (void)n;
    return c->connected != 0;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Starts a one-broker mock with the faults of @p spec and connects to it. */
static void wc_open(wire_client_t *c, const char *spec) {
    kfk_mock_opts_t opts = KFK_MOCK_OPTS_INIT;
    struct sockaddr_in addr;
    const char *colon;
    memset(c, 0, sizeof(*c));
    cr_assert_eq(uv_loop_init(&c->loop), 0);
    cr_assert_eq(kfk_mock_new(&c->loop, &opts, &c->mock, err, sizeof(err)), KFK_ERR_NONE, "%s",
                 err);
    cr_assert_eq(kfk_mock_fault_parse(c->mock, spec, err, sizeof(err)), KFK_ERR_NONE, "%s", err);
    colon = strrchr(kfk_mock_bootstrap(c->mock), ':');
    cr_assert_not_null(colon);
    uv_timer_init(&c->loop, &c->timer);
    c->timer.data = c;
    uv_tcp_init(&c->loop, &c->tcp);
    c->tcp.data = c;
    c->creq.data = c;
    uv_ip4_addr("127.0.0.1", (int)strtol(colon + 1, NULL, 10), &addr);
    cr_assert_eq(uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&addr, wc_connected),
                 0);
    cr_assert(wc_run(c, wc_is_connected, 0, 5000));
    cr_assert_eq(c->connected, 1);
}

static void wc_written(uv_write_t *w, int status) {
    (void)status;
    free(w);
}

/* Sends ApiVersions v0 (header v1, no client id) with correlation id @p corr. */
static void wc_send_api_versions(wire_client_t *c, int32_t corr) {
    uv_write_t *w = malloc(sizeof(*w) + 14);
    uint8_t *p = (uint8_t *)(w + 1);
    static const uint8_t head[] = {0, 0, 0, 10, 0, 18, 0, 0};
    uv_buf_t b = uv_buf_init((char *)p, 14);
    memcpy(p, head, sizeof(head));
    p[8] = (uint8_t)(corr >> 24);
    p[9] = (uint8_t)(corr >> 16);
    p[10] = (uint8_t)(corr >> 8);
    p[11] = (uint8_t)corr;
    p[12] = p[13] = 0xff;
    cr_assert_eq(uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, wc_written), 0);
}

/* Waits for one whole answer frame starting at @p from; returns its length (size included). */
static size_t wc_frame(wire_client_t *c, size_t from) {
    size_t n;
    cr_assert(wc_run(c, wc_has, from + 4, 5000), "no frame size");
    cr_assert_geq(c->len, from + 4, "the connection closed before a frame");
    n = 4 + be32(c->buf + from);
    cr_assert_lt(n, sizeof(c->buf) - from);
    cr_assert(wc_run(c, wc_has, from + n, 5000));
    cr_assert_geq(c->len, from + n, "the frame was cut");
    return n;
}

static void wc_mock_closed(kfk_mock_t *mk, void *opaque) {
    (void)mk;
    *(int *)opaque = 1;
}

static void wc_close(wire_client_t *c) {
    int mock_closed = 0;
    uv_close((uv_handle_t *)&c->tcp, NULL);
    uv_close((uv_handle_t *)&c->timer, NULL);
    kfk_mock_close(c->mock, wc_mock_closed, &mock_closed);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    cr_assert(mock_closed);
    cr_assert_eq(uv_loop_close(&c->loop), 0);
}

Test(mock_fault, cuts_an_answer_after_the_bytes_kept_and_closes) {
    wire_client_t c;
    wc_open(&c, "api=ApiVersions,truncate=6");
    wc_send_api_versions(&c, 7);
    cr_assert(wc_run(&c, wc_at_eof, 0, 5000), "the connection stays open");
    cr_assert_eq(c.len, 6);
    cr_assert_eq(be32(c.buf + 0) > 6, 1, "the size still says the whole answer");
    wc_close(&c);
}

Test(mock_fault, closes_before_or_after_answering) {
    wire_client_t c;
    wc_open(&c, "api=ApiVersions,close=before");
    wc_send_api_versions(&c, 1);
    cr_assert(wc_run(&c, wc_at_eof, 0, 5000));
    cr_assert_eq(c.len, 0);
    wc_close(&c);

    wc_open(&c, "api=ApiVersions,close=after");
    wc_send_api_versions(&c, 2);
    wc_frame(&c, 0);
    cr_assert_eq(be32(c.buf + 4), 2, "correlation id");
    cr_assert(wc_run(&c, wc_at_eof, 0, 5000));
    wc_close(&c);
}

Test(mock_fault, patches_bytes_counted_from_the_size_field) {
    wire_client_t c;
    wc_open(&c, "api=ApiVersions,patch=8:0023");
    wc_send_api_versions(&c, 3);
    wc_frame(&c, 0);
    cr_assert_eq(be32(c.buf + 4), 3, "the correlation id is untouched");
    cr_assert_eq(c.buf[8], 0x00);
    cr_assert_eq(c.buf[9], 0x23, "the error code is now UNSUPPORTED_VERSION (35)");
    wc_close(&c);
}

Test(mock_fault, sends_an_error_code_through_the_handler) {
    wire_client_t c;
    wc_open(&c, "api=ApiVersions,error=UNSUPPORTED_VERSION");
    wc_send_api_versions(&c, 4);
    wc_frame(&c, 0);
    cr_assert_eq(c.buf[8] << 8 | c.buf[9], KFK_ERR_UNSUPPORTED_VERSION);
    cr_assert_eq(kfk__mock_fault_count(c.mock), 0);
    wc_close(&c);
}

Test(mock_fault, replaces_a_frame_and_keeps_the_connection) {
    wire_client_t c;
    size_t n;
    wc_open(&c, "api=ApiVersions,replace=FFFFFFFF");
    wc_send_api_versions(&c, 5);
    cr_assert(wc_run(&c, wc_has, 4, 5000));
    cr_assert_eq(c.len, 4);
    cr_assert_eq(be32(c.buf), 0xffffffffu, "a frame of size -1");
    wc_send_api_versions(&c, 6);
    n = wc_frame(&c, 4);
    cr_assert_gt(n, 10);
    cr_assert_eq(be32(c.buf + 8), 6, "the next answer is whole");
    cr_assert_eq(c.eof, 0);
    wc_close(&c);
}

Test(mock_fault, delays_an_answer) {
    wire_client_t c;
    uint64_t t0;
    wc_open(&c, "api=ApiVersions,delay=150");
    t0 = uv_hrtime();
    wc_send_api_versions(&c, 8);
    wc_frame(&c, 0);
    cr_assert_geq(uv_hrtime() - t0, (uint64_t)140 * 1000000, "answered after %llu ms",
                  (unsigned long long)((uv_hrtime() - t0) / 1000000));
    wc_close(&c);
}

Test(mock_fault, stays_silent_with_the_connection_open) {
    wire_client_t c;
    wc_open(&c, "api=ApiVersions,silence");
    wc_send_api_versions(&c, 9);
    /* Nothing comes: the wait for one byte ends by its deadline, with the connection open. */
    cr_assert_not(wc_run(&c, wc_has, 1, 200));
    cr_assert_eq(c.len, 0);
    cr_assert_eq(c.eof, 0);
    wc_close(&c);
}

Test(mock_fault, skips_answers_on_the_wire_then_applies) {
    wire_client_t c;
    size_t n;
    wc_open(&c, "api=ApiVersions,skip=1,truncate=6");
    wc_send_api_versions(&c, 10);
    n = wc_frame(&c, 0);
    wc_send_api_versions(&c, 11);
    cr_assert(wc_run(&c, wc_at_eof, 0, 5000));
    cr_assert_eq(c.len, n + 6);
    cr_assert_eq(kfk_mock_requests(c.mock, KFK_API_API_VERSIONS), 2);
    wc_close(&c);
}
