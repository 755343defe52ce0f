/*
 * test_api_null.c: kfk.h's accessors and setters given a NULL object. Most of the API already
 * answered NULL with KFK_ERR__INVALID_ARG, 0, -1 or NULL; these 17 dereferenced it (found by
 * calling every KFK_EXTERN function of kfk.h with zeroed arguments, each in its own process).
 * Each now gives the "nothing" answer its comment implies and touches no memory.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/kfk.h"

static void on_log(int level, const char *context, const char *message, void *opaque) {
    (void)level;
    (void)context;
    (void)message;
    (void)opaque;
}

Test(api_null, conf_functions_take_a_null_configuration) {
    cr_expect_null(kfk_conf_dup(NULL));
    cr_expect_null(kfk_conf_dump(NULL));
    kfk_conf_set_log_cb(NULL, on_log, NULL);
    kfk_conf_set_stats_cb(NULL, NULL, NULL);
}

Test(api_null, producer_and_consumer_accessors_answer_nothing_for_null) {
    cr_expect_eq(kfk_producer_queued(NULL), 0);
    cr_expect_eq(kfk_batch_count(NULL), 0);
    cr_expect_null(kfk_batch_message(NULL, 0));
    kfk_consumer_set_rebalance_cb(NULL, NULL, NULL);
    kfk_consumer_set_decoder(NULL, NULL, NULL, NULL);
    int64_t pos = 7, hwm = 7;
    cr_expect_eq(kfk_consumer_position(NULL, "t", 0, &pos, &hwm), KFK_ERR__INVALID_ARG);
    cr_expect_eq(pos, 7);
    kfk_topic_partition_t tp[2];
    cr_expect_eq(kfk_consumer_assignment(NULL, tp, 2), 0);
    cr_expect_eq(kfk_consumer_outstanding(NULL), 0);
    cr_expect_eq(kfk_consumer_committed(NULL, "t", 0), -1);
}

Test(api_null, a_null_message_has_no_headers) {
    kfk_record_header_iter_t it;
    memset(&it, 0xab, sizeof it);
    kfk_message_header_iter(NULL, &it);
    kfk_record_header_t h;
    cr_expect_not(kfk_record_header_iter_next(&it, &h));
    kfk_message_header_iter(NULL, NULL);
}

Test(api_null, worker_and_listener_accessors_answer_nothing_for_null) {
    cr_expect_eq(kfk_worker_fence(NULL), 0);
    cr_expect_null(kfk_worker_consumer(NULL));
    cr_expect_null(kfk_worker_lock_key(NULL));
    kfk_listener_stats_t st;
    memset(&st, 0xab, sizeof st);
    kfk_listener_stats(NULL, &st);
    kfk_listener_stats_t zero;
    memset(&zero, 0, sizeof zero);
    cr_expect_eq(memcmp(&st, &zero, sizeof st), 0);
    kfk_listener_stats(NULL, NULL);
}
