/*
 * test_err.c: the error table (kfk_err_name / kfk_err_str / flags). Kafka's numbers must match
 * Kafka's own (4.3.1 Errors.java); local errors stay negative, below -100.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

Test(err, kafka_codes_keep_their_numbers_and_names) {
    cr_assert_eq(KFK_ERR_UNKNOWN_SERVER_ERROR, -1);
    cr_assert_eq(KFK_ERR_OFFSET_OUT_OF_RANGE, 1);
    cr_assert_eq(KFK_ERR_NOT_LEADER_OR_FOLLOWER, 6);
    cr_assert_eq(KFK_ERR_MESSAGE_TOO_LARGE, 10);
    cr_assert_eq(KFK_ERR_REBALANCE_IN_PROGRESS, 27);
    cr_assert_eq(KFK_ERR_UNSUPPORTED_VERSION, 35);
    cr_assert_eq(KFK_ERR_DUPLICATE_SEQUENCE_NUMBER, 46);
    cr_assert_eq(KFK_ERR_MEMBER_ID_REQUIRED, 79);
    cr_assert_eq(KFK_ERR_REBOOTSTRAP_REQUIRED, 129);
    cr_assert_eq(KFK_ERR_SHARE_SESSION_LIMIT_REACHED, 133);
    cr_assert_str_eq(kfk_err_name(KFK_ERR_NOT_LEADER_OR_FOLLOWER), "NOT_LEADER_OR_FOLLOWER");
    cr_assert_str_eq(kfk_err_name(KFK_ERR_NONE), "NONE");
    cr_assert_str_eq(kfk_err_name((kfk_err_t)79), "MEMBER_ID_REQUIRED");
}

Test(err, every_kafka_code_from_minus_one_to_133_is_known) {
    for (int c = -1; c <= 133; c++) {
        const char *name = kfk_err_name((kfk_err_t)c);
        cr_expect_str_neq(name, "UNKNOWN_ERROR_CODE", "code %d has no name", c);
        cr_expect_gt(strlen(kfk_err_str((kfk_err_t)c)), 5, "code %d has no text", c);
    }
}

Test(err, unknown_codes_get_a_name_and_no_flags) {
    cr_assert_str_eq(kfk_err_name((kfk_err_t)134), "UNKNOWN_ERROR_CODE");
    cr_assert_str_eq(kfk_err_name((kfk_err_t)-99), "UNKNOWN_ERROR_CODE");
    cr_assert_str_eq(kfk_err_str((kfk_err_t)9999), "Unknown error code");
    cr_assert_eq(kfk_err_flags((kfk_err_t)9999), 0);
}

Test(err, retriable_flags_follow_java) {
    cr_assert(kfk_err_is_retriable(KFK_ERR_NOT_LEADER_OR_FOLLOWER));
    cr_assert(kfk_err_flags(KFK_ERR_NOT_LEADER_OR_FOLLOWER) & KFK_ERRF_REFRESH);
    cr_assert(kfk_err_is_retriable(KFK_ERR_NOT_ENOUGH_REPLICAS));
    cr_assert(kfk_err_is_retriable(KFK_ERR_REQUEST_TIMED_OUT));
    cr_assert(kfk_err_is_retriable(KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS));
    cr_assert_not(kfk_err_is_retriable(KFK_ERR_MESSAGE_TOO_LARGE));
    cr_assert_not(kfk_err_is_retriable(KFK_ERR_OFFSET_OUT_OF_RANGE));
    cr_assert_not(kfk_err_is_retriable(KFK_ERR_REBALANCE_IN_PROGRESS));
    /* BROKER_NOT_AVAILABLE: Java says no, franz-go and librdkafka retry; so does kfk. */
    cr_assert(kfk_err_is_retriable(KFK_ERR_BROKER_NOT_AVAILABLE));
}

