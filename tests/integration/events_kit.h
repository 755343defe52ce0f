/*
 * events_kit.h: shared pieces of the events integration tests (test_events.c,
 * test_events_formats.c): one loop per test (ek_setup / ek_teardown as the suite's init and fini),
 * waits with deadlines, configurations, topics, a producer and a group consumer against the
 * broker under test (KFK_BOOTSTRAP). Helpers assert with Criterion, so they run inside a test.
 */
#ifndef KFK_TEST_EVENTS_KIT_H
#define KFK_TEST_EVENTS_KIT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "kfk/kfk.h"

/* The test's loop (ek_setup initializes it, ek_teardown checks that nothing was left open). */
extern uv_loop_t ek_loop;

/* Monotonic milliseconds. */
uint64_t ek_now_ms(void);
/* Runs the loop until @p cond(arg) or @p timeout_ms; returns cond's last value. */
int ek_run_until(int (*cond)(void *), void *arg, int64_t timeout_ms);
/* Runs the loop until *v >= want or @p timeout_ms; 1 when reached. */
int ek_wait_int(int *v, int want, int64_t timeout_ms);
/* Runs the loop for @p ms. */
void ek_run_for(int64_t ms);
/* The suite's init and fini. */
void ek_setup(void);
void ek_teardown(void);

/* A configuration with bootstrap.servers of the broker under test; the caller frees it. */
kfk_conf_t *ek_conf_base(void);
/* Sets @p k = @p v on @p c or fails the test. */
void ek_conf_put(kfk_conf_t *c, const char *k, const char *v);
/* A name unique to this process and call: kfk-ev-WHAT-PID-TIME-N. */
void ek_unique_name(char *out, size_t cap, const char *what);
/* Creates topic @p name (replication 1) and waits for CreateTopics' answer. */
void ek_make_topic(const char *name, int32_t partitions);
/* A producer (linger.ms 1); close it with ek_producer_close. */
kfk_producer_t *ek_producer(void);
void ek_producer_close(kfk_producer_t *p);
/* A consumer in @p group subscribed to @p topic, from the earliest offset. */
kfk_consumer_t *ek_group_consumer(const char *topic, const char *group);
void ek_consumer_close(kfk_consumer_t *k);
/* Sends one raw record (for bad envelopes) and waits for its delivery. */
void ek_send_raw(kfk_producer_t *p, const char *topic, int32_t partition, const void *v,
                 size_t len);

#endif
