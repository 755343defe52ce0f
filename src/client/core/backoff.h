/*
 * backoff.h: the one backoff rule of src/client (issue "fail well"). Every retried thing waits
 * an exponential step with jitter: reconnects (reconnect.backoff.ms doubling to
 * reconnect.backoff.max.ms) and retried requests (retry.backoff.ms doubling to
 * retry.backoff.max.ms, KIP-580), so no failure path becomes a storm.
 */
#ifndef KFK_CLIENT_CORE_BACKOFF_H
#define KFK_CLIENT_CORE_BACKOFF_H

#include <stdint.h>

/* The wait before attempt number @p attempt (1 = the first retry after one failure): @p base
 * doubled (attempt - 1) times, at most @p max, then +-20 % jitter, never above @p max. 0 when
 * base is 0. */
uint64_t kfk__backoff_ms(int64_t base, int64_t max, uint32_t attempt);

#endif
