/*
 * consumer_tests.h: the small helpers the consumer's integration tests (test_consumer_*.c) share
 * beside consumer_kit.h: the broker under test, finishing a loop, assigning every partition and
 * a fresh group name. Helpers assert with Criterion, so they run inside a test.
 */
#ifndef KFK_TEST_CONSUMER_TESTS_H
#define KFK_TEST_CONSUMER_TESTS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "kfk/kfk.h"

/* The bootstrap servers of the broker under test (KFK_BOOTSTRAP or its KFK_39_ twin). */
const char *ct_bs(void);

/* Runs what is left on @p loop and checks that nothing stays on it. */
void ct_loop_finish(uv_loop_t *loop);

/* Assigns partitions 0 .. @p nparts - 1 (at most 64) of @p topic to @p c, each at @p offset, or
 * fails the test. */
void ct_assign_all(kfk_consumer_t *c, const char *topic, int32_t nparts, int64_t offset);

/* Writes a group name no other test uses (kfk-cg-TAG-PID-TIME-N) to @p g. */
void ct_unique_group(char *g, size_t cap, const char *tag);

#endif
