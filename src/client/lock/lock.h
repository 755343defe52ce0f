/*
 * lock.h: internal declarations of the Redis lock (kfk_lock_t, public API in kfk/kfk.h):
 * counters and test hooks. Nothing here is installed or exported.
 */
#ifndef KFK_CLIENT_LOCK_H
#define KFK_CLIENT_LOCK_H

#include <stdint.h>

#include "kfk/kfk.h"

/* What one lock did since it was created. */
typedef struct kfk__lock_stats {
    uint64_t connects;       /* Redis connections started */
    uint64_t acquired;       /* acquisitions granted */
    uint64_t held_elsewhere; /* acquisitions refused: another owner */
    uint64_t renews_sent;    /* renewals sent */
    uint64_t renews_ok;      /* renewals that extended the lease */
    uint64_t late_ticks;     /* renew ticks that came late: the loop was blocked */
    uint64_t lost;           /* leases lost while held */
    uint64_t timeouts;       /* connections torn down because a command did not answer */
} kfk__lock_stats_t;

/* Copies the counters of @p lk into @p out. */
void kfk__lock_stats(const kfk_lock_t *lk, kfk__lock_stats_t *out);

/* The lease deadline on uv_hrtime()'s clock (CLOCK_MONOTONIC, ns) of the current or last
 * acquisition; 0 when there was none. */
uint64_t kfk__lock_deadline_ns(const kfk_lock_t *lk);

/* Test hook: while @p block is set, renew ticks check the deadline but send no renewal (as if
 * every renewal were lost on the way). */
void kfk__lock_test_block_renew(kfk_lock_t *lk, int block);

/* Test hook: runs a renew tick now (deadline check, then a renewal unless one is in flight),
 * ignoring kfk__lock_test_block_renew. No-op unless the lock is held. */
void kfk__lock_test_renew_now(kfk_lock_t *lk);

#endif