Test(err, authentication_and_fencing_are_fatal) {
    cr_assert(kfk_err_is_fatal(KFK_ERR_SASL_AUTHENTICATION_FAILED));
    cr_assert(kfk_err_is_fatal(KFK_ERR_FENCED_INSTANCE_ID));
    cr_assert(kfk_err_is_fatal(KFK_ERR_PRODUCER_FENCED));
    cr_assert(kfk_err_is_fatal(KFK_ERR__SSL));
    cr_assert_not(kfk_err_is_fatal(KFK_ERR_NOT_LEADER_OR_FOLLOWER));
    cr_assert_not(kfk_err_is_fatal(KFK_ERR__TIMED_OUT));
}

Test(err, transaction_codes_keep_kafkas_numbers_names_and_flags) {
    /* The codes a transactional producer meets (Errors.java of Kafka 4.3.1), with Java's
     * retriable flag: only CONCURRENT_TRANSACTIONS is a RetriableException; fencing and
     * authorization end the producer. */
    static const struct {
        kfk_err_t code;
        int number;
        const char *name;
        int flags;
    } want[] = {
        {KFK_ERR_INVALID_PRODUCER_EPOCH, 47, "INVALID_PRODUCER_EPOCH", 0},
        {KFK_ERR_INVALID_TXN_STATE, 48, "INVALID_TXN_STATE", 0},
        {KFK_ERR_INVALID_PRODUCER_ID_MAPPING, 49, "INVALID_PRODUCER_ID_MAPPING", 0},
        {KFK_ERR_INVALID_TRANSACTION_TIMEOUT, 50, "INVALID_TRANSACTION_TIMEOUT", 0},
        {KFK_ERR_CONCURRENT_TRANSACTIONS, 51, "CONCURRENT_TRANSACTIONS", KFK_ERRF_RETRIABLE},
        {KFK_ERR_TRANSACTION_COORDINATOR_FENCED, 52, "TRANSACTION_COORDINATOR_FENCED", 0},
        {KFK_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
         KFK_ERRF_FATAL},
        {KFK_ERR_UNKNOWN_PRODUCER_ID, 59, "UNKNOWN_PRODUCER_ID", 0},
        {KFK_ERR_PRODUCER_FENCED, 90, "PRODUCER_FENCED", KFK_ERRF_FATAL},
        {KFK_ERR_TRANSACTIONAL_ID_NOT_FOUND, 105, "TRANSACTIONAL_ID_NOT_FOUND", 0},
        {KFK_ERR_TRANSACTION_ABORTABLE, 120, "TRANSACTION_ABORTABLE", 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_expect_eq((int)want[i].code, want[i].number, "%s", want[i].name);
        cr_expect_str_eq(kfk_err_name(want[i].code), want[i].name);
        cr_expect_eq(kfk_err_flags(want[i].code), want[i].flags, "%s", want[i].name);
        cr_expect_gt(strlen(kfk_err_str(want[i].code)), 10, "%s", want[i].name);
    }
    cr_assert_str_eq(kfk_err_str(KFK_ERR_TRANSACTION_ABORTABLE),
                     "The server encountered an error with the transaction");
}

Test(err, local_codes_are_negative_below_minus_100_with_underscore_names) {
    static const kfk_err_t locals[] = {KFK_ERR__BAD_MSG,   KFK_ERR__TIMED_OUT, KFK_ERR__QUEUE_FULL,
                                       KFK_ERR__LOCK_HELD, KFK_ERR__LOCK_LOST, KFK_ERR__DESTROYED,
                                       KFK_ERR__INCOMPLETE};
    for (size_t i = 0; i < sizeof locals / sizeof locals[0]; i++) {
        cr_expect_lt(locals[i], -100);
        cr_expect_eq(kfk_err_name(locals[i])[0], '_', "%s", kfk_err_name(locals[i]));
    }
    cr_assert_str_eq(kfk_err_name(KFK_ERR__LOCK_HELD), "_LOCK_HELD");
    cr_assert_eq(KFK_ERR__BAD_MSG, -101, "local numbers never move");
    cr_assert_eq(KFK_ERR__LOCK_HELD, -123, "local numbers never move");
}

Test(err, version_and_features_are_reported) {
    cr_assert_str_eq(kfk_version_str(), KFK_VERSION_STR);
    cr_assert_not_null(kfk_build_features());
}
